/**
 * Access to the admin: a token sent as `Authorization: Bearer TOKEN`, or a session cookie set
 * by the login form. Each login gets its own random session id, kept in this process until
 * logout or expiry; the cookie is `HttpOnly; SameSite=Strict`, so other sites can neither read
 * it nor make the browser send it.
 *
 * @module
 */

import { isLongEnoughSecret, MIN_SECRET_BYTES } from "../core/secret.ts";
import { base64url, requestUrl } from "../core/http.ts";

/** The name of the admin session cookie. */
export const SESSION_COOKIE = "sage_admin";

const encoder = new TextEncoder();

/** Most sessions kept at once; past it, the one closest to expiry is ended first. */
const MAX_SESSIONS = 10_000;

async function hmac(key: CryptoKey, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}

function importKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    bytes as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

/** Compares two byte strings of the same length without an early exit. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Checks admin credentials; created by {@linkcode createTokenAuth}. */
export interface TokenAuth {
  /** Whether `candidate` is the token, compared in constant time (both sides are hashed first). */
  checkToken(candidate: string): Promise<boolean>;
  /**
   * Starts a session that lasts `maxAgeSeconds` and returns its cookie value: 32 random bytes,
   * base64url. Only a digest of it is kept.
   */
  startSession(maxAgeSeconds: number): Promise<string>;
  /** Ends the session the request's cookie names, if any. */
  endSession(req: Request): Promise<void>;
  /** Whether the request carries the right bearer token or a live session cookie. */
  check(req: Request): Promise<boolean>;
}

/**
 * Reads one cookie from a `Cookie` header.
 *
 * @param req The request.
 * @param name The cookie's name.
 * @returns Its value, or `null`.
 */
export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (header === null) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Creates the checks for one admin token.
 *
 * @param token The token, at least 16 bytes (UTF-8).
 * @returns The checks.
 * @throws {TypeError} When `token` is not a string.
 * @throws {RangeError} When `token` is shorter than 16 bytes.
 */
export function createTokenAuth(token: string): TokenAuth {
  if (typeof token !== "string") {
    throw new TypeError('Cannot create admin handler: "token" must be a string');
  }
  if (!isLongEnoughSecret(token)) {
    throw new RangeError(
      `Cannot create admin handler: "token" must be at least ${MIN_SECRET_BYTES} bytes long`,
    );
  }
  // a random per-process key: comparing HMACs under it takes the same time whatever the input
  const compareKey = importKey(crypto.getRandomValues(new Uint8Array(32)));
  const expected = compareKey.then((key) => hmac(key, token));
  // session digest (base64url of its HMAC) → expiry, in ms since the epoch
  const sessions = new Map<string, number>();
  const digestOf = async (value: string) => base64url(await hmac(await compareKey, value));

  const prune = (now: number) => {
    for (const [digest, expires] of sessions) if (expires <= now) sessions.delete(digest);
    while (sessions.size >= MAX_SESSIONS) {
      let oldest: string | null = null;
      let soonest = Infinity;
      for (const [digest, expires] of sessions) {
        if (expires < soonest) [oldest, soonest] = [digest, expires];
      }
      sessions.delete(oldest!);
    }
  };

  const auth: TokenAuth = {
    async checkToken(candidate) {
      return sameBytes(await hmac(await compareKey, candidate), await expected);
    },
    async startSession(maxAgeSeconds) {
      const value = base64url(crypto.getRandomValues(new Uint8Array(32)));
      const now = Date.now();
      prune(now);
      sessions.set(await digestOf(value), now + maxAgeSeconds * 1000);
      return value;
    },
    async endSession(req) {
      const cookie = readCookie(req, SESSION_COOKIE);
      if (cookie !== null && cookie !== "") sessions.delete(await digestOf(cookie));
    },
    async check(req) {
      const authorization = req.headers.get("authorization");
      if (authorization !== null) {
        const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
        return match !== null && await auth.checkToken(match[1]);
      }
      const cookie = readCookie(req, SESSION_COOKIE);
      if (cookie === null || cookie === "") return false;
      // a map lookup by digest: the cookie's bytes never meet a secret in a timed comparison
      const digest = await digestOf(cookie);
      const expires = sessions.get(digest);
      if (expires === undefined) return false;
      if (expires > Date.now()) return true;
      sessions.delete(digest);
      return false;
    },
  };
  return auth;
}

/**
 * Whether a form POST comes from the admin's own pages. Browsers send `Sec-Fetch-Site`: it
 * must be `same-origin`. Older ones send only `Origin`: its host must be the request's host
 * (the scheme may differ behind a TLS-terminating proxy). Posts with neither (curl) pass.
 *
 * @param req The request.
 * @returns `false` for cross-site posts.
 */
export function isSameOriginPost(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  try {
    return new URL(origin).host === requestUrl(req).host;
  } catch {
    return false; // "null" and other opaque origins
  }
}
