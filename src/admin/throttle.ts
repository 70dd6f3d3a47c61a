/**
 * Login throttling: after a few wrong tokens from one client, further attempts from it are
 * refused with `429` for a time that doubles with each failure. Kept per client address, so
 * an attacker slows only itself and cannot lock the owner out from elsewhere.
 *
 * @module
 */

/** Wrong tokens a client may send before it is slowed down. */
const FREE_FAILURES = 5;
/** The longest wait imposed, in seconds. */
const MAX_DELAY_SECONDS = 300;
/** A client's failures are forgotten after this long without one, in milliseconds. */
const FORGET_AFTER_MS = 15 * 60 * 1000;
/** Most clients tracked; past it, the least recently failed is forgotten. */
const MAX_CLIENTS = 10_000;

interface Failures {
  count: number;
  last: number;
  until: number;
}

/** Counts wrong tokens per client and says how long a client must wait. */
export interface LoginThrottle {
  /** Seconds `client` must still wait before its next attempt, `0` when it may try now. */
  retryAfter(client: string, now?: number): number;
  /** Records a wrong token from `client`. */
  failed(client: string, now?: number): void;
  /** Forgets `client`'s failures after a right token. */
  succeeded(client: string): void;
}

/**
 * Creates a throttle: `FREE_FAILURES` wrong tokens are free, then each failure makes the
 * client wait 1, 2, 4 … seconds, at most 300.
 *
 * @returns The throttle.
 */
export function createLoginThrottle(): LoginThrottle {
  const clients = new Map<string, Failures>();
  return {
    retryAfter(client, now = Date.now()) {
      const entry = clients.get(client);
      if (entry === undefined) return 0;
      if (now - entry.last > FORGET_AFTER_MS) {
        clients.delete(client);
        return 0;
      }
      return Math.max(0, Math.ceil((entry.until - now) / 1000));
    },
    failed(client, now = Date.now()) {
      const entry = clients.get(client) ?? { count: 0, last: now, until: 0 };
      entry.count = now - entry.last > FORGET_AFTER_MS ? 1 : entry.count + 1;
      entry.last = now;
      const over = entry.count - FREE_FAILURES;
      entry.until = over > 0 ? now + Math.min(2 ** (over - 1), MAX_DELAY_SECONDS) * 1000 : 0;
      clients.delete(client); // re-inserted last: the map stays ordered by last failure
      clients.set(client, entry);
      if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    },
    succeeded(client) {
      clients.delete(client);
    },
  };
}
