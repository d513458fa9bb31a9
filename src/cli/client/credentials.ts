import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** One server's session. */
export interface Credentials {
  server: string;
  email: string;
  token: string;
  /** When `token` stops working (ISO); absent in sessions saved before renewal existed. */
  expiresAt?: string | undefined;
  /** Exchanged for a new pair before `token` expires: a watch runs a whole day without a new login. */
  refreshToken?: string | undefined;
  savedAt: string;
}

/** The file: a session per server, and the server `upload` uses when none is named. */
interface CredentialsFile {
  version: 2;
  defaultServer: string | null;
  servers: Record<string, Omit<Credentials, 'server'>>;
}

/** `$FINDME_CONFIG_DIR`, else `$XDG_CONFIG_HOME/findme`, else `~/.config/findme`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['FINDME_CONFIG_DIR']) return env['FINDME_CONFIG_DIR'];
  return path.join(env['XDG_CONFIG_HOME'] || path.join(os.homedir(), '.config'), 'findme');
}

const file = () => path.join(configDir(), 'credentials.json');

/** A server URL as the key of its session: its origin (scheme, host, port), so paths and slashes do not matter. */
export function serverKey(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url.replace(/\/+$/, '');
  }
}

async function readAll(): Promise<CredentialsFile> {
  try {
    const raw = JSON.parse(await readFile(file(), 'utf8')) as Partial<CredentialsFile> & Partial<Credentials>;
    if (raw.version === 2 && raw.servers) return { version: 2, defaultServer: raw.defaultServer ?? null, servers: raw.servers };
    // The first format held one session: it belongs to the server it names, and to no other.
    if (raw.server && raw.token && raw.email) {
      const key = serverKey(raw.server);
      return { version: 2, defaultServer: key, servers: { [key]: { email: raw.email, token: raw.token, savedAt: raw.savedAt ?? '' } } };
    }
  } catch {
    // missing or unreadable: no sessions
  }
  return { version: 2, defaultServer: null, servers: {} };
}

/**
 * Written with 0600: a token, and the refresh token even more (it renews the
 * session for weeks), is as good as the password. With `makeDefault`, the
 * server becomes the default (a login); a renewal leaves the default alone.
 */
export async function saveCredentials(credentials: Credentials, makeDefault = true): Promise<string> {
  const all = await readAll();
  const key = serverKey(credentials.server);
  const { server: _server, ...entry } = credentials;
  all.servers[key] = entry;
  if (makeDefault || !all.defaultServer) all.defaultServer = key;
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  await writeFile(file(), `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(file(), 0o600);
  return file();
}

/**
 * The session for `server`, or for the default server when none is named.
 * A token is only ever sent to the server that issued it.
 */
export async function loadCredentials(server?: string): Promise<Credentials | null> {
  const all = await readAll();
  const key = server ? serverKey(server) : all.defaultServer;
  const entry = key ? all.servers[key] : undefined;
  return key && entry ? { server: key, ...entry } : null;
}
