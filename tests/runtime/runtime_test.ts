import { after, test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { connect } from "node:net";
import { serveStream } from "../../src/serve/serve_stream.ts";
import { runtime } from "../../src/runtime/mod.ts";
import {
  bodyBytes,
  eventually,
  openFdCount,
  openHandlesTo,
  patternBytes,
  tempDir,
  writeFixture,
} from "../_fixtures.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const SIZE = 4 * 1024 * 1024;
const DATA = patternBytes(SIZE, 11);
const MOVIE = realpathSync(writeFixture(dir, "movie.webm", DATA));
const BINARY = realpathSync(writeFixture(dir, "movie.bin", DATA));

// What every adapter does is checked by contract_test.ts; these are the runtime's own file
// source and server under serveStream, and what the current adapters do beyond the contract.

test("runtime.files.open() opens a directory with a stat that is not a file", async () => {
  const folder = await runtime.files.open(dir);
  assert.ok(typeof folder !== "string");
  assert.equal(folder.stat.isFile, false);
  folder.close();
});

test("serveStream() closes every file handle after hundreds of completed and cancelled streams", async () => {
  const baseline = openFdCount();
  const get = (headers: Record<string, string> = {}, method = "GET") =>
    serveStream(new Request("http://localhost/", { method, headers }), { path: MOVIE });
  for (let i = 0; i < 300; i++) {
    switch (i % 6) {
      case 0: { // completed range
        const res = await get({ range: `bytes=${i}-${i + 999}` });
        assert.deepEqual(await bodyBytes(res), DATA.subarray(i, i + 1000));
        break;
      }
      case 1: { // cancelled after the first chunk, as players do on every seek
        const res = await get();
        const reader = res.body!.getReader();
        await reader.read();
        await reader.cancel();
        break;
      }
      case 2: { // cancelled before reading
        const res = await get({ range: "bytes=100-" });
        await res.body!.cancel();
        break;
      }
      case 3: { // multipart, cancelled midway
        const res = await get({ range: "bytes=0-99999,200000-299999,-100000" });
        const reader = res.body!.getReader();
        await reader.read();
        await reader.read();
        await reader.cancel();
        break;
      }
      case 4: { // bodiless answers
        await (await get({}, "HEAD")).body?.cancel();
        await (await get({ "if-none-match": "*" })).body?.cancel();
        await (await get({ range: `bytes=${SIZE}-` })).body?.cancel();
        break;
      }
      case 5: { // completed multipart
        const res = await get({ range: "bytes=0-9,100-109" });
        await res.arrayBuffer();
        break;
      }
    }
  }
  assert.ok(
    await eventually(() => openHandlesTo(MOVIE) === 0),
    `handles to the file left: ${openHandlesTo(MOVIE)}`,
  );
  assert.ok(
    await eventually(() => openFdCount() <= baseline),
    `fds before ${baseline}, after ${openFdCount()}`,
  );
});

test("a real server closes the file when the client goes away mid-stream", async () => {
  const server = await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req) => serveStream(req, { path: MOVIE, maxChunkSize: 0 }),
  });
  try {
    const base = `http://127.0.0.1:${server.port}/`;
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const res = await fetch(base, { signal: controller.signal, headers: { range: `bytes=${i * 1000}-` } });
      assert.equal(res.status, 206);
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.equal(first.value?.[0], DATA[i * 1000]);
      controller.abort();
      await reader.cancel().catch(() => {});
    }
    const full = await fetch(base);
    assert.deepEqual(await bodyBytes(full), DATA);
    const ranged = await fetch(base, { headers: { range: "bytes=-5" } });
    assert.deepEqual(await bodyBytes(ranged), DATA.subarray(SIZE - 5));
    assert.ok(await eventually(() => openHandlesTo(MOVIE) === 0), `handles left: ${openHandlesTo(MOVIE)}`);
  } finally {
    await server.close();
  }
});

test("a real server keeps Content-Length on HEAD and sends no body", async () => {
  const server = await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req) => serveStream(req, { path: MOVIE }),
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: "HEAD",
      headers: { range: "bytes=0-1" },
    });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("content-length"), "2");
    assert.equal(res.headers.get("content-range"), `bytes 0-1/${SIZE}`);
    assert.equal((await bodyBytes(res)).byteLength, 0);
  } finally {
    await server.close();
  }
});

test("a real server sends HEAD the same headers as GET, on every status", async () => {
  const server = await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    // Bun adds headers of its own to file bodies of some types (application/octet-stream)
    handler: (req) => serveStream(req, { path: new URL(req.url).pathname === "/bin" ? BINARY : MOVIE }),
  });
  try {
    const cases: Record<string, string>[] = [{}, { range: "bytes=0-1" }, { range: `bytes=${SIZE}-` }, {
      "if-none-match": "*",
    }];
    for (const url of [`http://127.0.0.1:${server.port}/`, `http://127.0.0.1:${server.port}/bin`]) {
      for (const headers of cases) {
        const get = await fetch(url, { headers });
        await get.arrayBuffer();
        const head = await fetch(url, { method: "HEAD", headers });
        await head.arrayBuffer();
        // RFC 9110 §6.6.1: Date on every response (Bun leaves it off bodiless ones by itself)
        assert.match(head.headers.get("date") ?? "", /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
        assert.ok(get.headers.has("date"));
        const strip = (h: Headers) => [...h].filter(([k]) => k !== "date");
        assert.equal(head.status, get.status, JSON.stringify(headers));
        assert.deepEqual(strip(head.headers), strip(get.headers), JSON.stringify(headers));
      }
    }
  } finally {
    await server.close();
  }
});

test("a client that stops reading is cut off after stallTimeoutMs where the adapter enforces it", {
  // otherwise the runtime server's own idle timeout applies
  skip: !runtime.capabilities.enforcesStallTimeout,
}, async () => {
  const big = writeFixture(dir, "stall.mp4", patternBytes(32 * 1024 * 1024));
  const server = await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req) => serveStream(req, { path: big, stallTimeoutMs: 500 }),
  });
  try {
    // Deno.serve closes the connection only once it has flushed what it already pulled, so the
    // client stalls, the body is cut and the file released; then the client drains the rest
    let received = 0;
    const socket = connect(server.port, "127.0.0.1");
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received === chunk.length) socket.pause();
    });
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert.ok(await eventually(() => received > 0, 3000), "the response started");
    const stalledAt = Date.now();
    assert.ok(await eventually(() => openHandlesTo(big) === 0, 3000), "the file is released while stalled");
    assert.ok(Date.now() - stalledAt < 2500, `released after ${Date.now() - stalledAt} ms`);
    socket.resume();
    await ended;
    assert.ok(received < 32 * 1024 * 1024, `the cut body is short: ${received} bytes`);
  } finally {
    await server.close({ force: true });
  }
});
