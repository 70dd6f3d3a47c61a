import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addTimedRequest,
  COMPLETION_POINT,
  contributionOf,
  emptyViewingTime,
  parseViewingTime,
  reachedSeconds,
  RETENTION_PARTS,
  type ViewingTime,
} from "../../src/watch_log/watch_time.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z");

/** A request covering `seconds` of a `duration`-second video, from `at` s to `until` s of wall time. */
function request(duration: number, seconds: [number, number][], at: number, until: number) {
  return { duration, seconds, startedAt: T0 + at * 1000, endedAt: T0 + until * 1000 };
}

function viewing(duration: number, requests: [[number, number][], number, number][]): ViewingTime {
  const time = emptyViewingTime(duration);
  for (const [seconds, at, until] of requests) addTimedRequest(time, request(duration, seconds, at, until));
  return time;
}

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, expected ${expected}`);
}

test("a player that fetched the whole film ahead reached only what the wall clock allows", () => {
  // Chromium on a fast link: the first answer covers 33 s of a 60 s film in 50 ms, the rest is
  // read ahead at 16.7 s; at 24 s the viewer seeks to 48 s and leaves.
  const time = viewing(60, [
    [[[0, 33]], 0, 0.05],
    [[[33, 60]], 16.7, 16.72],
    [[[48, 60]], 24, 24.01],
  ]);
  const c = contributionOf(time);
  near(c.bufferedSeconds, 60, "buffered");
  assert.deepEqual(reachedSeconds(time).map(([s, e]) => [s, Math.round(e * 100) / 100]), [[0, 24], [
    48,
    48.01,
  ]]);
  near(c.watchedSeconds, 24.01, "watched");
  assert.equal(c.seeks, 1);
  assert.equal(c.completed, false);
  near(c.lastPosition, 48.01, "last position");
  // parts 0..39 reached (their middles are below 24 s), 40..79 not: the gap
  assert.deepEqual([...c.reached.slice(0, 40)], new Array(40).fill(1));
  assert.deepEqual([...c.reached.slice(40, 80)], new Array(40).fill(0));
  assert.equal(c.seekParts[80], 1);
  assert.equal(c.seekParts.reduce((a, b) => a + b, 0), 1);
});

test("a request cut short when the viewer left bounds the run by how long it was open", () => {
  const time = viewing(100, [[[[0, 50]], 0, 40]]);
  near(contributionOf(time).watchedSeconds, 40, "watched");
  near(contributionOf(time).bufferedSeconds, 50, "buffered");
});

test("requests that continue where the bytes ended, or near the playhead, are one run", () => {
  const time = viewing(100, [
    [[[0, 10]], 0, 10],
    [[[10, 20]], 10, 20], // reads ahead from the end of the bytes
    [[[19.5, 30]], 20, 30], // re-asks near the playhead after a cut
  ]);
  const c = contributionOf(time);
  assert.equal(c.seeks, 0);
  near(c.watchedSeconds, 30, "watched");
});

test("a jump back before the run, or ahead of where the playhead can be, is a seek", () => {
  const back = contributionOf(viewing(100, [[[[30, 40]], 0, 10], [[[5, 15]], 10, 20]]));
  assert.equal(back.seeks, 1);
  assert.equal(back.seekParts[5], 1);
  near(back.watchedSeconds, 20, "watched");
  const ahead = contributionOf(viewing(100, [[[[0, 90]], 0, 1], [[[70, 90]], 5, 6]]));
  assert.equal(ahead.seeks, 1);
  near(ahead.watchedSeconds, 5 + 1, "watched");
});

test("requests arriving out of order give the figures of their start order", () => {
  const inOrder = viewing(60, [[[[0, 30]], 0, 24], [[[48, 60]], 24, 27]]);
  const reversed = viewing(60, [[[[48, 60]], 24, 27], [[[0, 30]], 0, 24]]);
  assert.deepEqual(contributionOf(reversed), contributionOf(inOrder));
});

test("a viewing that reached 95 % of the film completed it", () => {
  const full = contributionOf(viewing(100, [[[[0, 100]], 0, 100]]));
  assert.equal(full.completed, true);
  assert.equal(full.reached.reduce((a, b) => a + b, 0), RETENTION_PARTS);
  const short = contributionOf(viewing(100, [[[[0, 100]], 0, COMPLETION_POINT * 100 - 1]]));
  assert.equal(short.completed, false);
});

test("thousands of requests keep the viewing's state bounded and its figures exact", () => {
  // a two-hour film fetched in 2,000 sequential pieces, 3.6 s of media each, played through
  const duration = 7200;
  const time = emptyViewingTime(duration);
  for (let i = 0; i < 2000; i++) {
    addTimedRequest(time, request(duration, [[i * 3.6, (i + 1) * 3.6]], i * 3.6, (i + 1) * 3.6));
  }
  assert.ok(time.responses.length <= 1000, `${time.responses.length} responses kept`);
  const c = contributionOf(time);
  near(c.watchedSeconds, duration, "watched");
  assert.equal(c.seeks, 0);
  assert.equal(c.completed, true);
});

test("hundreds of seeks fold the oldest runs without changing the figures", () => {
  const duration = 3600;
  const seeks: [[number, number][], number, number][] = [];
  for (let i = 0; i < 1500; i++) {
    const at = (i * 7919) % 3500; // jumps all over the film, 2 s watched each
    seeks.push([[[at, at + 2]], i * 2, i * 2 + 2]);
  }
  const time = viewing(duration, seeks);
  assert.ok(time.responses.length <= 1000);
  assert.ok(time.foldedRuns > 0, "old runs were folded");
  const c = contributionOf(time);
  assert.equal(c.seeks, 1499);
  assert.equal(c.seekParts.reduce((a, b) => a + b, 0), 1499);
  // each run reached its 2 s: the union of the windows, each second once
  const covered = new Set<number>();
  for (const [[[start]]] of seeks) for (let t = start; t < start + 2; t++) covered.add(t);
  near(c.watchedSeconds, covered.size, "watched");
});

test("a stored viewing time reads back as it was; a damaged one reads as none", () => {
  const time = viewing(60, [[[[0, 30]], 0, 24], [[[48, 60]], 24, 27]]);
  const back = parseViewingTime(JSON.stringify(time));
  assert.deepEqual(back, time);
  assert.deepEqual(contributionOf(back!), contributionOf(time));
  assert.equal(parseViewingTime("{not json"), null);
  assert.equal(parseViewingTime(JSON.stringify({ duration: -1, responses: [], buffered: [] })), null);
  assert.equal(parseViewingTime(null), null);
});
