// The client's address from the socket, or from the one forwarding header the user's proxy
// sets, when trusted. Shared by the endpoint (watch log, authorize), the admin and the access log.

import { isIP } from "node:net";
import { runtime } from "../runtime/mod.ts";

/**
 * The forwarding header a trusted proxy maintains. Only that one is read: a client can send
 * the other, and a proxy passes headers it does not maintain through untouched.
 */
export type ProxyHeader = "x-forwarded-for" | "forwarded";

/** The proxy headers accepted, for option checks. */
export const PROXY_HEADERS: readonly ProxyHeader[] = ["x-forwarded-for", "forwarded"];

/**
 * A literal IPv4 or IPv6 address from one hop, without quotes, brackets or port, or `null`
 * ("unknown", "_hidden", `999.999.999.999` and `dead:beef` are not addresses).
 */
export function parseAddress(raw: string): string | null {
  let value = raw.trim().replace(/^"|"$/g, "");
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close === -1) return null;
    value = value.slice(1, close);
  } else if (/^[0-9.]+:[0-9]+$/.test(value)) value = value.slice(0, value.indexOf(":")); // IPv4:port
  return isIP(value) === 0 ? null : value.toLowerCase();
}

/** The forwarding chain, client first, from the one header `header` names. */
function forwardedChain(headers: Headers, header: ProxyHeader): string[] {
  // several header lines of one name are one comma-separated list (RFC 9110 §5.3)
  const value = headers.get(header);
  if (value === null) return [];
  if (header === "x-forwarded-for") return value.split(",");
  return value.split(",").map((element) => {
    const pair = element.split(";").map((p) => p.trim()).find((p) => /^for=/i.test(p));
    return pair === undefined ? "" : pair.slice(4);
  });
}

/** Addresses read from forwarding chains, per request and per trust setting ("1|x-forwarded-for"). */
const known = new WeakMap<Request, Map<string, string | null>>();

/**
 * The client's address: the socket's, or with `trustProxy` the one the trusted proxies saw in
 * `header`. Falls back to the socket's address when the header is absent, the chain is shorter
 * than the proxies trusted, or the hop is not a valid address. A chain is read once per request
 * and setting, however many layers ask (the endpoint, the admin, the access log).
 */
export function clientAddressOf(
  req: Request,
  info: unknown,
  trustProxy: boolean | number,
  header: ProxyHeader = "x-forwarded-for",
): string | null {
  // the socket's address is the runtime's to give: only a forwarding chain is worth keeping
  if (trustProxy === false || trustProxy === 0) return runtime.clientAddress(req, info);
  const setting = `${trustProxy}|${header}`;
  let byRequest = known.get(req);
  const cached = byRequest?.get(setting);
  if (cached !== undefined) return cached;
  const address = addressFromHops(req, info, trustProxy, header);
  if (byRequest === undefined) known.set(req, byRequest = new Map());
  byRequest.set(setting, address);
  return address;
}

function addressFromHops(
  req: Request,
  info: unknown,
  trustProxy: boolean | number,
  header: ProxyHeader,
): string | null {
  const socket = runtime.clientAddress(req, info);
  if (trustProxy === false || trustProxy === 0) return socket;
  const chain = forwardedChain(req.headers, header);
  if (chain.length === 0) return socket;
  const hops = trustProxy === true ? chain.length : Math.min(trustProxy, chain.length);
  return parseAddress(chain[chain.length - hops]) ?? socket;
}

/**
 * Whether the trusted proxy received the request over HTTPS: the last `X-Forwarded-Proto`
 * value (with `"x-forwarded-for"`) or the last `proto=` of `Forwarded` (with `"forwarded"`),
 * the ones the nearest proxy set. Always `false` without `trustProxy`.
 */
export function forwardedHttps(
  req: Request,
  trustProxy: boolean | number,
  header: ProxyHeader = "x-forwarded-for",
): boolean {
  if (trustProxy === false || trustProxy === 0) return false;
  if (header === "x-forwarded-for") {
    const proto = req.headers.get("x-forwarded-proto");
    return proto !== null && proto.split(",").at(-1)!.trim().toLowerCase() === "https";
  }
  const last = req.headers.get("forwarded")?.split(",").at(-1);
  const pair = last?.split(";").map((p) => p.trim()).find((p) => /^proto=/i.test(p));
  return pair !== undefined && pair.slice(6).replace(/^"|"$/g, "").toLowerCase() === "https";
}
