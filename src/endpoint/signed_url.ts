/**
 * Signed, expiring stream URLs, like nginx's `secure_link`: an HMAC-SHA-256 over the path and
 * the expiry time, in base64url, checked in constant time. Web Crypto only, so it runs the
 * same on Deno and Bun.
 *
 * @module
 */

import { isLongEnoughSecret, MIN_SECRET_BYTES, secretToBytes } from "../core/secret.ts";
import { base64url } from "../core/http.ts";

/** The query parameter carrying the expiry time, in Unix seconds. */
export const EXPIRES_PARAM = "expires";
/** The query parameter carrying the signature. */
export const SIGNATURE_PARAM = "sig";

/** A signing secret: a string (UTF-8 encoded) or raw bytes, at least 16 bytes long. */
export type SigningSecret = string | Uint8Array;

/** Options for {@linkcode signStreamUrl}. */
export interface SignStreamUrlOptions {
  /**
   * The secret shared with the handler's `signingSecret` (or a key from
   * {@linkcode importSigningKey}). At least 16 bytes; use 32 random ones.
   */
  secret: SigningSecret | CryptoKey;
  /**
   * How long the URL stays valid, in seconds (ignored when `expiresAt` is given).
   *
   * @default {3600}
   */
  expiresIn?: number;
  /** When the URL stops being valid. Overrides `expiresIn`. */
  expiresAt?: Date;
  /**
   * The endpoint path the URL starts with.
   *
   * @default {"/stream"}
   */
  basePath?: string;
  /**
   * The query parameter that carries the file path.
   *
   * @default {"path"}
   */
  param?: string;
  /** The current time, for tests. Defaults to now. */
  now?: Date;
}

/** Options for {@linkcode verifyStreamUrl}. */
export interface VerifyStreamUrlOptions {
  /** The secret the URL was signed with (or a key from {@linkcode importSigningKey}). */
  secret: SigningSecret | CryptoKey;
  /**
   * The query parameter that carries the file path.
   *
   * @default {"path"}
   */
  param?: string;
  /** The current time, for tests. Defaults to now. */
  now?: Date;
}

/**
 * The outcome of {@linkcode verifyStreamUrl}.
 *
 * | result | meaning |
 * | --- | --- |
 * | `{ valid: true, expiresAt }` | signed with the secret, not expired |
 * | `{ valid: false, reason: "missing" }` | no path, `expires` or `sig` parameter |
 * | `{ valid: false, reason: "malformed" }` | `expires` is not a whole number, or `sig` not base64url of 32 bytes |
 * | `{ valid: false, reason: "expired" }` | the expiry time has passed (checked after the signature) |
 * | `{ valid: false, reason: "tampered" }` | the signature does not match the path and expiry |
 */
export type StreamUrlCheck =
  | { valid: true; expiresAt: Date }
  | { valid: false; reason: "missing" | "malformed" | "expired" | "tampered" };

const EXPIRES_REGEXP = /^[0-9]{1,15}$/;
// 32 bytes of HMAC-SHA-256 in unpadded base64url
const SIGNATURE_REGEXP = /^[A-Za-z0-9_-]{43}$/;

const encoder = new TextEncoder();

function secretBytes(secret: SigningSecret, what: string): Uint8Array {
  if (typeof secret !== "string" && !(secret instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${what}: "secret" must be a string or a Uint8Array`);
  }
  const bytes = secretToBytes(secret);
  if (!isLongEnoughSecret(bytes)) {
    throw new RangeError(`Cannot ${what}: "secret" must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return bytes;
}

function keyOf(secret: SigningSecret | CryptoKey, what: string): Promise<CryptoKey> {
  if (typeof CryptoKey !== "undefined" && secret instanceof CryptoKey) return Promise.resolve(secret);
  const bytes = secretBytes(secret as SigningSecret, what) as Uint8Array<ArrayBuffer>;
  return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/**
 * Imports a secret as an HMAC-SHA-256 key, so a server imports it once rather than per request.
 *
 * @param secret The secret.
 * @returns The key, usable as `secret` in {@linkcode signStreamUrl} and {@linkcode verifyStreamUrl}.
 * @throws {TypeError} When `secret` is not a string or bytes.
 * @throws {RangeError} When `secret` is shorter than 16 bytes.
 *
 * @example Usage
 * ```ts
 * import { importSigningKey, signStreamUrl, verifyStreamUrl } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * const key = await importSigningKey("a long random secret, 32 bytes or more");
 * const src = await signStreamUrl("pilot.mp4", { secret: key });
 * assert.equal((await verifyStreamUrl(src, { secret: key })).valid, true);
 * ```
 */
export function importSigningKey(secret: SigningSecret): Promise<CryptoKey> {
  return keyOf(secretBytes(secret, "import signing key"), "import signing key");
}

/** The signature of `path` valid until `expires` (Unix seconds). */
async function signature(key: CryptoKey, path: string, expires: number): Promise<string> {
  // the newline cannot occur in the decimal expiry, so (path, expiry) pairs never collide
  const message = encoder.encode(`${expires}\n${path}`);
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, message)));
}

/** Compares two strings of equal, public length without an early exit. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Signs a stream URL that expires: returns the URL path and query to put in a `<video src>`,
 * `BASEPATH?PARAM=PATH&expires=UNIX_SECONDS&sig=BASE64URL`. The handler, given the same secret
 * as `signingSecret`, answers `403` when the signature is missing, altered or expired.
 *
 * @param path The file path, relative to the handler's root, exactly as it will be requested.
 * @param options The secret and the lifetime, see {@linkcode SignStreamUrlOptions}.
 * @returns The signed URL's path and query.
 * @throws {TypeError} When `path` is not a non-empty string or `secret` is not a string or bytes.
 * @throws {RangeError} When the secret is shorter than 16 bytes or the lifetime is not positive.
 *
 * @example Usage
 * ```ts
 * import { signStreamUrl, verifyStreamUrl } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * const secret = "a long random secret, 32 bytes or more";
 * const src = await signStreamUrl("shows/pilot.mp4", { secret, expiresIn: 600 });
 * assert.match(src, /^\/stream\?path=shows%2Fpilot\.mp4&expires=\d+&sig=[\w-]{43}$/);
 * assert.deepEqual((await verifyStreamUrl(src, { secret })).valid, true);
 * ```
 */
export async function signStreamUrl(path: string, options: SignStreamUrlOptions): Promise<string> {
  const {
    secret,
    expiresIn = 3600,
    expiresAt,
    basePath = "/stream",
    param = "path",
    now = new Date(),
  } = options ?? {} as SignStreamUrlOptions;
  if (typeof path !== "string" || path === "") {
    throw new TypeError('Cannot sign stream URL: "path" must be a non-empty string');
  }
  let expires: number;
  if (expiresAt !== undefined) {
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      throw new TypeError('Cannot sign stream URL: "expiresAt" must be a valid Date');
    }
    expires = Math.floor(expiresAt.getTime() / 1000);
  } else {
    if (typeof expiresIn !== "number" || !(expiresIn > 0) || !Number.isFinite(expiresIn)) {
      throw new RangeError(
        `Cannot sign stream URL: "expiresIn" must be a positive number of seconds, got "${expiresIn}"`,
      );
    }
    expires = Math.floor(now.getTime() / 1000 + expiresIn);
  }
  const key = await keyOf(secret, "sign stream URL");
  const query = new URLSearchParams({
    [param]: path,
    [EXPIRES_PARAM]: String(expires),
    [SIGNATURE_PARAM]: await signature(key, path, expires),
  });
  return `${basePath}?${query}`;
}

/**
 * Checks a signed stream URL: whether its `sig` was made with `secret` over its path and
 * `expires`, and whether `expires` is still in the future. The comparison takes the same time
 * whatever the signature's content.
 *
 * @param url The requested URL (absolute, or a path with a query), or its query parameters.
 * @param options The secret, see {@linkcode VerifyStreamUrlOptions}.
 * @returns Whether the URL is valid, and why not.
 * @throws {TypeError} When `secret` is not a string, bytes or a key.
 * @throws {RangeError} When the secret is shorter than 16 bytes.
 *
 * @example Usage
 * ```ts
 * import { signStreamUrl, verifyStreamUrl } from "@sage/stream";
 * import assert from "node:assert/strict";
 *
 * const secret = "a long random secret, 32 bytes or more";
 * const src = await signStreamUrl("pilot.mp4", { secret, expiresIn: 60 });
 * const later = new Date(Date.now() + 120_000);
 * assert.deepEqual(await verifyStreamUrl(src, { secret, now: later }), { valid: false, reason: "expired" });
 * const forged = src.replace("pilot", "finale");
 * assert.deepEqual(await verifyStreamUrl(forged, { secret }), { valid: false, reason: "tampered" });
 * ```
 */
export async function verifyStreamUrl(
  url: string | URL | URLSearchParams,
  options: VerifyStreamUrlOptions,
): Promise<StreamUrlCheck> {
  const { secret, param = "path", now = new Date() } = options ?? {} as VerifyStreamUrlOptions;
  const key = await keyOf(secret, "verify stream URL");
  const query = url instanceof URLSearchParams ? url : new URL(url, "http://localhost").searchParams;
  const path = query.get(param);
  const expiresText = query.get(EXPIRES_PARAM);
  const sig = query.get(SIGNATURE_PARAM);
  if (path === null || path === "" || expiresText === null || sig === null) {
    return { valid: false, reason: "missing" };
  }
  if (!EXPIRES_REGEXP.test(expiresText) || !SIGNATURE_REGEXP.test(sig)) {
    return { valid: false, reason: "malformed" };
  }
  const expires = Number(expiresText);
  if (!constantTimeEqual(await signature(key, path, expires), sig)) {
    return { valid: false, reason: "tampered" };
  }
  if (expires * 1000 <= now.getTime()) return { valid: false, reason: "expired" };
  return { valid: true, expiresAt: new Date(expires * 1000) };
}
