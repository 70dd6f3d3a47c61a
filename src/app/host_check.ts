// Internal: which Host names a server answers. A web page on another origin can point a DNS
// name of its own at 127.0.0.1 (DNS rebinding) and then read a local server as same-origin;
// the browser still sends that name as Host, so answering only known names closes it.

import { isIP } from "node:net";

/**
 * The host names answered: `true` for any, or a list of names (`"video.example.com"`, or
 * `".example.com"` for it and every subdomain). IP addresses, `localhost` and `*.localhost`
 * are always answered: rebinding needs a DNS name of the attacker's, and those are not one.
 */
export type AllowedHosts = true | readonly string[];

/** Whether `hostname` (from the request URL, so from `Host`) may be answered. */
export function hostAllowed(hostname: string, allowed: AllowedHosts): boolean {
  if (allowed === true) return true;
  const name = hostname.toLowerCase().replace(/\.$/, "");
  const bare = name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
  if (isIP(bare) !== 0 || name === "localhost" || name.endsWith(".localhost")) return true;
  return allowed.some((entry) => {
    const rule = entry.toLowerCase().replace(/\.$/, "");
    return rule.startsWith(".") ? name === rule.slice(1) || name.endsWith(rule) : name === rule;
  });
}
