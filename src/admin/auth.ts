/**
 * Access to the admin: a token sent as `Authorization: Bearer TOKEN`, or a session cookie set
 * by the login form. The cookie holds an HMAC of the token, never the token itself, and is
 * `HttpOnly; SameSite=Strict`, so other sites can neither read it nor make the browser send it.
 *
 * @module
 */

import { base64url } from "../_http.ts";

/** The name of the admin session cookie. */
export const SESSION_COOKIE = "sage_admin";

const encoder = new TextEncoder();
const SESSION_LABEL = "sage-stream admin session v1";

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
  /** The cookie value that proves a login: an HMAC of the token, base64url. */
  sessionValue(): Promise<string>;
  /** Whether the request carries the right bearer token or session cookie. */
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
 * @param token The token, at least 16 characters.
 * @returns The checks.
 * @throws {TypeError} When `token` is not a string.
 * @throws {RangeError} When `token` is shorter than 16 characters.
 */
export function createTokenAuth(token: string): TokenAuth {
  if (typeof token !== "string") {
    throw new TypeError('Cannot create admin handler: "token" must be a string');
  }
  if (token.length < 16) {
    throw new RangeError('Cannot create admin handler: "token" must be at least 16 characters long');
  }
  // a random per-process key: comparing HMACs under it takes the same time whatever the input
  const compareKey = importKey(crypto.getRandomValues(new Uint8Array(32)));
  const expected = compareKey.then((key) => hmac(key, token));
  const session = importKey(encoder.encode(token)).then(async (key) =>
    base64url(await hmac(key, SESSION_LABEL))
  );
  const sessionDigest = Promise.all([compareKey, session]).then(([key, value]) => hmac(key, value));

  const auth: TokenAuth = {
    async checkToken(candidate) {
      return sameBytes(await hmac(await compareKey, candidate), await expected);
    },
    sessionValue() {
      return session;
    },
    async check(req) {
      const authorization = req.headers.get("authorization");
      if (authorization !== null) {
        const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
        return match !== null && await auth.checkToken(match[1]);
      }
      const cookie = readCookie(req, SESSION_COOKIE);
      if (cookie === null) return false;
      return sameBytes(await hmac(await compareKey, cookie), await sessionDigest);
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
    return new URL(origin).host === new URL(req.url).host;
  } catch {
    return false; // "null" and other opaque origins
  }
}
