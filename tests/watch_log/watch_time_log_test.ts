// Watch time through the real writer and queries: seconds per viewing, the per-video figures
// kept in summary tables (checked against the viewings themselves, across batches), the
// summary's watch time, and a version-1 database migrated without losing a row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { seededRandom, tempDir } from "../_fixtures.ts";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import { createWatchLogQueries } from "../../src/watch_log/queries.ts";
import { WATCH_LOG_SCHEMA_VERSION } from "../../src/watch_log/schema.ts";
import type { ViewingRecord, WatchRequestEntry } from "../../src/watch_log/types.ts";

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const SIZE = 10_000;

function near(actual: number | null | undefined, expected: number, what: string, within = 1e-6): void {
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) <= within,
    `${what}: ${actual}, expected ${expected}`,
  );
}

/** A request of a 100-second video whose bytes map linearly to time: `[from, to]` seconds, `ms` long. */
function watch(
  userId: string,
  at: number,
  from: number,
  to: number,
  ms: number,
  path = "film.mp4",
): WatchRequestEntry {
  return {
    path,
    userId,
    at: new Date(T0 + at * 1000),
    size: SIZE,
    ranges: [{ start: from * 100, end: to * 100 - 1 }],
    durationMs: ms,
    aborted: true,
    media: { duration: 100, seconds: [[from, to]] },
  };
}

function logAt(dir: string) {
  return createWatchLogger({ url: `file:${join(dir, "log.db")}`, flushIntervalMs: 20, onError: () => {} });
}

test("a viewing says which seconds were reached, buffered, sought and whether it finished", async () => {
  const { dir, cleanup } = tempDir("watch-time-");
  const logger = logAt(dir);
  try {
    // alice: plays 0-40 s (her player holds 50 s), seeks to 80 s, plays 10 s, leaves
    await logger.logWatchRequest(watch("alice", 0, 0, 50, 40_000));
    await logger.logWatchRequest(watch("alice", 40, 80, 95, 10_000));
    // bob: a film fetched whole in a second: reached 1 s, buffered all of it
    await logger.logWatchRequest({ ...watch("bob", 0, 0, 100, 1000), aborted: false });
    // carol: a file the media index does not read: bytes only
    await logger.logWatchRequest({
      path: "film.mp4",
      userId: "carol",
      at: new Date(T0),
      size: SIZE,
      ranges: [{ start: 0, end: 999 }],
    });
    const { items } = await logger.listViewings({ sort: "userId", order: "asc" });
    const [alice, bob, carol] = items;
    assert.deepEqual(alice.watchedTime, [[0, 40], [80, 90]]);
    near(alice.watchedSeconds, 50, "alice watched");
    near(alice.bufferedSeconds, 65, "alice buffered");
    assert.equal(alice.seeks, 1);
    assert.equal(alice.completed, false);
    near(alice.lastPosition, 90, "alice's last position");
    assert.equal(alice.mediaDuration, 100);
    near(bob.watchedSeconds, 1, "bob watched");
    near(bob.bufferedSeconds, 100, "bob buffered");
    assert.equal(carol.mediaDuration, null);
    assert.equal(carol.watchedSeconds, null);
    assert.deepEqual(carol.watchedTime, []);

    const report = (await logger.videoReport("film.mp4"))!;
    assert.equal(report.viewings, 3);
    assert.equal(report.timedViewings, 2);
    assert.equal(report.uniqueViewers, 3);
    assert.equal(report.duration, 100);
    near(report.watchedSeconds, 51, "watched in all");
    near(report.averageWatchedSeconds, 25.5, "average");
    assert.equal(report.completed, 0);
    assert.equal(report.completionRate, 0);
    assert.equal(report.seeks, 1);
    assert.equal(report.retention.length, 100);
    // 0.5 s (part 0): both; 30 s: alice only; 60 s: nobody; 85 s: alice
    assert.deepEqual([0, 30, 60, 85].map((p) => report.retention[p].share), [1, 0.5, 0, 0.5]);
    assert.deepEqual(report.seekTargets.filter((p) => p.seeks > 0).map((p) => p.start), [80]);
    assert.equal(await logger.videoReport("nothing.mp4"), null);
    await assert.rejects(logger.videoReport(""), TypeError);
  } finally {
    await logger.close();
    cleanup();
  }
});

test("the summary counts watch time per day, per video and the completion rate", async () => {
  const { dir, cleanup } = tempDir("watch-time-");
  const logger = logAt(dir);
  try {
    await logger.logWatchRequest(watch("alice", 0, 0, 100, 100_000));
    await logger.logWatchRequest(watch("bob", 0, 0, 30, 30_000));
    await logger.logWatchRequest(watch("bob", 86_400, 0, 20, 20_000, "short.mp4"));
    await logger.logWatchRequest(watch("carol", 86_400, 0, 10, 10_000, "short.mp4"));
    await logger.logWatchRequest(watch("dave", 86_400, 0, 10, 10_000, "short.mp4"));
    const summary = await logger.summary();
    near(summary.watchedSeconds, 170, "watched");
    near(summary.completionRate, 1 / 5, "completion rate");
    assert.deepEqual(summary.viewsPerDay.map((d) => [d.day, d.viewings, d.watchedSeconds]), [
      ["2026-11-20", 2, 130],
      ["2026-11-21", 3, 40],
    ]);
    assert.deepEqual(summary.topVideos.map((v) => v.path), ["short.mp4", "film.mp4"]);
    assert.deepEqual(summary.topVideosByWatchTime.map((v) => [v.path, v.watchedSeconds, v.completionRate]), [
      ["film.mp4", 130, 0.5],
      ["short.mp4", 40, 0],
    ]);
    const { items } = await logger.listViewings({ sort: "watchedSeconds", order: "desc", limit: 2 });
    assert.deepEqual(items.map((v) => v.userId), ["alice", "bob"]);
  } finally {
    await logger.close();
    cleanup();
  }
});

/** The report's figures recomputed from the viewings themselves. */
function expectedFigures(viewings: readonly ViewingRecord[]) {
  const timed = viewings.filter((v) => v.mediaDuration !== null);
  const reached = new Array(100).fill(0);
  for (const v of timed) {
    for (let part = 0; part < 100; part++) {
      const middle = (part + 0.5) * (v.mediaDuration! / 100);
      if (v.watchedTime.some(([s, e]) => s <= middle && middle <= e)) reached[part]++;
    }
  }
  return {
    viewings: viewings.length,
    timed: timed.length,
    watched: timed.reduce((n, v) => n + v.watchedSeconds!, 0),
    completed: timed.filter((v) => v.completed).length,
    seeks: timed.reduce((n, v) => n + v.seeks, 0),
    reached,
  };
}

test("per-video figures kept across many batches equal those of the viewings (seeded)", async () => {
  const { dir, cleanup } = tempDir("watch-time-");
  const logger = createWatchLogger({
    url: `file:${join(dir, "log.db")}`,
    batchSize: 7,
    flushIntervalMs: 5,
    idleWindowMs: 60_000,
    onError: () => {},
  });
  const random = seededRandom(16);
  try {
    // 40 viewers, each a few runs of requests; events recorded out of order in small batches
    const entries: WatchRequestEntry[] = [];
    for (let viewer = 0; viewer < 40; viewer++) {
      let wall = viewer * 3;
      for (let request = 0; request < 1 + Math.floor(random() * 6); request++) {
        const from = Math.floor(random() * 90);
        const to = Math.min(100, from + 1 + Math.floor(random() * 30));
        const ms = Math.floor(random() * 20_000);
        entries.push({ ...watch(`u${viewer % 25}`, wall, from, to, ms), aborted: random() < 0.5 });
        wall += Math.floor(random() * 20);
      }
    }
    entries.sort(() => random() - 0.5);
    for (const entry of entries) {
      await logger.logWatchRequest(entry);
    }
    const all = await logger.listViewings({ limit: 1000 });
    const expected = expectedFigures(all.items);
    const report = (await logger.videoReport("film.mp4"))!;
    assert.equal(report.viewings, expected.viewings);
    assert.equal(report.timedViewings, expected.timed);
    near(report.watchedSeconds, expected.watched, "watched", 1e-6 * expected.viewings);
    assert.equal(report.completed, expected.completed);
    assert.equal(report.seeks, expected.seeks);
    assert.deepEqual(report.retention.map((p) => p.viewings), expected.reached);
    assert.equal(report.uniqueViewers, 25);
  } finally {
    await logger.close();
    cleanup();
  }
});

/** What version 1 of the schema created, as a database of that time holds it. */
const VERSION_1 = [
  `CREATE TABLE watch_log_schema (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
  `CREATE TABLE watch_viewings (id INTEGER PRIMARY KEY, viewer_key TEXT NOT NULL, path TEXT NOT NULL,
    user_id TEXT, authenticated INTEGER NOT NULL, client_ip TEXT, user_agent TEXT, first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL, request_count INTEGER NOT NULL, bytes INTEGER NOT NULL, file_size INTEGER,
    coverage TEXT NOT NULL, covered_bytes INTEGER NOT NULL)`,
  `CREATE TABLE watch_events (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, path TEXT NOT NULL,
    user_id TEXT, authenticated INTEGER NOT NULL, client_ip TEXT, user_agent TEXT, status INTEGER NOT NULL,
    file_size INTEGER, range_start INTEGER, range_end INTEGER, range_count INTEGER NOT NULL,
    bytes_planned INTEGER NOT NULL, bytes_delivered INTEGER, duration_ms REAL NOT NULL, aborted INTEGER NOT NULL,
    viewing_id INTEGER REFERENCES watch_viewings (id))`,
  `INSERT INTO watch_log_schema VALUES (1, 0)`,
];

test("a version-1 watch log migrates with every row; old viewings count in bytes only", async () => {
  const { dir, cleanup } = tempDir("watch-time-");
  const url = `file:${join(dir, "log.db")}`;
  const old = createClient({ url });
  await old.batch(VERSION_1);
  const rows = [];
  for (let i = 0; i < 30; i++) {
    const path = i % 3 === 0 ? "b.mp4" : "a.mp4";
    rows.push({
      sql:
        "INSERT INTO watch_viewings VALUES (?, ?, ?, ?, 1, '10.0.0.1', 'ua', ?, ?, 1, 500, ?, '[[0,499]]', 500)",
      args: [i + 1, `user:u${i}`, path, `u${i}`, T0 + i, T0 + i + 10, SIZE],
    }, {
      sql:
        "INSERT INTO watch_events VALUES (?, ?, ?, ?, 1, '10.0.0.1', 'ua', 206, ?, 0, 499, 1, 500, 500, 10, 0, ?)",
      args: [i + 1, T0 + i, path, `u${i}`, SIZE, i + 1],
    });
  }
  await old.batch(rows);
  old.close();
  const logger = logAt(dir);
  try {
    await logger.flush(); // opens and migrates
    const queries = createWatchLogQueries(await logger.client());
    assert.equal((await queries.listViewings({ limit: 1000 })).total, 30);
    assert.equal((await queries.listEvents({ limit: 1000 })).total, 30);
    const a = (await logger.videoReport("a.mp4"))!;
    assert.deepEqual([a.viewings, a.timedViewings, a.duration, a.retention.length], [20, 0, null, 0]);
    assert.equal((await logger.videoReport("b.mp4"))!.viewings, 10);
    const viewing = (await queries.listViewings({ userId: "u1" })).items[0];
    assert.deepEqual([viewing.coveredBytes, viewing.mediaDuration, viewing.watchedSeconds], [
      500,
      null,
      null,
    ]);
    // new viewings add watch time to the migrated figures
    await logger.logWatchRequest(watch("new", 0, 0, 40, 40_000, "a.mp4"));
    const after = (await logger.videoReport("a.mp4"))!;
    assert.deepEqual([after.viewings, after.timedViewings], [21, 1]);
    near(after.watchedSeconds, 40, "watched");
    const client = await logger.client();
    const version = await (client as unknown as ReturnType<typeof createClient>).execute(
      "SELECT max(version) AS v FROM watch_log_schema",
    );
    assert.equal(Number(version.rows[0].v), WATCH_LOG_SCHEMA_VERSION);
  } finally {
    await logger.close();
    cleanup();
  }
});

test("bad media figures in an entry are ignored: the request counts in bytes only", async () => {
  const { dir, cleanup } = tempDir("watch-time-");
  const logger = logAt(dir);
  try {
    const base = watch("x", 0, 0, 10, 1000);
    for (
      const media of [{ duration: NaN, seconds: [[0, 1]] }, { duration: -5, seconds: [[0, 1]] }, {
        duration: 10,
        seconds: [[5, 2]],
      }, { duration: 10, seconds: "x" }]
    ) {
      await logger.logWatchRequest({ ...base, path: "bad.mp4", media: media as never });
    }
    const { items } = await logger.listViewings({ path: "bad.mp4" });
    assert.equal(items.length, 1);
    assert.equal(items[0].watchedSeconds, null);
    assert.equal(items[0].requestCount, 4);
  } finally {
    await logger.close();
    cleanup();
  }
});
