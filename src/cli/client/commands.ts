import type { Command } from 'commander';
import { CliError, FindMeApi, type ApiSession } from './api.js';
import { loadCredentials, saveCredentials } from './credentials.js';
import { ask, readStdinLine } from './prompt.js';
import { uploadFolder } from './upload.js';

/**
 * The photographer's commands (`login`, `upload`): clients of the public API
 * only, loading nothing of the server. Registered on `findme` and on the
 * standalone `findme-client`.
 */
export function registerClientCommands(program: Command): void {
  program
    .command('login')
    .description('sign in to a FindMe server and keep the session token in your config directory (mode 0600)')
    .option('--server <url>', 'the server, e.g. https://findme.example.com')
    .option('--email <email>', 'your account email (asked when omitted)')
    .option('--password-stdin', 'read the password from standard input (for scripts); otherwise it is asked without echo')
    .action(login);
  program
    .command('upload')
    .description('upload every photo of a folder to an event, skipping those already there, then follow processing live')
    .argument('<folder>', 'a folder of JPEG, PNG, WebP or HEIC photos (subfolders included)')
    .requiredOption('--event <code>', 'the event code')
    .option('--server <url>', 'the server (default: the one you logged in to)')
    .option('--concurrency <n>', 'files sent at once', (v) => Number.parseInt(v, 10), 4)
    .option('--batch <n>', 'files per upload request', (v) => Number.parseInt(v, 10), 50)
    .option('--watch', 'keep watching the folder and upload new photos as they appear (tethered shooting)')
    .action(upload);
}

async function login(options: { server?: string; email?: string; passwordStdin?: boolean }): Promise<void> {
  const saved = await loadCredentials(options.server);
  const server = options.server ?? saved?.server ?? (await ask('Server URL: '));
  const email = options.email ?? (await ask('Email: '));
  // Never from argv: command lines are visible to every user of the machine and kept in shell history.
  const password = options.passwordStdin ? await readStdinLine('Password') : await ask('Password: ', true);
  const api = new FindMeApi(server);
  const { login: session } = await api.request<{ login: { token: string; expiresAt: string; refreshToken: string; user: { displayName: string; role: string } } }>(
    'mutation($i: LoginInput!) { login(input: $i) { token expiresAt refreshToken user { displayName role } } }',
    { i: { email, password } },
  );
  const file = await saveCredentials({
    server: api.graphqlUrl.replace(/\/graphql$/, ''),
    email,
    token: session.token,
    expiresAt: session.expiresAt,
    refreshToken: session.refreshToken,
    savedAt: new Date().toISOString(),
  });
  process.stdout.write(`Signed in as ${session.user.displayName} (${session.user.role}); session saved in ${file}\n`);
}

async function upload(folder: string, options: { event: string; server?: string; concurrency: number; batch: number; watch?: boolean }): Promise<void> {
  // The session of the named server (or of the default one): a token never goes to another server.
  const saved = await loadCredentials(options.server);
  const token = process.env['FINDME_TOKEN'] ?? saved?.token;
  const server = options.server ?? saved?.server;
  if (!server || !token) {
    throw new CliError(options.server ? `Not signed in to ${options.server}: run findme login --server ${options.server} first.` : 'Not signed in: run findme login --server <url> first.');
  }
  if (!(options.concurrency >= 1 && options.concurrency <= 32)) throw new CliError('--concurrency must be between 1 and 32.');
  if (!(options.batch >= 1 && options.batch <= 500)) throw new CliError('--batch must be between 1 and 500.');
  // FINDME_TOKEN is a bare access token (scripts, CI): it cannot be renewed. A saved session renews itself and is kept up to date.
  const session: ApiSession =
    process.env['FINDME_TOKEN'] || !saved
      ? { token }
      : {
          token,
          expiresAt: saved.expiresAt ? new Date(saved.expiresAt) : undefined,
          refreshToken: saved.refreshToken,
          renewed: async (next) => {
            await saveCredentials({ ...saved, token: next.token, expiresAt: next.expiresAt.toISOString(), refreshToken: next.refreshToken, savedAt: new Date().toISOString() }, false);
          },
        };
  const summary = await uploadFolder(new FindMeApi(server, session), {
    folder,
    eventCode: options.event,
    concurrency: options.concurrency,
    batchSize: options.batch,
    watch: options.watch ?? false,
  });
  if (summary.failed.length > 0) {
    process.stderr.write(`findme: ${summary.failed.length} photo(s) failed processing (see above).\n`);
    process.exit(2);
  }
  process.exit(0);
}
