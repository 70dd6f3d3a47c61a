// Internal: the client's address from the socket, or from forwarding headers when trusted.
// Shared by the handler (watch log, authorize) and the CLI's access log.

import { runtime } from "./runtime/mod.ts";

// An address as it may appear in Forwarded / X-Forwarded-For, after quotes, brackets and
// port are removed: IPv4 or IPv6 characters only ("unknown" and "_hidden" are not addresses).
const ADDRESS_REGEXP = /^[0-9A-Fa-f:.]{2,45}$/;

function cleanAddress(raw: string): string | null {
  let value = raw.trim().replace(/^"|"$/g, "");
  if (value.startsWith("[")) {
    value = value.slice(1, value.indexOf("]") === -1 ? undefined : value.indexOf("]"));
  } else if (/^[0-9.]+:[0-9]+$/.test(value)) value = value.slice(0, value.indexOf(":")); // IPv4:port
  return ADDRESS_REGEXP.test(value) ? value : null;
}

/** The forwarding chain, client first, from RFC 7239 `Forwarded` or else `X-Forwarded-For`. */
function forwardedChain(headers: Headers): string[] {
  const forwarded = headers.get("forwarded");
  if (forwarded !== null) {
    const chain: string[] = [];
    for (const element of forwarded.split(",")) {
      const pair = element.split(";").map((p) => p.trim()).find((p) => /^for=/i.test(p));
      chain.push(pair === undefined ? "" : pair.slice(4));
    }
    return chain;
  }
  const xff = headers.get("x-forwarded-for");
  return xff === null ? [] : xff.split(",");
}

/**
 * The client's address: the socket's, or with `trustProxy` the one the trusted proxies saw.
 * Falls back to the socket's address when the headers are absent or malformed.
 */
export function clientAddressOf(req: Request, info: unknown, trustProxy: boolean | number): string | null {
  const socket = runtime.clientAddress(req, info);
  if (trustProxy === false || trustProxy === 0) return socket;
  const chain = forwardedChain(req.headers);
  if (chain.length === 0) return socket;
  const hops = trustProxy === true ? chain.length : Math.min(trustProxy, chain.length);
  return cleanAddress(chain[chain.length - hops]) ?? socket;
}
