// What `onServed` reports as delivered: the client's share of a body, as far as each runtime
// can tell, on real servers and in-process.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, realpathSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { serveStream, type StreamEvent } from "../../src/serve/serve_stream.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { eventually, openHandlesTo, patternBytes, tempDir, writeFixture } from "../_fixtures.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const BIG_SIZE = 64 * 1024 * 1024;
const BIG = realpathSync(writeFixture(dir, "big.mp4", new Uint8Array(BIG_SIZE)));
const SMALL_SIZE = 4 * 1024 * 1024;
const SMALL_DATA = patternBytes(SMALL_SIZE, 5);
const SMALL = realpathSync(writeFixture(dir, "small.mp4", SMALL_DATA));

/**
 * Bytes that may sit between a server that counted them and a client that has not read them:
 * the server's socket send buffer at its largest (Linux autotunes up to `tcp_wmem`'s maximum),
 * plus the client's unread receive buffer and the runtime's own queue.
 */
function socketSlack(): number {
  let sendBuffer = 4 * 1024 * 1024;
  try {
    sendBuffer = Number(readFileSync("/proc/sys/net/ipv4/tcp_wmem", "utf8").trim().split(/\s+/)[2]);
  } catch {
    // not Linux: the usual maximum
  }
  return sendBuffer + 2 * 1024 * 1024;
}

async function listenReporting(path: string, events: StreamEvent[]) {
  return await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req) => serveStream(req, { path, onServed: (event) => events.push(event) }),
  });
}

/** Sends a raw GET and counts the response's bytes (head included) as they are read. */
function rawGet(port: number, range?: string): { socket: Socket; received: () => number } {
  const socket = connect(port, "127.0.0.1");
  let received = 0;
  socket.on("data", (chunk: Buffer) => received += chunk.length);
  socket.on("error", () => {});
  const rangeLine = range === undefined ? "" : `Range: ${range}\r\n`;
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${rangeLine}\r\n`);
  return { socket, received: () => received };
}

test("a viewer that reads a tenth of a body and leaves is reported aborted, with at most what the socket took", async () => {
  const events: StreamEvent[] = [];
  const server = await listenReporting(BIG, events);
  try {
    const { socket, received } = rawGet(server.port);
    assert.ok(await eventually(() => received() >= BIG_SIZE / 10, 4000), `read ${received()} bytes`);
    // as a player does on a seek: it stops reading, then drops the connection
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const got = received();
    socket.destroy();
    assert.ok(await eventually(() => events.length === 1, 4000), "one event is reported");
    const [event] = events;
    assert.equal(event.status, 200);
    assert.equal(event.bytesPlanned, BIG_SIZE);
    assert.equal(event.aborted, true);
    if (event.bytesDelivered !== null) {
      assert.ok(
        event.bytesDelivered <= got + socketSlack(),
        `delivered ${event.bytesDelivered}, the client read ${got}`,
      );
    }
    assert.ok(await eventually(() => openHandlesTo(BIG) === 0), "the file is released");
  } finally {
    await server.close({ force: true });
  }
});

test("a completed response is reported once, with its length, while the connection stays open", async () => {
  const events: StreamEvent[] = [];
  const server = await listenReporting(SMALL, events);
  try {
    const length = 2 * 1024 * 1024;
    const { socket, received } = rawGet(server.port, `bytes=1000-${1000 + length - 1}`);
    try {
      assert.ok(await eventually(() => received() > length, 4000), `read ${received()} bytes`);
      // keep-alive: the client neither closes nor sends another request
      assert.ok(await eventually(() => events.length === 1, 4000), "the event does not wait for the close");
      const [event] = events;
      assert.equal(event.status, 206);
      assert.equal(event.aborted, false);
      assert.deepEqual(event.ranges, [{ start: 1000, end: 1000 + length - 1 }]);
      assert.equal(event.bytesDelivered, length);
    } finally {
      socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(events.length, 1, "reported exactly once");
  } finally {
    await server.close();
  }
});

test("a stalled viewer does not hold up a forced stop, and is reported aborted", async () => {
  const events: StreamEvent[] = [];
  const server = await listenReporting(BIG, events);
  const { socket, received } = rawGet(server.port);
  socket.pause();
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(events.length, 0, "nothing reported while the body is being sent");
    const stopping = Date.now();
    await server.close({ force: true });
    assert.ok(Date.now() - stopping < 2000, `stop took ${Date.now() - stopping} ms`);
    assert.ok(await eventually(() => events.length === 1, 3000), "the cut body is reported");
    assert.equal(events[0].aborted, true);
    assert.notEqual(events[0].bytesDelivered, BIG_SIZE);
    assert.ok(received() < BIG_SIZE);
  } finally {
    socket.destroy();
  }
});

const streamsThroughJavaScript = { skip: runtime.capabilities.sendsFileBodiesFromKernel };

test(
  "a streamed body counts a chunk only once the consumer reads past it",
  streamsThroughJavaScript,
  async () => {
    const opened = await runtime.files.open(SMALL);
    assert.ok(typeof opened === "object");
    const reports: [number | null, boolean][] = [];
    const body = opened.body(
      { start: 0, end: SMALL_SIZE - 1 },
      (bytes, aborted) => reports.push([bytes, aborted]),
    );
    assert.ok(body instanceof ReadableStream, "an adapter that does not send from the kernel streams");
    const reader = body.getReader();
    let received = 0;
    let last = 0;
    for (let i = 0; i < 3; i++) {
      const { value } = await reader.read();
      assert.equal(value![0], SMALL_DATA[received]);
      last = value!.byteLength;
      received += last;
    }
    assert.deepEqual(reports, [], "not reported while the body is being read");
    await reader.cancel();
    assert.deepEqual(reports, [[received - last, true]]);
    assert.ok(await eventually(() => openHandlesTo(SMALL) === 0), "the file is released");
  },
);

test(
  "a streamed body is reported completed only once the consumer read its end",
  streamsThroughJavaScript,
  async () => {
    const opened = await runtime.files.open(SMALL);
    assert.ok(typeof opened === "object");
    const reports: [number | null, boolean][] = [];
    const length = 1024 * 1024;
    const body = opened.body(
      { start: 10, end: 10 + length - 1 },
      (bytes, aborted) => reports.push([bytes, aborted]),
    );
    assert.ok(body instanceof ReadableStream, "an adapter that does not send from the kernel streams");
    const reader = body.getReader();
    let received = 0;
    while (received < length) received += (await reader.read()).value!.byteLength;
    assert.equal(received, length);
    assert.deepEqual(reports, [], "the last chunk may still be on its way");
    assert.equal((await reader.read()).done, true);
    assert.deepEqual(reports, [[length, false]]);
  },
);

test("a multipart body cancelled midway does not count the chunk it was cut at", async () => {
  const events: StreamEvent[] = [];
  const res = await serveStream(
    new Request("http://localhost/", { headers: { range: "bytes=0-799999,1000000-1799999" } }),
    {
      path: SMALL,
      onServed: (event) => events.push(event),
    },
  );
  assert.equal(res.status, 206);
  const reader = res.body!.getReader();
  let received = 0;
  let last = 0;
  for (let i = 0; i < 4; i++) {
    const { value } = await reader.read();
    last = value!.byteLength;
    received += last;
  }
  await reader.cancel();
  assert.ok(await eventually(() => events.length === 1), "one event is reported");
  assert.equal(events[0].aborted, true);
  assert.equal(events[0].bytesDelivered, received - last);
  assert.ok(await eventually(() => openHandlesTo(SMALL) === 0), "the file is released");
});
