import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { tempDir } from "../_fixtures.ts";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import { createWatchLogQueries } from "../../src/watch_log/queries.ts";

function assertNear(actual: number | null, expected: number): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
}

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);

/** A log with known rows: 2 users and 1 anonymous viewer over three days. */
async function seeded(): Promise<{ url: string; cleanup: () => void }> {
  const { dir, cleanup } = tempDir("watch-log-q-");
  const url = `file:${join(dir, "log.db")}`;
  const logger = createWatchLogger({ url });
  const size = 1000;
  const at = (ms: number) => new Date(ms);
  // alice watches movie.mp4 fully in one viewing (two requests, 1 s apart) on day 0
  await logger.logWatchRequest({
    path: "/v/movie.mp4",
    userId: "alice",
    at: at(T0),
    size,
    ranges: [{ start: 0, end: 499 }],
  });
  await logger.logWatchRequest({
    path: "/v/movie.mp4",
    userId: "alice",
    at: at(T0 + 1000),
    size,
    ranges: [{ start: 500, end: 999 }],
  });
  // bob watches the first half of movie.mp4 twice (same bytes) on day 1, and trailer.mp4 once
  await logger.logWatchRequest({
    path: "/v/movie.mp4",
    userId: "bob",
    at: at(T0 + DAY),
    size,
    ranges: [{ start: 0, end: 499 }],
  });
  await logger.logWatchRequest({
    path: "/v/movie.mp4",
    userId: "bob",
    at: at(T0 + DAY + 500),
    size,
    ranges: [{ start: 0, end: 499 }],
  });
  await logger.logWatchRequest({
    path: "/v/Trailer.mp4",
    userId: "bob",
    at: at(T0 + DAY + 2000),
    size: 100,
    ranges: [{ start: 0, end: 9 }],
  });
  // an anonymous viewer on day 2
  await logger.logWatchRequest({
    path: "/v/movie.mp4",
    clientIp: "10.0.0.9",
    userAgent: "curl/8",
    at: at(T0 + 2 * DAY),
    size,
    ranges: [{ start: 900, end: 999 }],
  });
  await logger.close();
  return { url, cleanup };
}

test("listViewings() filters by authenticated, user, path substring and date range", async () => {
  const { url, cleanup } = await seeded();
  const client = createClient({ url });
  try {
    const q = createWatchLogQueries(client);
    const all = await q.listViewings();
    assert.equal(all.total, 4);
    assert.deepEqual(all.items.map((v) => [v.userId, v.path]), [
      [null, "/v/movie.mp4"],
      ["bob", "/v/Trailer.mp4"],
      ["bob", "/v/movie.mp4"],
      ["alice", "/v/movie.mp4"],
    ]);
    assert.equal((await q.listViewings({ authenticated: false })).items[0].clientIp, "10.0.0.9");
    assert.equal((await q.listViewings({ authenticated: true })).total, 3);
    assert.equal((await q.listViewings({ userId: "bob" })).total, 2);
    assert.deepEqual((await q.listViewings({ path: "trailer" })).items.map((v) => v.path), [
      "/v/Trailer.mp4",
    ]);
    const day1 = await q.listViewings({ from: new Date(T0 + DAY - 1), to: T0 + DAY + 10_000 });
    assert.deepEqual(day1.items.map((v) => v.path).sort(), ["/v/Trailer.mp4", "/v/movie.mp4"]);
  } finally {
    client.close();
    cleanup();
  }
});

test("listViewings() reports request counts, bytes and the share covered as a union", async () => {
  const { url, cleanup } = await seeded();
  const client = createClient({ url });
  try {
    const q = createWatchLogQueries(client);
    const [alice] = (await q.listViewings({ userId: "alice" })).items;
    assert.equal(alice.requestCount, 2);
    assert.equal(alice.bytes, 1000);
    assert.deepEqual(alice.coverage, [[0, 999]]);
    assert.equal(alice.watchedShare, 1);
    assert.equal(alice.firstSeen.getTime(), T0);
    assert.equal(alice.lastSeen.getTime(), T0 + 1000);
    const [bob] = (await q.listViewings({ userId: "bob", path: "movie" })).items;
    assert.equal(bob.requestCount, 2);
    assert.equal(bob.bytes, 1000); // sent twice
    assert.equal(bob.coveredBytes, 500); // but the same half
    assert.equal(bob.watchedShare, 0.5);
    const sorted = await q.listViewings({ sort: "watchedShare", order: "asc" });
    assert.deepEqual(sorted.items.map((v) => v.watchedShare), [0.1, 0.1, 0.5, 1]);
    assert.deepEqual(await q.getViewing(alice.id), alice);
    assert.equal(await q.getViewing(99999), null);
  } finally {
    client.close();
    cleanup();
  }
});

test("listEvents() pages with limit/offset and a total, and filters by viewing", async () => {
  const { url, cleanup } = await seeded();
  const q = createWatchLogQueries({ url });
  try {
    const page1 = await q.listEvents({ limit: 4, offset: 0, sort: "startedAt", order: "asc" });
    const page2 = await q.listEvents({ limit: 4, offset: 4, sort: "startedAt", order: "asc" });
    assert.equal(page1.total, 6);
    assert.equal(page2.total, 6);
    assert.equal(page1.items.length, 4);
    assert.equal(page2.items.length, 2);
    const times = [...page1.items, ...page2.items].map((e) => e.startedAt.getTime() - T0);
    assert.deepEqual(times, [0, 1000, DAY, DAY + 500, DAY + 2000, 2 * DAY]);
    const first = page1.items[0];
    assert.equal(first.path, "/v/movie.mp4");
    assert.equal(first.userId, "alice");
    assert.equal(first.authenticated, true);
    assert.equal(first.status, 200);
    assert.equal(first.rangeStart, 0);
    assert.equal(first.rangeEnd, 499);
    assert.equal(first.bytesPlanned, 500);
    const ofViewing = await q.listEvents({ viewingId: first.viewingId! });
    assert.deepEqual(ofViewing.items.map((e) => e.startedAt.getTime() - T0), [1000, 0]);
    assert.equal((await q.listEvents({ authenticated: false })).items[0].userAgent, "curl/8");
    assert.equal((await q.listEvents({ from: T0 + 2 * DAY })).total, 1);
  } finally {
    cleanup();
  }
});

test("summary() counts views per day, top videos, unique viewers and bytes", async () => {
  const { url, cleanup } = await seeded();
  const client = createClient({ url });
  try {
    const s = await createWatchLogQueries(client).summary();
    assert.equal(s.viewings, 4);
    assert.equal(s.requests, 6);
    assert.equal(s.uniqueViewers, 3);
    assert.equal(s.uniqueUsers, 2);
    assert.equal(s.bytes, 500 + 500 + 500 + 500 + 10 + 100);
    assertNear(s.averageWatchedShare, (1 + 0.5 + 0.1 + 0.1) / 4);
    assert.deepEqual(s.viewsPerDay, [
      // logged without media seconds: bytes only, no watch time
      { day: "2024-01-10", viewings: 1, uniqueViewers: 1, bytes: 1000, watchedSeconds: 0 },
      { day: "2024-01-11", viewings: 2, uniqueViewers: 1, bytes: 1010, watchedSeconds: 0 },
      { day: "2024-01-12", viewings: 1, uniqueViewers: 1, bytes: 100, watchedSeconds: 0 },
    ]);
    const { averageWatchedShare, ...top } = s.topVideos[0];
    assert.deepEqual(top, {
      path: "/v/movie.mp4",
      viewings: 3,
      uniqueViewers: 3,
      bytes: 2100,
      watchedSeconds: 0,
      completionRate: null,
    });
    assertNear(averageWatchedShare, (1 + 0.5 + 0.1) / 3);
    assert.equal(s.topVideos[1].path, "/v/Trailer.mp4");
    const anon = await createWatchLogQueries(client).summary({ authenticated: false, topLimit: 1 });
    assert.equal(anon.viewings, 1);
    assert.equal(anon.uniqueUsers, 0);
    assert.equal(anon.topVideos.length, 1);
  } finally {
    client.close();
    cleanup();
  }
});

test("the queries reject bad paging options with RangeError/TypeError", async () => {
  const q = createWatchLogQueries({ url: ":memory:" });
  await assert.rejects(q.listEvents({ limit: 0 }), RangeError);
  await assert.rejects(q.listViewings({ offset: -1 }), RangeError);
  await assert.rejects(q.listViewings({ sort: "nope" as "path" }), TypeError);
  await assert.rejects(q.listEvents({ from: new Date("x") }), TypeError);
  assert.equal((await q.listViewings()).total, 0);
});
