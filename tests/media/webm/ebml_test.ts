import { test } from "node:test";
import assert from "node:assert/strict";
import {
  childElements,
  MatroskaFormatError,
  readElementHeader,
  readFloat,
  readId,
  readString,
  readUint,
  readVint,
} from "../../../src/media/webm/ebml.ts";

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

function throwsFormat(fn: () => unknown, reason = "malformed", pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MatroskaFormatError, String(error));
    assert.equal(error.reason, reason);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

test("readVint() reads every length from 1 to 8 bytes", () => {
  assert.deepEqual(readVint(bytes(0x81), 0, 1), { value: 1, length: 1 });
  assert.deepEqual(readVint(bytes(0x40, 0x02), 0, 2), { value: 2, length: 2 });
  assert.deepEqual(readVint(bytes(0x20, 0x01, 0x00), 0, 3), { value: 256, length: 3 });
  assert.deepEqual(readVint(bytes(0x10, 0, 0, 0xff), 0, 4), { value: 255, length: 4 });
  assert.deepEqual(readVint(bytes(0x08, 1, 0, 0, 0), 0, 5), { value: 2 ** 24, length: 5 });
  assert.deepEqual(readVint(bytes(0x04, 0, 0, 0, 0, 7), 0, 6), { value: 7, length: 6 });
  assert.deepEqual(readVint(bytes(0x02, 0, 0, 0, 0, 0, 9), 0, 7), { value: 9, length: 7 });
  assert.deepEqual(readVint(bytes(0x01, 0, 0, 0, 0, 0, 1, 0), 0, 8), { value: 256, length: 8 });
});

test("readVint() reads all value bits set as an unknown size, at any length", () => {
  assert.deepEqual(readVint(bytes(0xff), 0, 1), { value: null, length: 1 });
  assert.deepEqual(readVint(bytes(0x7f, 0xff), 0, 2), { value: null, length: 2 });
  assert.deepEqual(readVint(bytes(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0, 8), {
    value: null,
    length: 8,
  });
  // One bit short of all ones is a size.
  assert.deepEqual(readVint(bytes(0x7f, 0xfe), 0, 2), { value: 0x3ffe, length: 2 });
});

test("readVint() refuses a first byte of 0 and a VINT cut short", () => {
  throwsFormat(() => readVint(bytes(0x00, 1, 2, 3, 4, 5, 6, 7, 8), 0, 9), "malformed", /longer than 8 bytes/);
  throwsFormat(() => readVint(bytes(0x10, 0), 0, 2), "malformed", /truncated/);
  throwsFormat(() => readVint(bytes(), 0, 0), "malformed", /truncated/);
  // The end given wins over the buffer's length.
  throwsFormat(() => readVint(bytes(0x40, 1), 0, 1), "malformed", /truncated/);
});

test("readId() keeps the marker, allows 1 to 4 bytes and refuses reserved IDs", () => {
  assert.deepEqual(readId(bytes(0x1a, 0x45, 0xdf, 0xa3), 0, 4), { id: 0x1a45dfa3, length: 4 });
  assert.deepEqual(readId(bytes(0xec), 0, 1), { id: 0xec, length: 1 });
  assert.deepEqual(readId(bytes(0x42, 0x86), 0, 2), { id: 0x4286, length: 2 });
  throwsFormat(() => readId(bytes(0x08, 1, 2, 3, 4), 0, 5), "malformed", /longer than 4/);
  throwsFormat(() => readId(bytes(0x00), 0, 1), "malformed", /longer than 4/);
  throwsFormat(() => readId(bytes(0x80), 0, 1), "malformed", /reserved/);
  throwsFormat(() => readId(bytes(0xff), 0, 1), "malformed", /reserved/);
  throwsFormat(() => readId(bytes(0x1f, 0xff, 0xff, 0xff), 0, 4), "malformed", /reserved/);
  throwsFormat(() => readId(bytes(0x1a, 0x45), 0, 2), "malformed", /truncated/);
});

test("readElementHeader() reads ID, size and header length; huge sizes stay huge", () => {
  assert.deepEqual(readElementHeader(bytes(0x18, 0x53, 0x80, 0x67, 0x01, 0, 0, 0, 0, 0, 0x12, 0x34), 0, 12), {
    id: 0x18538067,
    offset: 0,
    headerSize: 12,
    size: 0x1234,
  });
  const huge = readElementHeader(bytes(0xa3, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), 0, 9);
  assert.ok(huge.size! > Number.MAX_SAFE_INTEGER);
});

test("childElements() lists children and refuses one past its parent or of unknown size", () => {
  const data = bytes(0x81, 0x81, 0x07, 0x82, 0x80, 0x83, 0x82, 0x61, 0x62);
  assert.deepEqual([...childElements(data, 0, data.length)].map((e) => [e.id, e.dataStart, e.dataEnd]), [
    [0x81, 2, 3],
    [0x82, 5, 5],
    [0x83, 7, 9],
  ]);
  throwsFormat(() => [...childElements(data, 0, 8)], "malformed", /runs past its parent/);
  throwsFormat(() => [...childElements(bytes(0x81, 0xff), 0, 2)], "malformed", /unknown size/);
  throwsFormat(
    () => [...childElements(bytes(0x08, 0x01, 0x00, 0x00, 0x00), 0, 5)],
    "malformed",
    /longer than 4/,
  );
});

test("readUint(), readFloat() and readString() check lengths", () => {
  const el = (data: Uint8Array) => ({ id: 0x81, offset: 0, dataStart: 0, dataEnd: data.length });
  const nine = bytes(1, 2, 3, 4, 5, 6, 7, 8, 9);
  assert.equal(readUint(bytes(), el(bytes())), 0);
  assert.equal(readUint(bytes(1, 0), el(bytes(1, 0))), 256);
  throwsFormat(() => readUint(nine, el(nine)), "malformed", /9 bytes/);
  const big = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  throwsFormat(() => readUint(big, el(big)), "malformed", /too large/);
  const f32 = new Uint8Array(4);
  new DataView(f32.buffer).setFloat32(0, 1.5);
  assert.equal(readFloat(f32, el(f32)), 1.5);
  const f64 = new Uint8Array(8);
  new DataView(f64.buffer).setFloat64(0, 10008);
  assert.equal(readFloat(f64, el(f64)), 10008);
  assert.equal(readFloat(bytes(), el(bytes())), 0);
  throwsFormat(() => readFloat(bytes(1, 2, 3), el(bytes(1, 2, 3))), "malformed", /3 bytes/);
  const padded = bytes(0x77, 0x65, 0x62, 0x6d, 0, 0);
  assert.equal(readString(padded, el(padded)), "webm");
});
