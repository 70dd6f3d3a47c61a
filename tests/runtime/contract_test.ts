// The contract every runtime adapter passes: the same checks, run against each adapter whose
// detect() is true here (so `deno test` checks the Deno adapter and `bun test` the Bun one).
// Where adapters may differ, the check follows the capability the adapter declares.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { Agent as HttpAgent, get as httpGet } from "node:http";
import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import {
  runtime,
  RUNTIME_ADAPTERS,
  type RuntimeAdapter,
  type RuntimeCapabilities,
  selectRuntime,
} from "../../src/runtime/mod.ts";
import type { BodyDoneCallback, BodyOptions, Listener, OpenFile } from "../../src/runtime/mod.ts";
import type { ByteRange } from "../../src/core/range.ts";
import { runCommand, RUNTIME_NAMES } from "../_process.ts";
import { eventually, openHandlesTo, patternBytes, sleep, tempDir, writeFixture } from "../_fixtures.ts";

const { dir: tmp, cleanup } = tempDir("sage-contract-");
after(cleanup);
const dir = realpathSync(tmp);
const SIZE = 4 * 1024 * 1024;
const DATA = patternBytes(SIZE, 13);
const FILE = writeFixture(dir, "movie.webm", DATA);
const ONE_BYTE = writeFixture(dir, "one.bin", Uint8Array.of(0xa5));
/** Longer than any adapter answers in one buffer, so the body streams where the adapter can. */
const LONG: ByteRange = { start: 12_345, end: 12_345 + 1024 * 1024 - 1 };

type Report = [bytes: number | null, aborted: boolean];

/** A body's reports, and the callback that records them. */
function reports(): { list: Report[]; onDone: BodyDoneCallback } {
  const list: Report[] = [];
  return { list, onDone: (bytes, aborted) => list.push([bytes, aborted]) };
}

async function openFile(adapter: RuntimeAdapter, path: string): Promise<OpenFile> {
  const opened = await adapter.files.open(path);
  assert.ok(typeof opened === "object", `opened ${path}: ${opened}`);
  return opened;
}

async function bytesOf(body: BodyInit): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const lengthOf = (range: ByteRange) => range.end - range.start + 1;

/** A server that answers every request with the adapter's body for `range` of `path`. */
function serveRange(adapter: RuntimeAdapter, path: string, range: ByteRange, onDone: BodyDoneCallback) {
  return adapter.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: async (req) => {
      const file = await openFile(adapter, path);
      const body = file.body(range, onDone, { request: req });
      return new Response(body, { headers: { "content-length": String(lengthOf(range)) } });
    },
  });
}

/** A raw GET that reads until its first bytes arrive, then stops reading. */
async function stalledGet(server: Listener): Promise<{ socket: Socket; received: () => number }> {
  const socket = connect(server.port, "127.0.0.1");
  socket.on("error", () => {});
  let received = 0;
  socket.on("data", (chunk: Buffer) => {
    if (received === 0) socket.pause();
    received += chunk.length;
  });
  socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  assert.ok(await eventually(() => received > 0, 5000), "the response started");
  return { socket, received: () => received };
}

/** Waits for the first report, then a moment more to see that no second one follows. */
async function settledReports(list: readonly Report[]): Promise<readonly Report[]> {
  assert.ok(await eventually(() => list.length > 0, 5000), "the body was reported");
  await sleep(250);
  return list;
}

function fakeAdapter(name: string, detected: boolean, asked: string[] = []): RuntimeAdapter {
  const capabilities: RuntimeCapabilities = {
    sendsFileBodiesFromKernel: false,
    countsDeliveredBytes: false,
    enforcesStallTimeout: false,
    reusesFileHandles: false,
  };
  return {
    name,
    capabilities,
    detect: () => (asked.push(name), detected),
    files: { open: () => Promise.resolve("not-found") },
    clientAddress: () => null,
    linkStat: () => null,
    listen: () => Promise.reject(new Error("not a server")),
  };
}

test("runtime is the first of RUNTIME_ADAPTERS that detects the runtime running the tests", () => {
  const detected = RUNTIME_ADAPTERS.find((adapter) => adapter.detect());
  assert.ok(detected !== undefined, "an adapter detects this runtime");
  assert.equal(runtime, detected);
});

test("every adapter has a way to run scripts in tests/_process.ts SCRIPT_ARGS", () => {
  const names = RUNTIME_ADAPTERS.map((adapter) => adapter.name);
  assert.equal(new Set(names).size, names.length, "adapter names are unique");
  assert.deepEqual([...names].sort(), [...RUNTIME_NAMES].sort());
});

test("selectRuntime() picks the first adapter that detects its runtime and asks no further", () => {
  const asked: string[] = [];
  const adapters = [
    fakeAdapter("a", false, asked),
    fakeAdapter("b", true, asked),
    fakeAdapter("c", true, asked),
  ];
  assert.equal(selectRuntime(adapters), adapters[1]);
  assert.deepEqual(asked, ["a", "b"]);
});

test(
  "selectRuntime() with no adapter for this runtime returns, and using it throws an Error naming the supported runtimes",
  { timeout: 30_000 },
  async () => {
    const unsupported = selectRuntime([fakeAdapter("deno", false), fakeAdapter("bun", false)]);
    assert.equal(typeof unsupported.name, "string");
    assert.equal(unsupported.capabilities.sendsFileBodiesFromKernel, false);
    const clear = (error: unknown) => {
      assert.ok(error instanceof Error && !(error instanceof ReferenceError), String(error));
      assert.match(error.message, /no adapter detects this runtime \(supported: "deno", "bun"\)/);
      assert.match(error.message, /list it in RUNTIME_ADAPTERS in src\/runtime\/mod\.ts/);
      return true;
    };
    await assert.rejects(() => unsupported.files.open(FILE), clear);
    await assert.rejects(
      () => unsupported.listen({ hostname: "127.0.0.1", port: 0, handler: () => new Response() }),
      clear,
    );
    assert.throws(() => unsupported.clientAddress(new Request("http://localhost/"), undefined), clear);
  },
);

for (const adapter of RUNTIME_ADAPTERS.filter((candidate) => candidate.detect())) {
  const { name, capabilities } = adapter;

  test(`${name}: open() says "not-found" for a missing path and for a path through a regular file`, {
    timeout: 30_000,
  }, async () => {
    assert.equal(await adapter.files.open(`${dir}/missing.webm`), "not-found");
    assert.equal(await adapter.files.open(`${FILE}/below`), "not-found"); // ENOTDIR
  });

  test(
    `${name}: open() of a directory is "not-found" or a stat that is not a file`,
    { timeout: 30_000 },
    async () => {
      const opened = await adapter.files.open(dir);
      if (opened === "not-found") return;
      assert.ok(typeof opened === "object", `opened the directory: ${opened}`);
      assert.equal(opened.stat.isFile, false);
      opened.close();
    },
  );

  test(`${name}: stat reports the file's size, mtime, isFile, dev and ino`, { timeout: 30_000 }, async () => {
    const file = await openFile(adapter, FILE);
    const expected = statSync(FILE);
    assert.equal(file.stat.size, SIZE);
    assert.equal(file.stat.isFile, true);
    assert.ok(file.stat.mtime instanceof Date);
    assert.equal(file.stat.mtime.getTime(), expected.mtime.getTime());
    assert.equal(file.stat.dev, expected.dev);
    assert.equal(file.stat.ino, expected.ino);
    file.close();
  });

  test(`${name}: body(range) gives exactly the bytes of the range`, { timeout: 30_000 }, async () => {
    const ranges: Record<string, ByteRange> = {
      "first byte": { start: 0, end: 0 },
      "last byte": { start: SIZE - 1, end: SIZE - 1 },
      "short middle span": { start: 70_000, end: 70_999 },
      "long middle span": LONG,
      "whole file": { start: 0, end: SIZE - 1 },
    };
    for (const [what, range] of Object.entries(ranges)) {
      const file = await openFile(adapter, FILE);
      assert.deepEqual(await bytesOf(file.body(range)), DATA.subarray(range.start, range.end + 1), what);
    }
    const one = await openFile(adapter, ONE_BYTE);
    assert.equal(one.stat.size, 1);
    assert.deepEqual(await bytesOf(one.body({ start: 0, end: 0 })), Uint8Array.of(0xa5));
  });

  test(
    `${name}: onDone is called once with (length, false) for a body read to its end`,
    { timeout: 30_000 },
    async () => {
      for (const range of [{ start: 10, end: 19 }, LONG]) {
        const { list, onDone } = reports();
        const file = await openFile(adapter, FILE);
        assert.equal((await bytesOf(file.body(range, onDone))).byteLength, lengthOf(range));
        const [[bytes, aborted], ...more] = await settledReports(list);
        assert.deepEqual(more, [], "reported once");
        assert.equal(aborted, false);
        // without a request to watch, an adapter that cannot see the bytes go out says so
        if (capabilities.countsDeliveredBytes || bytes !== null) assert.equal(bytes, lengthOf(range));
      }
    },
  );

  test(
    `${name}: a body cancelled in-process is reported once and releases its file`,
    { timeout: 30_000 },
    async () => {
      const path = writeFixture(dir, "cancelled.webm", DATA);
      const { list, onDone } = reports();
      const file = await openFile(adapter, path);
      const reader = new Response(file.body(LONG, onDone)).body!.getReader();
      const first = await reader.read();
      assert.equal(first.value?.[0], DATA[LONG.start]);
      await reader.read(); // reading on past the first chunk is what counts it
      await reader.cancel();
      const [[bytes, aborted], ...more] = await settledReports(list);
      assert.deepEqual(more, [], "reported once");
      // the runtime's server would send such a body itself: a cancel in-process is not seen
      if (!capabilities.sendsFileBodiesFromKernel) assert.equal(aborted, true);
      // the chunk held when the body was cancelled may never have reached the client
      assert.equal(bytes, capabilities.countsDeliveredBytes ? first.value!.byteLength : null);
      const kept = capabilities.reusesFileHandles ? 1 : 0;
      assert.ok(await eventually(() => openHandlesTo(path) <= kept, 1000), `handles: ${openHandlesTo(path)}`);
      assert.ok(
        await eventually(() => openHandlesTo(path) === 0, 3000),
        `handles left: ${openHandlesTo(path)}`,
      );
    },
  );

  test(
    `${name}: read(ranges, chunkSize) yields chunks of at most chunkSize with the exact bytes and leaves the file open`,
    { timeout: 30_000 },
    async () => {
      const file = await openFile(adapter, FILE);
      const ranges: ByteRange[] = [{ start: 0, end: 0 }, { start: 1000, end: 71_000 }, {
        start: SIZE - 5,
        end: SIZE - 1,
      }];
      const chunkSize = 4096;
      for (const pass of [1, 2]) { // the second pass reads from a file the first left open
        const chunks: Uint8Array[] = [];
        for await (const chunk of file.read(ranges, chunkSize)) chunks.push(chunk);
        assert.ok(
          chunks.every((chunk) => chunk.byteLength > 0 && chunk.byteLength <= chunkSize),
          `pass ${pass}`,
        );
        const expected = ranges.flatMap(({ start, end }) => [...DATA.subarray(start, end + 1)]);
        assert.deepEqual(chunks.flatMap((chunk) => [...chunk]), expected, `pass ${pass}`);
      }
      file.close();
    },
  );

  test(`${name}: close() is safe to call twice, before and after a body`, { timeout: 30_000 }, async () => {
    const path = writeFixture(dir, "closed.webm", DATA);
    const unused = await openFile(adapter, path);
    unused.close();
    unused.close();
    const used = await openFile(adapter, path);
    assert.deepEqual(await bytesOf(used.body({ start: 5, end: 9 })), DATA.subarray(5, 10));
    used.close();
    used.close();
    const again = await openFile(adapter, path);
    assert.deepEqual(await bytesOf(again.body({ start: 0, end: 1 })), DATA.subarray(0, 2));
    assert.ok(
      await eventually(() => openHandlesTo(path) === 0, 3000),
      `handles left: ${openHandlesTo(path)}`,
    );
  });

  test(`${name}: listen() on 127.0.0.1 port 0 answers, and clientAddress() reports 127.0.0.1`, {
    timeout: 30_000,
  }, async () => {
    let seen: string | null = "unset";
    const server = await adapter.listen({
      hostname: "127.0.0.1",
      port: 0,
      handler: (req, info) => {
        seen = adapter.clientAddress(req, info);
        return new Response("ok");
      },
    });
    try {
      assert.equal(server.hostname, "127.0.0.1");
      assert.ok(server.port > 0);
      const res = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(await res.text(), "ok");
      assert.equal(seen, "127.0.0.1");
    } finally {
      await server.close();
    }
  });

  test(`${name}: a served body is reported once: read to its end, then cut short by the client`, {
    timeout: 30_000,
  }, async () => {
    const path = writeFixture(dir, "served.webm", DATA);
    const whole = reports();
    const complete = await serveRange(adapter, path, LONG, whole.onDone);
    try {
      const res = await fetch(`http://127.0.0.1:${complete.port}/`);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), DATA.subarray(LONG.start, LONG.end + 1));
      assert.deepEqual(await settledReports(whole.list), [[lengthOf(LONG), false]]);
    } finally {
      await complete.close();
    }
    // larger than loopback's socket buffers can hold, so the body cannot end before the cut
    const bigSize = 32 * 1024 * 1024;
    const bigPath = writeFixture(dir, "served-big.webm", new Uint8Array(bigSize));
    const cut = reports();
    const server = await serveRange(adapter, bigPath, { start: 0, end: bigSize - 1 }, cut.onDone);
    try {
      const { socket } = await stalledGet(server);
      socket.destroy();
      const [[bytes, aborted], ...more] = await settledReports(cut.list);
      assert.deepEqual(more, [], "reported once");
      assert.equal(aborted, true);
      if (capabilities.countsDeliveredBytes) assert.ok(bytes !== null && bytes < bigSize, `bytes: ${bytes}`);
      else assert.equal(bytes, null);
      assert.ok(
        await eventually(() => openHandlesTo(bigPath) === 0, 3000),
        `handles left: ${openHandlesTo(bigPath)}`,
      );
    } finally {
      await server.close({ force: true });
    }
  });

  test(
    `${name}: close({ force: true }) cuts an in-flight long body and resolves`,
    { timeout: 20_000 },
    async () => {
      const bigSize = 32 * 1024 * 1024;
      const path = writeFixture(dir, "forced.webm", new Uint8Array(bigSize));
      const server = await serveRange(adapter, path, { start: 0, end: bigSize - 1 }, () => {});
      const { socket, received } = await stalledGet(server);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      try {
        const stopping = Date.now();
        await server.close({ force: true });
        assert.ok(Date.now() - stopping < 3000, `close took ${Date.now() - stopping} ms`);
        socket.resume(); // drain what was in flight: the connection then ends
        await closed;
        assert.ok(received() < bigSize, `the cut body is short: ${received()} bytes`);
        assert.ok(
          await eventually(() => openHandlesTo(path) === 0, 3000),
          `handles left: ${openHandlesTo(path)}`,
        );
      } finally {
        socket.destroy();
      }
    },
  );
}

/**
 * A server that answers `GET /START-END` with the adapter's body for that range of `path`,
 * opened with `options` (the request is always passed).
 */
function serveAnyRange(adapter: RuntimeAdapter, path: string, options: BodyOptions) {
  return adapter.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: async (req) => {
      const [start, end] = new URL(req.url).pathname.slice(1).split("-").map(Number);
      const file = await openFile(adapter, path);
      const body = file.body({ start, end }, () => {}, { ...options, request: req });
      return new Response(body, { headers: { "content-length": String(end - start + 1) } });
    },
  });
}

/** GETs `paths` one after the other on one kept-alive HTTP/1.1 connection. */
async function getOnOneConnection(port: number, paths: string[], afterEach: () => Promise<void>) {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const bodies: Uint8Array[] = [];
  try {
    for (const path of paths) {
      bodies.push(
        await new Promise<Uint8Array>((resolve, reject) => {
          httpGet({ host: "127.0.0.1", port, path, agent }, (res) => {
            sockets.add(res.socket);
            const parts: Buffer[] = [];
            res.on("data", (part: Buffer) => parts.push(part));
            res.on("end", () => resolve(new Uint8Array(Buffer.concat(parts))));
            res.on("error", reject);
          }).on("error", reject);
        }),
      );
      await afterEach();
    }
  } finally {
    agent.destroy();
  }
  return { bodies, connections: sockets.size };
}

for (const adapter of RUNTIME_ADAPTERS.filter((candidate) => candidate.detect())) {
  const { name } = adapter;

  test(`${name}: linkStat() describes the path itself: a file, a link to it, nothing`, () => {
    const link = `${dir}/link-to-movie.webm`;
    try {
      symlinkSync(FILE, link);
    } catch { /* left by an earlier run */ }
    const expected = statSync(FILE);
    const file = adapter.linkStat(FILE);
    assert.ok(file !== null);
    assert.equal(file.isFile, true);
    assert.equal(file.size, SIZE);
    assert.equal(file.dev, expected.dev);
    assert.equal(file.ino, expected.ino);
    assert.equal(adapter.linkStat(link)?.isFile, false, "a link is not a file");
    assert.equal(adapter.linkStat(`${dir}/missing.webm`), null);
    assert.equal(adapter.linkStat(`${dir}/${"a".repeat(300)}.webm`), null, "a name too long");
    assert.equal(adapter.linkStat(`${FILE}/below`), null, "a path through a file");
    assert.equal(adapter.linkStat(dir)?.isFile, false);
  });

  test(
    `${name}: an unwatched body (countBytes false, no stall timeout) sends exactly its range, keeps the connection and releases the file`,
    { timeout: 30_000 },
    async () => {
      const path = writeFixture(dir, "unwatched.webm", DATA);
      const server = await serveAnyRange(adapter, path, { countBytes: false, stallTimeoutMs: 0 });
      const ranges = [LONG, { start: SIZE - 700_000, end: SIZE - 1 }, { start: 0, end: SIZE - 1 }, LONG];
      try {
        const { bodies, connections } = await getOnOneConnection(
          server.port,
          ranges.map((r) => `/${r.start}-${r.end}`),
          async () => {
            const released = await eventually(() => openHandlesTo(path) === 0, 3000);
            assert.ok(released, `handles left with the connection open: ${openHandlesTo(path)}`);
          },
        );
        ranges.forEach((r, i) =>
          assert.deepEqual(bodies[i], DATA.subarray(r.start, r.end + 1), `range ${i}`)
        );
        assert.equal(connections, 1, "every response ended where its length said: the connection was reused");
      } finally {
        await server.close({ force: true });
      }
    },
  );

  test(
    `${name}: an unwatched body sent over HTTP/2 (no Host header) still sends exactly its range`,
    { timeout: 30_000 },
    async (t) => {
      const path = writeFixture(dir, "unwatched-h2.webm", DATA);
      const server = await serveAnyRange(adapter, path, { countBytes: false, stallTimeoutMs: 0 });
      const out = `${dir}/unwatched-h2.out`;
      try {
        // curl, unlike node:http2, refuses DATA past the Content-Length (exit 92) instead of dropping it
        const h2 = (path: string) =>
          runCommand("curl", [
            "-sS",
            "--http2-prior-knowledge",
            "-o",
            out,
            "-w",
            "%{http_version}",
            base + path,
          ]);
        const base = `http://127.0.0.1:${server.port}`;
        const probe = await h2("/0-99"); // a body short enough to be one buffer everywhere
        if (probe.code !== 0 || probe.stdout !== "2") {
          return t.skip("the server does not speak HTTP/2 without TLS");
        }
        const got = await h2(`/${LONG.start}-${LONG.end}`);
        assert.equal(got.code, 0, `curl: ${got.stderr}`);
        assert.deepEqual(new Uint8Array(readFileSync(out)), DATA.subarray(LONG.start, LONG.end + 1));
      } finally {
        await server.close({ force: true });
      }
    },
  );
}
