// Where `shiptrack status` finds the web service's /healthz, from the HOST and PORT it listens on.
// A wildcard address is reached through the loopback of its family; an IPv6 literal needs brackets
// in a URL (RFC 3986 §3.2.2, as the WHATWG URL parser Node uses requires).
import { isIPv6 } from 'node:net';

export function healthUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${isIPv6(reachable) ? `[${reachable}]` : reachable}:${port}/healthz`;
}
