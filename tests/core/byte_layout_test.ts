import { test } from "node:test";
import assert from "node:assert/strict";
import { type ByteLayout, layoutFits, layoutParts } from "../../src/core/byte_layout.ts";
import { concatBytes } from "../../src/core/bytes.ts";
import { patternBytes, seededRandom } from "../_fixtures.ts";

/** The layout's bytes, built whole: what the parts must add up to. */
function materialise(layout: ByteLayout, file: Uint8Array): Uint8Array {
  return concatBytes([
    layout.header,
    ...layout.pieces.map((p) => file.subarray(p.offset, p.offset + p.length)),
  ]);
}

function partsBytes(parts: ReturnType<typeof layoutParts>, file: Uint8Array): Uint8Array {
  return concatBytes(
    parts.map((p) => p.kind === "bytes" ? p.bytes : file.subarray(p.range.start, p.range.end + 1)),
  );
}

test("layoutParts(): for 2,000 seeded layouts and ranges, the parts are exactly the layout's bytes", () => {
  const file = patternBytes(10_000, 5);
  for (let seed = 1; seed <= 2000; seed++) {
    const next = seededRandom(seed);
    const int = (n: number) => Math.floor(next() * n);
    const pieces = Array.from({ length: int(4) }, () => {
      const offset = int(9000);
      return { offset, length: int(Math.min(800, 10_000 - offset)) };
    });
    const header = patternBytes(int(300), seed);
    const size = header.length + pieces.reduce((sum, p) => sum + p.length, 0);
    if (size === 0) continue;
    const layout: ByteLayout = { header, pieces, size, variant: "t" };
    assert.equal(layoutFits(layout, file.length), true, `seed ${seed}`);
    const start = int(size);
    const end = start + int(size - start);
    const parts = layoutParts(layout, { start, end });
    assert.deepEqual(
      partsBytes(parts, file),
      materialise(layout, file).subarray(start, end + 1),
      `seed ${seed}`,
    );
    assert.ok(
      parts.every((p) => p.kind === "bytes" ? p.bytes.length > 0 : p.range.end >= p.range.start),
      `seed ${seed}`,
    );
  }
});

test("layoutParts(): a range inside one piece is a single file range", () => {
  const layout: ByteLayout = {
    header: new Uint8Array(100),
    pieces: [{ offset: 1000, length: 500 }, { offset: 0, length: 50 }],
    size: 650,
    variant: "v",
  };
  assert.deepEqual(layoutParts(layout, { start: 150, end: 199 }), [{
    kind: "file",
    range: { start: 1050, end: 1099 },
  }]);
  assert.deepEqual(layoutParts(layout, { start: 600, end: 10_000 }), [{
    kind: "file",
    range: { start: 0, end: 49 },
  }]);
});

test("layoutFits(): refuses a wrong size, pieces past the file, negative or fractional figures", () => {
  const ok: ByteLayout = {
    header: new Uint8Array(2),
    pieces: [{ offset: 5, length: 5 }],
    size: 7,
    variant: "v",
  };
  assert.equal(layoutFits(ok, 10), true);
  assert.equal(layoutFits({ ...ok, size: 8 }, 10), false);
  assert.equal(layoutFits(ok, 9), false);
  assert.equal(layoutFits({ ...ok, pieces: [{ offset: -1, length: 5 }], size: 7 }, 10), false);
  assert.equal(layoutFits({ ...ok, pieces: [{ offset: 0.5, length: 5 }], size: 7 }, 10), false);
});
