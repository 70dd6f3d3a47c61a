import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { runtime } from "../../src/runtime/mod.ts";
import { serveStream, type StreamEvent } from "../../src/serve/serve_stream.ts";
import { createWatchLogger, logWatchRequest, STORED_STRING_LIMITS } from "../../src/watch_log/logger.ts";
import { migrateWatchLog, WATCH_LOG_SCHEMA_VERSION } from "../../src/watch_log/schema.ts";
import { WatchLogDropError, type WatchLoggerOptions } from "../../src/watch_log/types.ts";
import {
  bodyBytes,
  closedPort,
  eventually,
  patternBytes,
  sleep,
  tempDir,
  writeFixture,
} from "../_fixtures.ts";
import { countRows, lockDatabase, migrateDatabase, servedEvent as event } from "./_helpers.ts";

const SIZE = 10_000;

interface Setup {
  dir: string;
  url: string;
  video: string;
  cleanup: () => void;
}

function setup(): Setup {
  const { dir, cleanup } = tempDir("watch-log-");
  const video = writeFixture(dir, "movie.mp4", patternBytes(SIZE));
  return { dir, url: `file:${join(dir, "log.db")}`, video, cleanup };
}

function loggerFor(url: string, over: WatchLoggerOptions = {}) {
  const errors: unknown[] = [];
  const logger = createWatchLogger({
    url,
    flushIntervalMs: 20,
    retryBaseMs: 10,
    retryMaxMs: 40,
    busyTimeoutMs: 5,
    onError: (e) => errors.push(e),
    ...over,
  });
  return { logger, errors };
}

/**
 * Asks `base` for: alice's whole file and one range of it, then a HEAD, an unsatisfiable range
 * and a conditional GET (none of which is logged), then an anonymous range; checks every answer.
 */
async function requestEveryKind(base: string): Promise<void> {
  const full = await fetch(base, { headers: { "x-user": "alice", "user-agent": "test-player/1" } });
  assert.equal(full.status, 200);
  assert.deepEqual(await bodyBytes(full), patternBytes(SIZE));
  const part = await fetch(base, { headers: { "x-user": "alice", range: "bytes=100-199" } });
  assert.equal(part.status, 206);
  assert.deepEqual(await bodyBytes(part), patternBytes(SIZE).subarray(100, 200));
  const head = await fetch(base, { method: "HEAD" });
  assert.equal(head.status, 200);
  await head.body?.cancel();
  const bad = await fetch(base, { headers: { range: "bytes=99999-" } });
  assert.equal(bad.status, 416);
  await bad.body?.cancel();
  const notModified = await fetch(base, { headers: { "if-none-match": full.headers.get("etag")! } });
  assert.equal(notModified.status, 304);
  await notModified.body?.cancel();
  const anon = await fetch(base, { headers: { range: "bytes=0-9", "user-agent": "curl/8" } });
  assert.equal(anon.status, 206);
  assert.deepEqual(await bodyBytes(anon), patternBytes(SIZE).subarray(0, 10));
}

test("record() via onServed logs every GET 200/206 over real HTTP with identity, agent, ranges and bytes", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const { logger, errors } = loggerFor(s.url, {
    identify: (req) => {
      const user = req.headers.get("x-user");
      return { userId: user, authenticated: user !== null };
    },
  });
  const server = await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req, info) =>
      serveStream(req, {
        path: s.video,
        clientAddress: runtime.clientAddress(req, info),
        onServed: (e) => logger.record(e),
      }),
  });
  try {
    await requestEveryKind(`http://127.0.0.1:${server.port}/`);
    // a body is reported when it has ended (on Bun: once the server lets go of the request)
    await eventually(async () => (await logger.flush(), logger.stats().written >= 3));
    const events = await logger.listEvents({ sort: "startedAt", order: "asc" });
    assert.equal(events.total, 3);
    const [e1, e2, e3] = events.items;
    assert.deepEqual(
      [e1.status, e1.userId, e1.authenticated, e1.userAgent, e1.rangeStart, e1.rangeEnd, e1.bytesPlanned],
      [200, "alice", true, "test-player/1", 0, SIZE - 1, SIZE],
    );
    assert.equal(e1.clientIp, "127.0.0.1");
    assert.equal(e1.path, s.video);
    assert.equal(e1.fileSize, SIZE);
    assert.equal(e1.aborted, false);
    // completed: the whole length on both runtimes (on Bun, known once the server is done with it)
    assert.equal(e1.bytesDelivered, SIZE);
    assert.deepEqual([e2.status, e2.rangeStart, e2.rangeEnd, e2.bytesPlanned], [206, 100, 199, 100]);
    assert.deepEqual([e3.userId, e3.authenticated, e3.userAgent], [null, false, "curl/8"]);
    // alice's two requests are one viewing, the anonymous one another
    assert.equal(e1.viewingId, e2.viewingId);
    assert.notEqual(e1.viewingId, e3.viewingId);
    const alice = await logger.getViewing(e1.viewingId!);
    assert.equal(alice?.requestCount, 2);
    assert.equal(alice?.watchedShare, 1);
    assert.equal(alice?.bytes, SIZE + 100);
    assert.deepEqual(logger.stats(), {
      queued: 0,
      spooled: 0,
      written: 3,
      retried: 0,
      dropped: 0,
      failedWrites: 0,
      available: true,
    });
    assert.deepEqual(errors, []);
  } finally {
    await server.close({ force: true });
    await logger.close();
    s.cleanup();
  }
});

test("requests further apart than the idle window, or from another agent, start new viewings", async () => {
  const s = setup();
  const { logger } = loggerFor(s.url, { idleWindowMs: 60_000 });
  try {
    const t0 = Date.UTC(2024, 5, 1);
    const at = (ms: number) => new Date(t0 + ms);
    logger.record(event({ startedAt: at(0), headers: { "user-agent": "A" } }));
    logger.record(
      event({ startedAt: at(59_000), headers: { "user-agent": "A" }, ranges: [{ start: 100, end: 199 }] }),
    );
    logger.record(event({ startedAt: at(59_000), headers: { "user-agent": "B" } }));
    logger.record(event({ startedAt: at(59_000 + 3 + 60_001), headers: { "user-agent": "A" } }));
    await logger.flush();
    // later batch: still within the window of the third viewing of agent A
    logger.record(event({ startedAt: at(59_000 + 3 + 60_001 + 30_000), headers: { "user-agent": "A" } }));
    await logger.flush();
    const viewings = await logger.listViewings({ sort: "firstSeen", order: "asc" });
    assert.deepEqual(
      viewings.items.map((v) => [v.userAgent, v.requestCount, v.coveredBytes]),
      [["A", 2, 200], ["B", 1, 100], ["A", 2, 100]],
    );
    assert.equal(viewings.items[0].lastSeen.getTime(), t0 + 59_003);
  } finally {
    await logger.close();
    s.cleanup();
  }
});

test("record() never throws or waits, and ignores HEAD and other statuses", async () => {
  const s = setup();
  const { logger } = loggerFor(s.url, { flushIntervalMs: 60_000 });
  try {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) logger.record(event());
    logger.record(event({ method: "HEAD" }));
    logger.record(event({ status: 304 }));
    logger.record(event({ status: 404 }));
    const elapsed = performance.now() - started;
    assert.equal(logger.stats().queued, 1000);
    assert.ok(elapsed < 500, `record() x1003 took ${elapsed} ms`);
    // a broken event is swallowed, not thrown
    logger.record({ request: null } as unknown as StreamEvent);
    await logger.flush();
    assert.equal(await countRows(s.url, "watch_events"), 1000);
  } finally {
    await logger.close();
    s.cleanup();
  }
});

test("a locked database leaves streaming unaffected; events stay queued, are retried, then written", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const { logger, errors } = loggerFor(s.url);
  await migrateDatabase(s.url);
  const lock = await lockDatabase(s.url);
  try {
    for (let i = 0; i < 5; i++) {
      const res = await serveStream(new Request("http://localhost/", { headers: { range: "bytes=0-99" } }), {
        path: s.video,
        onServed: (e) => logger.record(e),
      });
      assert.equal(res.status, 206);
      assert.deepEqual(await bodyBytes(res), patternBytes(SIZE).subarray(0, 100));
    }
    await assert.rejects(logger.flush(), /SQLITE_BUSY|locked/);
    // the background writer keeps retrying with backoff; meanwhile the events wait in the spool
    await sleep(200);
    const during = logger.stats();
    assert.equal(during.queued + during.spooled, 5);
    assert.equal(during.spooled, 5);
    assert.equal(during.available, false);
    assert.equal(during.written, 0);
    assert.ok(during.failedWrites >= 2, `failedWrites ${during.failedWrites}`);
    assert.ok(during.retried >= 10, `retried ${during.retried}`);
    assert.ok(errors.length >= 2);
  } finally {
    await lock.release();
  }
  await logger.flush();
  assert.equal(logger.stats().queued, 0);
  assert.equal(logger.stats().spooled, 0);
  assert.equal(logger.stats().available, true);
  assert.equal(logger.stats().written, 5);
  assert.equal(logger.stats().dropped, 0);
  assert.equal(await countRows(s.url, "watch_events"), 5);
  await logger.close();
  s.cleanup();
});

test("the background writer recovers by itself once the lock is released", { timeout: 30_000 }, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  const { logger } = loggerFor(s.url);
  const lock = await lockDatabase(s.url);
  for (let i = 0; i < 3; i++) logger.record(event());
  await sleep(100);
  assert.equal(logger.stats().written, 0);
  await lock.release();
  await eventually(() => logger.stats().written === 3, 5000);
  assert.equal(await countRows(s.url, "watch_events"), 3);
  await logger.close();
  s.cleanup();
});

test("an unreachable server: close() spools what it could not write, and the next logger delivers it once", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const port = await closedPort();
  const spoolPath = join(s.dir, "spool.db");
  const { logger, errors } = loggerFor(`http://127.0.0.1:${port}`, { closeTimeoutMs: 150, spoolPath });
  for (let i = 0; i < 4; i++) logger.record(event({ path: `/v/${i}.mp4` }));
  await assert.rejects(logger.flush());
  await logger.close();
  const stats = logger.stats();
  assert.equal(stats.queued, 0);
  assert.equal(stats.written, 0);
  assert.equal(stats.dropped, 0);
  assert.equal(stats.spooled, 4);
  assert.ok(!errors.some((e) => e instanceof WatchLogDropError));
  // recording after close is counted as dropped, never thrown
  logger.record(event());
  assert.equal(logger.stats().dropped, 1);

  // a later run with a reachable database delivers the spool
  const next = loggerFor(s.url, { spoolPath });
  await next.logger.flush();
  assert.equal(next.logger.stats().written, 4);
  assert.equal(next.logger.stats().spooled, 0);
  await next.logger.close();
  const events = await countRows(s.url, "watch_events");
  assert.equal(events, 4);
  // and a third run finds nothing left to deliver twice
  const third = loggerFor(s.url, { spoolPath });
  await third.logger.flush();
  await third.logger.close();
  assert.equal(third.logger.stats().written, 0);
  assert.equal(await countRows(s.url, "watch_events"), 4);
  s.cleanup();
});

test("without a spool, a full queue drops the oldest events, counts them and reports them through onError", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  const { logger, errors } = loggerFor(s.url, { maxQueue: 5, batchSize: 5, spoolPath: null });
  const lock = await lockDatabase(s.url);
  try {
    for (let i = 0; i < 12; i++) logger.record(event({ path: `/v/${i}.mp4` }));
    await eventually(() => logger.stats().dropped === 7);
    assert.equal(logger.stats().queued, 5);
    const drops = errors.filter((e) => e instanceof WatchLogDropError) as WatchLogDropError[];
    assert.equal(drops.reduce((n, e) => n + e.count, 0), 7);
  } finally {
    await lock.release();
  }
  await logger.flush();
  const events = await logger.listEvents({ sort: "path", order: "asc" });
  assert.deepEqual(events.items.map((e) => e.path), [
    "/v/10.mp4",
    "/v/11.mp4",
    "/v/7.mp4",
    "/v/8.mp4",
    "/v/9.mp4",
  ]);
  await logger.close();
  s.cleanup();
});

test(
  "close() writes everything still queued, so a normal shutdown loses nothing",
  { timeout: 30_000 },
  async () => {
    const s = setup();
    const { logger } = loggerFor(s.url, { flushIntervalMs: 60_000, batchSize: 50 });
    for (let i = 0; i < 777; i++) logger.record(event({ clientAddress: `10.0.${i % 7}.1` }));
    await logger.close();
    await logger.close(); // twice is fine
    assert.equal(await countRows(s.url, "watch_events"), 777);
    assert.equal(await countRows(s.url, "watch_viewings"), 7);
    assert.deepEqual(logger.stats(), {
      queued: 0,
      spooled: 0,
      written: 777,
      retried: 0,
      dropped: 0,
      failedWrites: 0,
      available: true,
    });
    s.cleanup();
  },
);

test("logWatchRequest() writes one event at once, bypassing the queue", async () => {
  const s = setup();
  const { logger } = loggerFor(s.url, { flushIntervalMs: 60_000 });
  try {
    await logWatchRequest(logger, {
      path: "movie.mp4",
      authenticated: true,
      userId: "42",
      clientIp: "10.1.1.1",
      request: new Request("http://x/", { headers: { "user-agent": "UA" } }),
    });
    assert.equal(await countRows(s.url, "watch_events"), 1);
    const [v] = (await logger.listViewings()).items;
    assert.deepEqual([v.path, v.userId, v.authenticated, v.clientIp, v.userAgent], [
      "movie.mp4",
      "42",
      true,
      "10.1.1.1",
      "UA",
    ]);
    await assert.rejects(logWatchRequest(logger, { path: "" }), TypeError);
  } finally {
    await logger.close();
    s.cleanup();
  }
});

test("client-controlled strings are stored capped: a 60 KB User-Agent costs 512 characters, not 60 KB", async () => {
  const s = setup();
  const { logger } = loggerFor(s.url, { flushIntervalMs: 60_000 });
  try {
    const agent = "A".repeat(60_000);
    await logWatchRequest(logger, {
      path: "p/".repeat(2000) + "movie.mp4",
      clientIp: "x".repeat(500),
      userId: "u".repeat(1000),
      // an emoji across the cut is dropped whole, not split into a lone surrogate
      userAgent: "B".repeat(511) + "\u{1F600}" + agent,
    });
    await logWatchRequest(logger, {
      path: "movie.mp4",
      request: new Request("http://x/", { headers: { "user-agent": agent } }),
    });
    const events = (await logger.listEvents({ sort: "path", order: "desc" })).items;
    assert.equal(events.length, 2);
    assert.equal(events[0].userAgent, "B".repeat(511));
    assert.equal(events[0].path.length, STORED_STRING_LIMITS.path);
    assert.equal(events[0].clientIp?.length, STORED_STRING_LIMITS.clientIp);
    assert.equal(events[0].userId?.length, STORED_STRING_LIMITS.userId);
    assert.equal(events[1].userAgent, "A".repeat(STORED_STRING_LIMITS.userAgent));
    const viewings = (await logger.listViewings()).items;
    assert.ok(viewings.every((v) => (v.userAgent ?? "").length <= STORED_STRING_LIMITS.userAgent));
  } finally {
    await logger.close();
    s.cleanup();
  }
});

test("an aborted response records the bytes delivered and covers only those", async () => {
  const s = setup();
  const { logger } = loggerFor(s.url);
  try {
    let served!: (e: StreamEvent) => void;
    const done = new Promise<StreamEvent>((resolve) => served = resolve);
    const res = await serveStream(new Request("http://localhost/"), {
      path: s.video,
      maxChunkSize: 0,
      onServed: (e) => {
        logger.record(e);
        served(e);
      },
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    await reader.cancel();
    const e = await done;
    await logger.flush();
    const [row] = (await logger.listEvents()).items;
    assert.equal(row.aborted, e.aborted);
    assert.equal(row.bytesDelivered, e.bytesDelivered);
    const viewing = await logger.getViewing(row.viewingId!);
    if (e.bytesDelivered !== null && e.bytesDelivered < SIZE) {
      assert.equal(row.aborted, true);
      assert.deepEqual(viewing?.coverage, [[0, e.bytesDelivered - 1]]);
    } else {
      // delivery not observable (Bun's zero-copy path): the planned range is recorded
      assert.deepEqual(viewing?.coverage, [[0, SIZE - 1]]);
    }
  } finally {
    await logger.close();
    s.cleanup();
  }
});

if (runtime.capabilities.countsDeliveredBytes) {
  test("where the adapter counts delivered bytes, an aborted single-range body reports fewer than planned", async () => {
    const s = setup();
    const big = writeFixture(s.dir, "big.mp4", patternBytes(4 * 1024 * 1024));
    let served!: (e: StreamEvent) => void;
    const done = new Promise<StreamEvent>((resolve) => served = resolve);
    const res = await serveStream(new Request("http://localhost/"), {
      path: big,
      maxChunkSize: 0,
      onServed: served,
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    await reader.read(); // reading on past the first chunk is what counts it
    await reader.cancel();
    const e = await done;
    assert.equal(e.aborted, true);
    // the first chunk was read past; the second was still held when the body was cancelled
    assert.equal(e.bytesDelivered, first.value!.byteLength);
    assert.ok(e.bytesDelivered < 4 * 1024 * 1024);
    s.cleanup();
  });
}

test("migrations are versioned and idempotent, and the file is switched to WAL", async () => {
  const s = setup();
  const clients: Client[] = [createClient({ url: s.url }), createClient({ url: s.url })];
  try {
    // concurrent start-up of several processes is covered by multiprocess_test.ts
    assert.equal(await migrateWatchLog(clients[0]), WATCH_LOG_SCHEMA_VERSION);
    assert.equal(await migrateWatchLog(clients[1]), WATCH_LOG_SCHEMA_VERSION);
    assert.equal(await migrateWatchLog(clients[0]), WATCH_LOG_SCHEMA_VERSION);
    const rows = await clients[0].execute("SELECT version FROM watch_log_schema");
    assert.deepEqual(
      rows.rows.map((r) => Number(r.version)),
      Array.from({ length: WATCH_LOG_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    const mode = await clients[1].execute("PRAGMA journal_mode");
    assert.equal(String(mode.rows[0].journal_mode), "wal");
    const tables = await clients[0].execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    assert.deepEqual(tables.rows.map((r) => r.name), [
      "watch_events",
      "watch_log_schema",
      "watch_video_parts",
      "watch_videos",
      "watch_viewings",
    ]);
  } finally {
    for (const c of clients) c.close();
    s.cleanup();
  }
});

test("createWatchLogger() rejects bad options with RangeError/TypeError", () => {
  assert.throws(() => createWatchLogger({ batchSize: 0 }), RangeError);
  assert.throws(() => createWatchLogger({ batchSize: 10, maxQueue: 5 }), RangeError);
  assert.throws(() => createWatchLogger({ idleWindowMs: -1 }), RangeError);
  assert.throws(() => createWatchLogger({ url: "" }), TypeError);
});
