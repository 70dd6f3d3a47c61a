import { test } from "node:test";
import assert from "node:assert/strict";
import { servedIntervals } from "../../src/core/served_intervals.ts";

test("servedIntervals() cuts a single aborted range to the bytes delivered", () => {
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 100), [[100, 199]]);
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 25), [[100, 124]]);
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 0), []);
});

test("servedIntervals() counts planned ranges when delivery is unknown or multipart", () => {
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], null), [[100, 199]]);
  assert.deepEqual(servedIntervals([{ start: 0, end: 9 }, { start: 20, end: 29 }], 5), [[0, 9], [20, 29]]);
});

test("servedIntervals() counts nothing of an aborted body nobody counted", () => {
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], null, true), []);
  assert.deepEqual(servedIntervals([{ start: 100, end: 199 }], 10, true), [[100, 109]]);
});
