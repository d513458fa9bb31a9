import os from 'node:os';

/**
 * Where other devices can reach a server listening on `host`:`port`: the
 * machine's network addresses (IPv4, not loopback) when it listens on every
 * interface, or the one address it listens on. Phones on the venue's Wi-Fi
 * open these; `localhost` would be the phone itself.
 */
export function networkAddresses(host: string, port: number, interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  if (host !== '0.0.0.0' && host !== '::') return isLoopback(host) ? [] : [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const found = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) found.add(`http://${info.address}:${port}`);
    }
  }
  return [...found];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
