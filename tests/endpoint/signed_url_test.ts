import { test } from "node:test";
import assert from "node:assert/strict";
import { importSigningKey, signStreamUrl, verifyStreamUrl } from "../../src/endpoint/signed_url.ts";

const secret = "0123456789abcdef0123456789abcdef";
const now = new Date("2030-01-01T00:00:00Z");
const nowSeconds = now.getTime() / 1000;

/** HMAC-SHA-256 in base64url, computed directly with Web Crypto as an independent reference. */
async function referenceSignature(message: string): Promise<string> {
  const bytes = new TextEncoder().encode(secret);
  const key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

test("signStreamUrl returns basePath?path=…&expires=…&sig=… with an HMAC-SHA-256 over expiry and path", async () => {
  const url = await signStreamUrl("shows/pilot.mp4", { secret, expiresIn: 600, now });
  const expires = nowSeconds + 600;
  // an independent implementation of the same construction
  const sig = await referenceSignature(`${expires}\nshows/pilot.mp4`);
  assert.equal(url, `/stream?path=shows%2Fpilot.mp4&expires=${expires}&sig=${sig}`);
});

test("signStreamUrl honours basePath, param and expiresAt", async () => {
  const url = await signStreamUrl("a b.mp4", {
    secret,
    basePath: "/media/watch",
    param: "file",
    expiresAt: new Date("2030-01-01T01:00:00.900Z"),
  });
  assert.match(url, /^\/media\/watch\?file=a\+b\.mp4&expires=1893459600&sig=[A-Za-z0-9_-]{43}$/);
  assert.equal((await verifyStreamUrl(url, { secret, param: "file", now })).valid, true);
});

test("verifyStreamUrl accepts a fresh URL until its expiry second", async () => {
  const url = await signStreamUrl("movie.mp4", { secret, expiresIn: 60, now });
  assert.deepEqual(await verifyStreamUrl(url, { secret, now }), {
    valid: true,
    expiresAt: new Date(now.getTime() + 60_000),
  });
  const justBefore = new Date(now.getTime() + 59_999);
  assert.equal((await verifyStreamUrl(`http://example.com${url}`, { secret, now: justBefore })).valid, true);
  const atExpiry = new Date(now.getTime() + 60_000);
  assert.deepEqual(await verifyStreamUrl(url, { secret, now: atExpiry }), {
    valid: false,
    reason: "expired",
  });
});

test("verifyStreamUrl reports a tampered path, expiry or signature", async () => {
  const url = await signStreamUrl("movie.mp4", { secret, expiresIn: 60, now });
  const query = new URL(url, "http://x").searchParams;
  const otherPath = new URLSearchParams(query);
  otherPath.set("path", "other.mp4");
  assert.deepEqual(await verifyStreamUrl(otherPath, { secret, now }), { valid: false, reason: "tampered" });
  const later = new URLSearchParams(query);
  later.set("expires", String(nowSeconds + 10 ** 9));
  assert.deepEqual(await verifyStreamUrl(later, { secret, now }), { valid: false, reason: "tampered" });
  const flipped = new URLSearchParams(query);
  const sig = query.get("sig")!;
  flipped.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
  assert.deepEqual(await verifyStreamUrl(flipped, { secret, now }), { valid: false, reason: "tampered" });
  const wrongSecret = "fedcba9876543210fedcba9876543210";
  assert.deepEqual(await verifyStreamUrl(query, { secret: wrongSecret, now }), {
    valid: false,
    reason: "tampered",
  });
});

test("verifyStreamUrl checks the signature before the expiry, so forgeries never learn it", async () => {
  const url = await signStreamUrl("movie.mp4", { secret, expiresIn: 60, now });
  const forged = url.replace("movie", "other");
  const later = new Date(now.getTime() + 3_600_000);
  assert.deepEqual(await verifyStreamUrl(forged, { secret, now: later }), {
    valid: false,
    reason: "tampered",
  });
});

test("verifyStreamUrl reports missing and malformed parameters", async () => {
  const sig = "A".repeat(43);
  assert.deepEqual(await verifyStreamUrl("/stream?path=a.mp4", { secret }), {
    valid: false,
    reason: "missing",
  });
  assert.deepEqual(await verifyStreamUrl(`/stream?expires=1&sig=${sig}`, { secret }), {
    valid: false,
    reason: "missing",
  });
  assert.deepEqual(await verifyStreamUrl(`/stream?path=a.mp4&expires=1`, { secret }), {
    valid: false,
    reason: "missing",
  });
  for (
    const query of [
      `expires=1e9&sig=${sig}`,
      `expires=-5&sig=${sig}`,
      `expires=9&sig=${sig}=`,
      "expires=9&sig=abc",
    ]
  ) {
    assert.deepEqual(await verifyStreamUrl(`/stream?path=a.mp4&${query}`, { secret }), {
      valid: false,
      reason: "malformed",
    }, query);
  }
});

test("a key from importSigningKey signs and verifies like its secret", async () => {
  const key = await importSigningKey(new TextEncoder().encode(secret));
  const url = await signStreamUrl("movie.mp4", { secret: key, now });
  assert.equal(url, await signStreamUrl("movie.mp4", { secret, now }));
  assert.equal((await verifyStreamUrl(url, { secret: key, now })).valid, true);
});

test("signStreamUrl rejects caller mistakes", async () => {
  await assert.rejects(signStreamUrl("", { secret }), {
    name: "TypeError",
    message: 'Cannot sign stream URL: "path" must be a non-empty string',
  });
  await assert.rejects(signStreamUrl("a.mp4", { secret: "short" }), {
    name: "RangeError",
    message: 'Cannot sign stream URL: "secret" must be at least 16 bytes long',
  });
  await assert.rejects(signStreamUrl("a.mp4", { secret, expiresIn: 0 }), {
    name: "RangeError",
    message: 'Cannot sign stream URL: "expiresIn" must be a positive number of seconds, got "0"',
  });
  await assert.rejects(signStreamUrl("a.mp4", { secret, expiresAt: new Date(NaN) }), { name: "TypeError" });
  assert.throws(() => importSigningKey("short"), { name: "RangeError" });
});
