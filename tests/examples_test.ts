import { after, test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../src/runtime/mod.ts";
import { bodyBytes, patternBytes, tempDir, writeFixture } from "./_fixtures.ts";
import { REPO, spawnScript, startScript } from "./_process.ts";
import { join } from "node:path";
import process from "node:process";
import { createWatchLogQueries } from "../src/watch_log/mod.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const DATA = patternBytes(50_000, 9);
writeFixture(dir, "sample.webm", DATA);
writeFixture(dir, ".hidden.webm", DATA);
const env = { PORT: "0", MEDIA_ROOT: dir, API_KEY: "secret-key" };

test(
  "examples/custom_handler.ts streams a catalogue entry to a client with the API key",
  { timeout: 60_000 },
  async () => {
    const server = await startScript("examples/custom_handler.ts", [], { env });
    try {
      const denied = await fetch(`${server.origin}/videos/intro`);
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const unknown = await fetch(`${server.origin}/videos/nope`, { headers: { "x-api-key": "secret-key" } });
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      const res = await fetch(`${server.origin}/videos/intro`, {
        headers: { "x-api-key": "secret-key", range: "bytes=100-199" },
      });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("cache-control"), "private, max-age=3600");
      assert.deepEqual(await bodyBytes(res), DATA.subarray(100, 200));
    } finally {
      await server.stop();
    }
  },
);

const honoExample = runtime.name === "bun" ? "examples/hono_bun.ts" : "examples/hono_deno.ts";
test(
  `${honoExample} serves media routes through serveStream and the rest through Hono`,
  { timeout: 60_000 },
  async () => {
    const server = await startScript(honoExample, [], { env });
    try {
      const hello = await fetch(`${server.origin}/`);
      assert.match(await hello.text(), /Hello from Hono/);
      const res = await fetch(`${server.origin}/media/sample.webm`, { headers: { range: "bytes=-10" } });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("content-type"), "video/webm");
      assert.deepEqual(await bodyBytes(res), DATA.subarray(DATA.length - 10));
      for (const path of ["/media/.hidden.webm", "/media/..%2F..%2Fetc%2Fpasswd", "/media/notes.txt"]) {
        const refused = await fetch(`${server.origin}${path}`);
        assert.equal(refused.status, 404, path);
        await refused.body?.cancel();
      }
    } finally {
      await server.stop();
    }
  },
);

const serveExample = runtime.name === "bun" ? "examples/bun_serve.ts" : "examples/deno_serve.ts";
test(`${serveExample} streams the media root and a fixed file, and logs the watch before exiting`, {
  timeout: 60_000,
}, async () => {
  const url = `file:${join(dir, `${runtime.name}-example.db`)}`;
  const server = await startScript(serveExample, [], { env: { ...env, WATCH_LOG_URL: url } });
  try {
    const res = await fetch(`${server.origin}/stream?path=sample.webm`, {
      headers: { range: "bytes=10-19" },
    });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("cache-control"), "public, max-age=3600");
    assert.deepEqual(await bodyBytes(res), DATA.subarray(10, 20));
    const trailer = await fetch(`${server.origin}/trailer`);
    assert.equal(trailer.status, 200);
    assert.deepEqual(await bodyBytes(trailer), DATA);
    const hidden = await fetch(`${server.origin}/stream?path=.hidden.webm`);
    assert.equal(hidden.status, 404);
    await hidden.body?.cancel();
    // by pid: Deno's child.kill() reports the signal as the exit cause even when it was handled
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    process.kill(server.child.pid!, "SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    await server.stop();
  }
  const events = await createWatchLogQueries({ url }).listEvents({});
  assert.equal(events.total, 1, "the endpoint's one GET was logged, and flushed on SIGTERM");
  assert.equal(events.items[0].path, "sample.webm");
  assert.equal(events.items[0].clientIp, "127.0.0.1");
});

test(
  "examples/signed_urls.ts serves signed URLs and refuses unsigned and altered ones",
  { timeout: 60_000 },
  async () => {
    const server = await startScript("examples/signed_urls.ts", [], {
      env: { ...env, STREAM_SECRET: "a-test-secret-of-32-bytes-length" },
    });
    try {
      const page = await (await fetch(`${server.origin}/`)).text();
      const src = /src="([^"]+)"/.exec(page)?.[1].replaceAll("&amp;", "&");
      assert.ok(src?.startsWith("/stream?path=sample.webm&expires="), page);
      const signed = await fetch(`${server.origin}${src}`, { headers: { range: "bytes=0-9" } });
      assert.equal(signed.status, 206);
      assert.deepEqual(await bodyBytes(signed), DATA.subarray(0, 10));
      for (
        const bad of [
          "/stream?path=sample.webm",
          src!.replace("sample.webm", ".hidden.webm"),
          src!.slice(0, -2),
        ]
      ) {
        const refused = await fetch(`${server.origin}${bad}`);
        assert.equal(refused.status, 403, bad);
        await refused.body?.cancel();
      }
    } finally {
      await server.stop();
    }
  },
);

test(
  "examples/media_info.ts prints what the index says, and the size of a clip",
  { timeout: 60_000 },
  async () => {
    const script = spawnScript("examples/media_info.ts", ["samples/sample.mp4", "2", "5"], { cwd: REPO });
    assert.equal(await script.exited, 0, script.output());
    const out = script.output();
    assert.match(out, /samples\/sample\.mp4: mp4, 0:08, \d+ kbit\/s/);
    assert.match(out, /type: video\/mp4; codecs="avc1\.[0-9a-f]{6}, mp4a\.40\.2"/);
    assert.match(out, /track 1: video avc1\.[0-9a-f]{6} 320×180/);
    assert.match(out, /clip 2–5 s: \d+ bytes from 2 s, 3\.00 s long/);
    const text = spawnScript("examples/media_info.ts", ["README.md"], { cwd: REPO });
    assert.equal(await text.exited, 1);
    assert.match(text.output(), /not understood \(not-media\)/);
  },
);
