import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Credentials {
  server: string;
  email: string;
  token: string;
  savedAt: string;
}

/** `$FINDME_CONFIG_DIR`, else `$XDG_CONFIG_HOME/findme`, else `~/.config/findme`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['FINDME_CONFIG_DIR']) return env['FINDME_CONFIG_DIR'];
  return path.join(env['XDG_CONFIG_HOME'] || path.join(os.homedir(), '.config'), 'findme');
}

const file = () => path.join(configDir(), 'credentials.json');

/** Written with 0600: the token is as good as the password until it expires. */
export async function saveCredentials(credentials: Credentials): Promise<string> {
  const dir = configDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file(), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file(), 0o600);
  return file();
}

export async function loadCredentials(): Promise<Credentials | null> {
  try {
    return JSON.parse(await readFile(file(), 'utf8')) as Credentials;
  } catch {
    return null;
  }
}
