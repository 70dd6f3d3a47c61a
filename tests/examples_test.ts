import { after, test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../src/runtime/mod.ts";
import { bodyBytes, patternBytes, tempDir, writeFixture } from "./_fixtures.ts";
import { startScript } from "./_process.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const DATA = patternBytes(50_000, 9);
writeFixture(dir, "sample.webm", DATA);
writeFixture(dir, ".hidden.webm", DATA);
const env = { PORT: "0", MEDIA_ROOT: dir, API_KEY: "secret-key" };

test("examples/custom_handler.ts streams a catalogue entry to a client with the API key", async () => {
  const server = await startScript("examples/custom_handler.ts", [], env);
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
});

const honoExample = runtime.name === "bun" ? "examples/hono_bun.ts" : "examples/hono_deno.ts";
test(`${honoExample} serves media routes through serveStream and the rest through Hono`, async () => {
  const server = await startScript(honoExample, [], env);
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
});
