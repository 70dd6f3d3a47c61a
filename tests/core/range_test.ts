import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRange } from "../../src/core/range.ts";

test("parseRange() reads a closed range exactly", () => {
  assert.deepEqual(parseRange("bytes=0-1", 100), [{ start: 0, end: 1 }]);
  assert.deepEqual(parseRange("bytes=10-19", 100), [{ start: 10, end: 19 }]);
  assert.deepEqual(parseRange("bytes=99-99", 100), [{ start: 99, end: 99 }]);
});

test("parseRange() reads an open-ended range to the end", () => {
  assert.deepEqual(parseRange("bytes=40-", 100), [{ start: 40, end: 99 }]);
  assert.deepEqual(parseRange("bytes=0-", 100), [{ start: 0, end: 99 }]);
});

test("parseRange() reads a suffix range as the last N bytes", () => {
  assert.deepEqual(parseRange("bytes=-10", 100), [{ start: 90, end: 99 }]);
  assert.deepEqual(parseRange("bytes=-500", 100), [{ start: 0, end: 99 }]);
});

test("parseRange() clamps an end past EOF", () => {
  assert.deepEqual(parseRange("bytes=50-1000", 100), [{ start: 50, end: 99 }]);
  assert.deepEqual(parseRange("bytes=0-99999999999999999999999", 100), [{ start: 0, end: 99 }]);
});

test("parseRange() answers unsatisfiable when no range overlaps the file", () => {
  assert.equal(parseRange("bytes=100-", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=100-200", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=200-300,150-", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=99999999999999999999-", 100), "unsatisfiable");
});

test("parseRange() drops unsatisfiable ranges among satisfiable ones", () => {
  assert.deepEqual(parseRange("bytes=200-300, 0-4", 100), [{ start: 0, end: 4 }]);
});

test("parseRange() ignores syntactically invalid headers", () => {
  for (
    const header of [
      "bytes=",
      "bytes=-",
      "bytes=a-b",
      "bytes=5-1",
      "bytes=1-2-3",
      "bytes= 0-1x",
      "bytes=0x10-20",
      "bytes=+1-2",
      "bytes=1.5-2",
      "bytes=0-1;0-2",
      "bytes 0-1",
      "bytes=0--1",
      "bytes=,,",
      "=0-1",
    ]
  ) {
    assert.equal(parseRange(header, 100), null, header);
  }
});

test("parseRange() ignores unknown units and accepts the unit in any case", () => {
  assert.equal(parseRange("items=0-1", 100), null);
  assert.equal(parseRange("bits=0-1", 100), null);
  assert.deepEqual(parseRange("BYTES=0-1", 100), [{ start: 0, end: 1 }]);
});

test("parseRange() ignores a missing or empty header and an empty file", () => {
  assert.equal(parseRange(null, 100), null);
  assert.equal(parseRange(undefined, 100), null);
  assert.equal(parseRange("", 100), null);
  assert.equal(parseRange("bytes=0-1", 0), null);
  assert.equal(parseRange("bytes=-1", 0), null);
});

test("parseRange() accepts whitespace and empty elements in the list", () => {
  assert.deepEqual(parseRange("bytes= 0-1 , 5-6 ,", 100), [{ start: 0, end: 1 }, { start: 5, end: 6 }]);
  assert.deepEqual(parseRange("bytes=,0-1", 100), [{ start: 0, end: 1 }]);
});

test("parseRange() merges overlapping and adjacent ranges and sorts them", () => {
  assert.deepEqual(parseRange("bytes=0-4,5-9", 100), [{ start: 0, end: 9 }]);
  assert.deepEqual(parseRange("bytes=0-10,5-15", 100), [{ start: 0, end: 15 }]);
  assert.deepEqual(parseRange("bytes=50-59,0-9", 100), [{ start: 0, end: 9 }, { start: 50, end: 59 }]);
  assert.deepEqual(parseRange("bytes=20-29,0-4,25-40", 100), [{ start: 0, end: 4 }, { start: 20, end: 40 }]);
  assert.deepEqual(parseRange("bytes=0-0,-1", 100), [{ start: 0, end: 0 }, { start: 99, end: 99 }]);
});

test("parseRange() ignores a header with more ranges than maxRanges", () => {
  const many = "bytes=" + Array.from({ length: 40 }, (_, i) => `${i * 2}-${i * 2}`).join(",");
  assert.equal(parseRange(many, 1000), null);
  assert.equal(parseRange(many, 1000, { maxRanges: 40 })?.length, 40);
  assert.equal(parseRange("bytes=0-0,2-2,4-4", 1000, { maxRanges: 2 }), null);
});

test("parseRange() ignores ranges whose sum exceeds the file size", () => {
  // the amplification guard of Go's net/http: overlapping ranges asking for more than the file
  assert.equal(parseRange("bytes=0-99,0-99", 100), null);
  assert.equal(parseRange("bytes=0-,0-,0-", 100), null);
  assert.deepEqual(parseRange("bytes=0-49,50-99", 100), [{ start: 0, end: 99 }]);
});

test("parseRange() caps open-ended ranges at maxOpenEndedLength only", () => {
  const opts = { maxOpenEndedLength: 10 };
  assert.deepEqual(parseRange("bytes=0-", 100, opts), [{ start: 0, end: 9 }]);
  assert.deepEqual(parseRange("bytes=95-", 100, opts), [{ start: 95, end: 99 }]);
  assert.deepEqual(parseRange("bytes=0-49", 100, opts), [{ start: 0, end: 49 }]);
  assert.deepEqual(parseRange("bytes=-30", 100, opts), [{ start: 70, end: 99 }]);
  assert.deepEqual(parseRange("bytes=0-", 100, { maxOpenEndedLength: 0 }), [{ start: 0, end: 99 }]);
  assert.deepEqual(parseRange("bytes=0-", 100, { maxOpenEndedLength: Infinity }), [{ start: 0, end: 99 }]);
});

test("parseRange() handles offsets past 2^32", () => {
  const size = 5 * 2 ** 30;
  assert.deepEqual(parseRange("bytes=4294967296-4294967305", size), [{ start: 2 ** 32, end: 2 ** 32 + 9 }]);
  assert.deepEqual(parseRange("bytes=-1", size), [{ start: size - 1, end: size - 1 }]);
});
