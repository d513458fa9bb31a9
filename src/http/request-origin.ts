import type http from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { TrustFunction } from './client-ip.js';

/** A host as a Host header may name it: a DNS name or IPv4 address, or an IPv6 literal in brackets, with an optional port. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The origin a client reached FindMe at (`http://192.168.1.20:4000`): the
 * Host header, or what a trusted proxy forwarded (`X-Forwarded-Host`,
 * `X-Forwarded-Proto`). Used only for URLs handed back to that same client,
 * never for a link anyone else receives (mail uses PUBLIC_URL). Null when the
 * header is missing or is not a plain host, so a forged value cannot shape a URL.
 */
export function requestOrigin(request: http.IncomingMessage, trust: TrustFunction): string | null {
  const peer = request.socket.remoteAddress ?? '';
  const viaProxy = trust(peer, 0);
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  const forwardedProto = viaProxy ? first(request.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : (request.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = (viaProxy ? first(request.headers['x-forwarded-host']) : undefined) ?? first(request.headers.host);
  if (!host || host.length > 260 || !HOST.test(host)) return null;
  return `${proto}://${host.toLowerCase()}`;
}
