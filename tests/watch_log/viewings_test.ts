import { test } from "node:test";
import assert from "node:assert/strict";
import { coveredBytes, mergeIntervals, servedIntervals, viewerKey } from "../../src/watch_log/viewings.ts";

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

test("servedIntervals() cuts a single aborted range to the bytes delivered", () => {
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 100), [[100, 199]]);
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 25), [[100, 124]]);
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 0), []);
});

test("servedIntervals() counts planned ranges when delivery is unknown or multipart", () => {
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], null), [[100, 199]]);
  assert.deepEqual(servedIntervals([{ start: 0, end: 9 }, { start: 20, end: 29 }], 5), [[0, 9], [20, 29]]);
});

test("viewerKey() is the user when known, else address and user agent", () => {
  assert.equal(viewerKey("7", "1.2.3.4", "ua"), "user:7");
  assert.equal(viewerKey(null, "1.2.3.4", "ua"), "anon:1.2.3.4 ua");
  assert.notEqual(viewerKey(null, "1.2.3.4", "ua"), viewerKey(null, "1.2.3.4", "other"));
});
