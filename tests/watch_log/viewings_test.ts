import { test } from "node:test";
import assert from "node:assert/strict";
import { addInterval, coveredBytes, mergeIntervals, viewerKey } from "../../src/watch_log/viewings.ts";

test("mergeIntervals() unions overlapping and touching intervals, in any order", () => {
  assert.deepEqual(mergeIntervals([[50, 60], [0, 9], [10, 19], [15, 30], [62, 70]]), [[0, 30], [50, 60], [
    62,
    70,
  ]]);
  assert.deepEqual(mergeIntervals([[0, 99], [10, 20]]), [[0, 99]]);
  assert.deepEqual(mergeIntervals([]), []);
});

test("coveredBytes() counts each byte once, not the sum of the ranges", () => {
  const union = mergeIntervals([[0, 99], [0, 99], [50, 149]]);
  assert.deepEqual(union, [[0, 149]]);
  assert.equal(coveredBytes(union), 150);
});

test("viewerKey() is the user when known, else address and user agent", () => {
  assert.equal(viewerKey("7", "1.2.3.4", "ua"), "user:7");
  assert.equal(viewerKey(null, "1.2.3.4", "ua"), "anon:1.2.3.4 ua");
  assert.notEqual(viewerKey(null, "1.2.3.4", "ua"), viewerKey(null, "1.2.3.4", "other"));
});

test("addInterval() gives what mergeIntervals() gives, for 2,000 seeded random additions", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const merged: [number, number][] = [];
  const all: [number, number][] = [];
  for (let i = 0; i < 2000; i++) {
    const start = Math.floor(rnd() * 100_000);
    const interval: [number, number] = [start, start + Math.floor(rnd() * 300) - 5];
    all.push(interval);
    addInterval(merged, [interval[0], interval[1]]);
    if (i % 97 === 0) assert.deepEqual(merged, mergeIntervals(all), `after ${i + 1} additions`);
  }
  assert.deepEqual(merged, mergeIntervals(all));
  assert.deepEqual(addInterval([[0, 9], [20, 29]], [10, 19]), [[0, 29]]);
  assert.deepEqual(addInterval([[0, 9], [20, 29]], [11, 18]), [[0, 9], [11, 18], [20, 29]]);
  assert.deepEqual(addInterval([[5, 9]], [0, 3]), [[0, 3], [5, 9]]);
  assert.deepEqual(addInterval([[5, 9]], [0, 4]), [[0, 9]]);
  assert.deepEqual(addInterval([[5, 9]], [3, 2]), [[5, 9]], "empty intervals are ignored");
});
