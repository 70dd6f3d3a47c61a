import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluatePreconditions, fileETag, parseHttpDate } from "../../src/core/conditional.ts";

const modified = new Date("2024-03-10T12:00:00.750Z");
const validators = { etag: '"abc"', lastModified: modified };
const HTTP_DATE = "Sun, 10 Mar 2024 12:00:00 GMT"; // modified, at HTTP-date resolution
const EARLIER = "Sun, 10 Mar 2024 11:59:59 GMT";
const LATER = "Sun, 10 Mar 2024 12:00:01 GMT";

function evaluate(headers: Record<string, string>) {
  return evaluatePreconditions(new Headers(headers), validators);
}

test("fileETag() is strong and changes with size and mtime", () => {
  const a = fileETag({ size: 10, mtime: new Date(1000) });
  assert.match(a, /^"[^"]+"$/);
  assert.notEqual(a, fileETag({ size: 11, mtime: new Date(1000) }));
  assert.notEqual(a, fileETag({ size: 10, mtime: new Date(1001) }));
  assert.equal(a, fileETag({ size: 10, mtime: new Date(1000) }));
  assert.match(fileETag({ size: 10, mtime: null }), /^"[^"]+"$/);
});

test("parseHttpDate() accepts the three HTTP-date formats", () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994"), expected);
});

test("parseHttpDate() rejects what is not an HTTP-date", () => {
  for (
    const value of [
      "",
      "1",
      "yesterday",
      "2024-03-10T12:00:00Z",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 06 Foo 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 25:49:37 GMT",
    ]
  ) {
    assert.equal(parseHttpDate(value), null, value);
  }
  assert.equal(parseHttpDate(null), null);
});

test("evaluatePreconditions() proceeds without conditional headers", () => {
  assert.equal(evaluate({}), "proceed");
});

test("evaluatePreconditions() answers 412 when If-Match does not match strongly", () => {
  assert.equal(evaluate({ "if-match": '"abc"' }), "proceed");
  assert.equal(evaluate({ "if-match": '"x", "abc"' }), "proceed");
  assert.equal(evaluate({ "if-match": "*" }), "proceed");
  assert.equal(evaluate({ "if-match": '"x"' }), 412);
  assert.equal(evaluate({ "if-match": 'W/"abc"' }), 412);
  assert.equal(evaluate({ "if-match": "garbage" }), 412);
});

test("evaluatePreconditions() answers 412 when modified after If-Unmodified-Since", () => {
  assert.equal(evaluate({ "if-unmodified-since": EARLIER }), 412);
  assert.equal(evaluate({ "if-unmodified-since": HTTP_DATE }), "proceed");
  assert.equal(evaluate({ "if-unmodified-since": LATER }), "proceed");
  assert.equal(evaluate({ "if-unmodified-since": "not a date" }), "proceed");
});

test("evaluatePreconditions() ignores If-Unmodified-Since when If-Match is present", () => {
  assert.equal(evaluate({ "if-match": '"abc"', "if-unmodified-since": EARLIER }), "proceed");
});

test("evaluatePreconditions() answers 304 when If-None-Match matches weakly", () => {
  assert.equal(evaluate({ "if-none-match": '"abc"' }), 304);
  assert.equal(evaluate({ "if-none-match": 'W/"abc"' }), 304);
  assert.equal(evaluate({ "if-none-match": '"x", W/"abc"' }), 304);
  assert.equal(evaluate({ "if-none-match": "*" }), 304);
  assert.equal(evaluate({ "if-none-match": '"x"' }), "proceed");
  assert.equal(evaluate({ "if-none-match": "garbage" }), "proceed");
});

test("evaluatePreconditions() answers 304 when not modified since If-Modified-Since", () => {
  assert.equal(evaluate({ "if-modified-since": HTTP_DATE }), 304);
  assert.equal(evaluate({ "if-modified-since": LATER }), 304);
  assert.equal(evaluate({ "if-modified-since": EARLIER }), "proceed");
  assert.equal(evaluate({ "if-modified-since": "garbage" }), "proceed");
});

test("evaluatePreconditions() lets If-None-Match override If-Modified-Since", () => {
  assert.equal(evaluate({ "if-none-match": '"x"', "if-modified-since": LATER }), "proceed");
});

test("evaluatePreconditions() checks If-Match before If-None-Match", () => {
  assert.equal(evaluate({ "if-match": '"x"', "if-none-match": '"abc"' }), 412);
});

test("evaluatePreconditions() honours If-Range only with a strong ETag or the exact date", () => {
  const range = { range: "bytes=0-1" };
  assert.equal(evaluate({ ...range, "if-range": '"abc"' }), "proceed");
  assert.equal(evaluate({ ...range, "if-range": '"x"' }), "ignore-range");
  assert.equal(evaluate({ ...range, "if-range": 'W/"abc"' }), "ignore-range");
  assert.equal(evaluate({ ...range, "if-range": HTTP_DATE }), "proceed");
  assert.equal(evaluate({ ...range, "if-range": LATER }), "ignore-range");
  assert.equal(evaluate({ ...range, "if-range": EARLIER }), "ignore-range");
  assert.equal(evaluate({ ...range, "if-range": "garbage" }), "ignore-range");
  // without a Range header, If-Range means nothing
  assert.equal(evaluate({ "if-range": '"x"' }), "proceed");
});

test("evaluatePreconditions() ignores date conditions when Last-Modified is unknown", () => {
  const headers = new Headers({ "if-modified-since": LATER, "if-unmodified-since": EARLIER });
  assert.equal(evaluatePreconditions(headers, { etag: '"abc"', lastModified: null }), "proceed");
});
