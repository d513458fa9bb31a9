import type http from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * Which proxies in front of FindMe may say who the client is through
 * `X-Forwarded-For`: none (`false`), the nearest `hops` of them, or those at
 * these addresses and CIDR ranges. Trusting every proxy (`true`) would let any
 * client choose its own address, and with it escape every per-IP limit.
 */
export type TrustedProxies = false | number | string[];

/** The compiled trust test: `(address, hopIndex) => trusted`, as Express and proxy-addr take it. */
export type TrustFunction = (address: string, hop: number) => boolean;

export function compileTrust(setting: TrustedProxies): TrustFunction {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/**
 * The client's address, the same way for HTTP requests and WebSocket
 * upgrades: the socket's peer, or the first untrusted address walking
 * `X-Forwarded-For` from the right.
 */
export function clientIp(request: http.IncomingMessage, trust: TrustFunction): string {
  return proxyaddr(request, trust) || 'unknown';
}
