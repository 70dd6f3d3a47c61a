import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { createStreamHandler, type StreamHandlerOptions } from "../../src/endpoint/handler.ts";
import { runtime } from "../../src/runtime/mod.ts";
import type { FileSource } from "../../src/runtime/types.ts";
import type { StreamEvent } from "../../src/serve/serve_stream.ts";
import { signStreamUrl } from "../../src/endpoint/signed_url.ts";
import { bodyBytes, patternBytes, tempDir } from "../_fixtures.ts";

// base/secret.mp4 sits next to the root, and links inside the root point at it.
const { dir: base, cleanup } = tempDir("sage-handler-");
after(cleanup);
const root = join(base, "root");
const SECRET = "TOP-SECRET-BYTES";
const movie = patternBytes(10_000);
mkdirSync(join(root, "sub"), { recursive: true });
mkdirSync(join(root, ".private"));
mkdirSync(join(root, "folder.mp4"));
writeFileSync(join(base, "secret.mp4"), SECRET);
writeFileSync(join(base, "secret.txt"), SECRET);
writeFileSync(join(root, "movie.mp4"), movie);
writeFileSync(join(root, "sub", "clip.webm"), "CLIP");
writeFileSync(join(root, ".hidden.mp4"), "HIDDEN");
writeFileSync(join(root, ".private", "a.mp4"), "PRIVATE");
writeFileSync(join(root, "notes.txt"), "NOTES");
symlinkSync(join(base, "secret.mp4"), join(root, "abs-link.mp4"));
symlinkSync("../secret.mp4", join(root, "rel-link.mp4"));
symlinkSync("..", join(root, "up"));

const secretPath = join(base, "secret.mp4");

function handler(options: Partial<StreamHandlerOptions> = {}) {
  return createStreamHandler({ root, ...options });
}

async function get(h: ReturnType<typeof handler>, target: string, init?: RequestInit): Promise<Response> {
  return await h(new Request(`http://localhost${target}`, init));
}

/** Starts `h` on 127.0.0.1, port 0, runs `fn`, then closes the server. */
async function withServer(
  h: ReturnType<typeof handler>,
  fn: (origin: string, port: number) => Promise<void>,
): Promise<void> {
  const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler: h });
  try {
    await fn(`http://127.0.0.1:${server.port}`, server.port);
  } finally {
    await server.close({ force: true });
  }
}

/** Sends `target` as written, byte for byte, and returns the status and the whole raw answer. */
function rawRequest(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => text += chunk);
    socket.on("error", reject);
    socket.on("end", () => {
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, "latin1");
  });
}

test("streams a file from the root with ranges, exact bytes", async () => {
  const h = handler();
  const full = await get(h, "/stream?path=movie.mp4");
  assert.equal(full.status, 200);
  assert.equal(full.headers.get("content-type"), "video/mp4");
  assert.deepEqual(await bodyBytes(full), movie);
  const part = await get(h, "/stream?path=movie.mp4", { headers: { range: "bytes=100-199" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), "bytes 100-199/10000");
  assert.deepEqual(await bodyBytes(part), movie.subarray(100, 200));
  const nested = await get(h, "/stream?path=sub%2Fclip.webm");
  assert.equal(nested.status, 200);
  assert.equal(await nested.text(), "CLIP");
});

test("answers only its basePath, with the file in its param", async () => {
  const h = handler({ basePath: "/media", param: "file" });
  const wrongPath = await get(h, "/stream?file=movie.mp4");
  assert.equal(wrongPath.status, 404);
  await wrongPath.body?.cancel();
  const missing = await get(h, "/media?path=movie.mp4");
  assert.equal(missing.status, 400);
  await missing.body?.cancel();
  const ok = await get(h, "/media?file=movie.mp4", { headers: { range: "bytes=-1" } });
  assert.equal(ok.status, 206);
  assert.deepEqual(await bodyBytes(ok), movie.subarray(9999));
});

test("never lists directories and refuses other methods", async () => {
  const h = handler();
  for (const target of ["/stream?path=sub", "/stream?path=folder.mp4", "/stream"]) {
    const res = await get(h, target);
    assert.ok(res.status === 404 || res.status === 400, target);
    assert.doesNotMatch(await res.text(), /clip/, target);
  }
  const post = await get(h, "/stream?path=movie.mp4", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

test("refusals to HEAD have no body", async () => {
  const res = await get(handler(), "/stream?path=../secret.mp4", { method: "HEAD" });
  assert.equal(res.status, 400);
  assert.equal(await res.text(), "");
});

// [query value as sent, expected status]: every variant must be 400 or 404 and never the secret.
const traversals: [string, number][] = [
  ["../secret.mp4", 400],
  ["..%2Fsecret.mp4", 400],
  ["%2e%2e%2fsecret.mp4", 400],
  ["%2E%2E/secret.mp4", 400],
  ["sub/../../secret.mp4", 400],
  ["sub%2F..%2F..%2Fsecret.mp4", 400],
  ["%252e%252e%252fsecret.mp4", 404], // double-encoded: one decoding leaves a literal name
  ["..%255csecret.mp4", 404],
  ["..%5Csecret.mp4", 400],
  ["..\\secret.mp4", 400],
  [encodeURIComponent(secretPath), 400],
  [encodeURIComponent(join(base, "secret.txt")), 400],
  ["%2Fetc%2Fpasswd", 400],
  ["C:%5Csecret.mp4", 400],
  ["movie.mp4%00", 400],
  ["..%00/secret.mp4", 400],
  ["%0a../secret.mp4", 400],
  ["..%c0%afsecret.mp4", 404], // overlong UTF-8: decodes to U+FFFD, not "/"
  ["%2e%2e%c0%af%2e%2e%c0%afsecret.mp4", 404],
  ["abs-link.mp4", 404],
  ["rel-link.mp4", 404],
  ["up/secret.mp4", 404],
  ["up%2Fsecret.txt", 404],
  [".hidden.mp4", 404],
  [".private/a.mp4", 404],
  ["notes.txt", 404],
  ["a".repeat(3000) + ".mp4", 400],
  ["", 400],
];

test("traversal variants in the query string are refused with 400 or 404, never the secret (HTTP)", async () => {
  await withServer(handler(), async (origin) => {
    for (const [query, status] of traversals) {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetch(`${origin}/stream?path=${query}`, { method });
        const text = await res.text();
        assert.equal(res.status, status, `${method} ${query.slice(0, 60)}`);
        assert.ok(!text.includes(SECRET) && !text.includes("PRIVATE") && !text.includes("NOTES"), query);
      }
    }
  });
});

test("raw requests that fetch would normalise cannot reach the secret either (TCP)", async () => {
  await withServer(handler(), async (_origin, port) => {
    const targets = [
      "/stream?path=../secret.mp4",
      "/stream?path=sub/../../secret.mp4",
      "/stream/../stream?path=../secret.mp4",
      "/../stream?path=../secret.mp4",
      "/../secret.mp4",
      "/stream/../../secret.mp4",
      "/stream/..%2F..%2Fsecret.mp4",
      "/stream?path=..\\secret.mp4",
      "/stream?path=/" + secretPath.slice(1),
      "/stream?path=up/secret.mp4",
      "//stream?path=../secret.mp4",
    ];
    for (const target of targets) {
      const { status, text } = await rawRequest(port, target);
      assert.ok(status === 400 || status === 404, `${target} answered ${status}`);
      assert.ok(!text.includes(SECRET), target);
    }
    // the same socket path serves files inside the root, so the checks above are meaningful
    const { status, text } = await rawRequest(port, "/stream/../stream?path=sub/clip.webm");
    assert.equal(status, 200);
    assert.ok(text.endsWith("\r\n\r\nCLIP"));
  });
});

test("allowDotfiles and extensions widen what is served", async () => {
  const h = handler({ allowDotfiles: true, extensions: ["mp4", "txt"] });
  const hidden = await get(h, "/stream?path=.private/a.mp4");
  assert.equal(hidden.status, 200);
  assert.equal(await hidden.text(), "PRIVATE");
  const notes = await get(h, "/stream?path=notes.txt");
  assert.equal(notes.status, 200);
  assert.equal(await notes.text(), "NOTES");
  const webm = await get(h, "/stream?path=sub/clip.webm");
  assert.equal(webm.status, 404);
  await webm.body?.cancel();
  // dotfiles allowed still keeps escapes out
  const escape = await get(h, "/stream?path=rel-link.mp4");
  assert.equal(escape.status, 404);
  await escape.body?.cancel();
});

test("a file swapped between the check and the open is refused with 404", async () => {
  // a source that opens another file than the one checked: different inode
  let closed = 0;
  const swapped: FileSource = {
    async open(path) {
      const real = await runtime.files.open(path);
      if (typeof real === "string") return real;
      return {
        stat: { ...real.stat, ino: (real.stat.ino ?? 0) + 1 },
        body: (range, onDone) => real.body(range, onDone),
        read: (ranges, chunkSize) => real.read(ranges, chunkSize),
        close: () => {
          closed++;
          real.close();
        },
      };
    },
  };
  const res = await get(handler({ source: swapped }), "/stream?path=movie.mp4");
  assert.equal(res.status, 404);
  assert.equal(await res.text(), "Not Found");
  assert.equal(closed, 1);
});

/** `url` with the first character of its signature changed (always to another one). */
function tampered(url: string): string {
  return url.replace(/sig=(.)/, (_, first: string) => `sig=${first === "A" ? "B" : "A"}`);
}

test("signed URLs: valid ones stream, missing, tampered and expired ones get 403", async () => {
  const secret = "0123456789abcdef0123456789abcdef";
  const h = handler({ signingSecret: secret });
  const url = await signStreamUrl("movie.mp4", { secret, expiresIn: 60 });
  const ok = await get(h, url, { headers: { range: "bytes=0-9" } });
  assert.equal(ok.status, 206);
  assert.deepEqual(await bodyBytes(ok), movie.subarray(0, 10));

  const expired = await signStreamUrl("movie.mp4", {
    secret,
    expiresIn: 60,
    now: new Date(Date.now() - 120_000),
  });
  const other = await signStreamUrl("sub/clip.webm", { secret, expiresIn: 60 });
  const spliced = `/stream?path=sub%2Fclip.webm&${url.split("&").slice(1).join("&")}`;
  const wrongKey = await signStreamUrl("movie.mp4", {
    secret: "another secret of 32 bytes......",
    expiresIn: 60,
  });
  for (
    const target of ["/stream?path=movie.mp4", expired, spliced, wrongKey, tampered(url)]
  ) {
    const res = await get(h, target);
    assert.equal(res.status, 403, target);
    assert.equal(await res.text(), "Forbidden");
  }
  const otherOk = await get(h, other);
  assert.equal(otherOk.status, 200);
  assert.equal(await otherOk.text(), "CLIP");
  // a signed traversal is still a traversal
  const signedEscape = await signStreamUrl("../secret.mp4", { secret });
  const escape = await get(h, signedEscape);
  assert.equal(escape.status, 400);
  await escape.body?.cancel();
});

test("signed URLs with a custom basePath and param", async () => {
  const secret = "0123456789abcdef0123456789abcdef";
  const h = handler({ signingSecret: secret, basePath: "/v", param: "f" });
  const res = await get(h, await signStreamUrl("sub/clip.webm", { secret, basePath: "/v", param: "f" }));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "CLIP");
});

test("authorize sees the normalised path and address, and can deny before the disk is read", async () => {
  const seen: { path: string; clientAddress: string | null }[] = [];
  const h = handler({
    authorize: (_req, info) => {
      seen.push({ path: info.path, clientAddress: info.clientAddress });
      return !info.path.startsWith("sub/");
    },
  });
  const denied = await get(h, "/stream?path=sub/clip.webm");
  assert.equal(denied.status, 403);
  assert.equal(await denied.text(), "Forbidden");
  // refused before the disk is touched: a missing file is 403 too, so nothing can be probed
  const deniedMissing = await get(h, "/stream?path=sub/none.mp4");
  assert.equal(deniedMissing.status, 403);
  await deniedMissing.body?.cancel();
  const allowedMissing = await get(h, "/stream?path=none.mp4");
  assert.equal(allowedMissing.status, 404);
  await allowedMissing.body?.cancel();
  const bad = await get(h, "/stream?path=sub/../x.mp4");
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  assert.deepEqual(seen, [
    { path: "sub/clip.webm", clientAddress: null },
    { path: "sub/none.mp4", clientAddress: null },
    { path: "none.mp4", clientAddress: null },
  ]);
});

test("authorize may answer with its own Response", async () => {
  const h = handler({
    authorize: (req) =>
      req.headers.get("authorization") === "Bearer ok"
        ? true
        : new Response("login first", { status: 401, headers: { "www-authenticate": "Bearer" } }),
  });
  const refused = await get(h, "/stream?path=movie.mp4");
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get("www-authenticate"), "Bearer");
  assert.equal(await refused.text(), "login first");
  const allowed = await get(h, "/stream?path=movie.mp4", { headers: { authorization: "Bearer ok" } });
  assert.equal(allowed.status, 200);
  assert.equal((await bodyBytes(allowed)).length, 10_000);
});

test("the client address comes from the socket; the proxy's one forwarding header counts only with trustProxy (HTTP)", async () => {
  const addresses: (string | null)[] = [];
  const record = (event: StreamEvent) => addresses.push(event.clientAddress);
  const forwardedHeaders: Record<string, string>[] = [
    { "x-forwarded-for": "203.0.113.9, 198.51.100.7" },
    { forwarded: 'for="[2001:db8::1]:4711";proto=https, for=192.0.2.60:8080' },
    // a client's own Forwarded next to the XFF its proxy appended to
    { forwarded: "for=6.6.6.6", "x-forwarded-for": "203.0.113.9" },
    { "x-forwarded-for": "not-an-address" },
    { "x-forwarded-for": "999.999.999.999" },
    { "x-forwarded-for": "dead:beef" },
    {},
  ];
  const runs = [
    { trustProxy: false },
    { trustProxy: true },
    { trustProxy: 1 },
    { trustProxy: 1, proxyHeader: "forwarded" },
  ] as const;
  for (const options of runs) {
    await withServer(handler({ ...options, watchLog: { record } }), async (origin) => {
      for (const headers of forwardedHeaders) {
        const res = await fetch(`${origin}/stream?path=sub/clip.webm`, { headers });
        assert.equal(await res.text(), "CLIP");
      }
    });
  }
  const socket = "127.0.0.1";
  // onServed runs when the body ends, which is before fetch's text() resolves
  assert.deepEqual(addresses, [
    // trustProxy: false: the headers are ignored
    ...Array(7).fill(socket),
    // true: the leftmost X-Forwarded-For address; Forwarded is never read; invalid ones fall back
    "203.0.113.9",
    socket,
    "203.0.113.9",
    socket,
    socket,
    socket,
    socket,
    // 1: the address the one trusted proxy saw
    "198.51.100.7",
    socket,
    "203.0.113.9",
    socket,
    socket,
    socket,
    socket,
    // 1 with proxyHeader "forwarded": only Forwarded is read
    socket,
    "192.0.2.60",
    "6.6.6.6",
    socket,
    socket,
    socket,
    socket,
  ]);
});

test("the watch log and onServed receive the event with the path relative to the root", async () => {
  const recorded: StreamEvent[] = [];
  const observed: StreamEvent[] = [];
  const h = handler({ watchLog: { record: (e) => recorded.push(e) }, onServed: (e) => observed.push(e) });
  const res = await get(h, "/stream?path=sub/clip.webm", { headers: { range: "bytes=1-2" } });
  assert.equal(await res.text(), "LI");
  const refused = await get(h, "/stream?path=.hidden.mp4");
  await refused.body?.cancel();
  assert.equal(recorded.length, 1);
  assert.equal(observed[0], recorded[0]);
  const event = recorded[0];
  assert.equal(event.path, "sub/clip.webm");
  assert.equal(event.status, 206);
  assert.equal(event.size, 4);
  assert.deepEqual(event.ranges, [{ start: 1, end: 2 }]);
  assert.equal(event.bytesPlanned, 2);
});

test("createStreamHandler rejects caller mistakes", () => {
  assert.throws(() => createStreamHandler({ root: "" }), {
    name: "TypeError",
    message: 'Cannot create stream handler: "root" must be a non-empty string',
  });
  assert.throws(() => createStreamHandler({ root, basePath: "stream" }), { name: "TypeError" });
  assert.throws(() => createStreamHandler({ root, trustProxy: -1 }), { name: "RangeError" });
  assert.throws(
    () => createStreamHandler({ root, trustProxy: 1, proxyHeader: "x-real-ip" as "forwarded" }),
    /"proxyHeader" must be "x-forwarded-for" or "forwarded", got "x-real-ip"/,
  );
  assert.throws(() => createStreamHandler({ root, signingSecret: "short" }), { name: "RangeError" });
  assert.throws(
    () => createStreamHandler({ root, maxChunkSize: -1 }),
    /"maxChunkSize" must be a number >= 0/,
  );
  assert.throws(
    () => createStreamHandler({ root, maxChunkSizeFor: "some" as "all" }),
    /^RangeError: Cannot create stream handler: "maxChunkSizeFor" must be "media-elements" or "all", got "some"$/,
  );
});

test("with cors, OPTIONS preflights are answered without a path and GETs carry the CORS headers", async () => {
  const h = handler({ cors: "https://player.example" });
  const preflight = await get(h, "/stream", {
    method: "OPTIONS",
    headers: { origin: "https://player.example", "access-control-request-method": "GET" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://player.example");
  assert.equal(preflight.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  await preflight.body?.cancel();
  const res = await get(h, "/stream?path=sub/clip.webm", { headers: { origin: "https://player.example" } });
  assert.equal(res.headers.get("access-control-allow-origin"), "https://player.example");
  assert.equal(await res.text(), "CLIP");
  const noCors = await get(handler(), "/stream", { method: "OPTIONS" });
  assert.equal(noCors.status, 405);
  await noCors.body?.cancel();
});

test("createStreamHandler() refusals carry Date, also on HEAD (RFC 9110 §6.6.1)", async () => {
  const handler = createStreamHandler({ root: join(import.meta.dirname!, "..", "..", "samples") });
  const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler });
  try {
    for (const method of ["GET", "HEAD"]) {
      for (const path of ["/stream?path=../x.mp4", "/stream?path=missing.mp4", "/elsewhere"]) {
        const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
        await res.arrayBuffer();
        assert.ok(res.status === 400 || res.status === 404, `${method} ${path}: ${res.status}`);
        assert.match(res.headers.get("date") ?? "", / GMT$/, `${method} ${path}`);
      }
    }
  } finally {
    await server.close();
  }
});
