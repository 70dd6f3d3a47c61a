import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { memorySource } from "../../../src/media/file_source.ts";
import { planMp4Clip, planMp4FastStart, readMp4Index } from "../../../src/media/mp4/mod.ts";
import { sample } from "./_samples.ts";
import { seededRandom } from "../../_fixtures.ts";

const TYPES = new Set(
  "ftyp moov mvhd trak tkhd edts elst mdia mdhd hdlr minf stbl stsd avc1 avcC mp4a esds stts ctts stss stsc stsz stco mdat udta free"
    .split(" "),
);

/** Offsets of the size fields of the boxes found by their four-character codes. */
function boxOffsets(bytes: Uint8Array): number[] {
  const found: number[] = [];
  for (let i = 4; i + 4 <= bytes.length; i++) {
    const type = String.fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]);
    if (TYPES.has(type)) found.push(i - 4);
  }
  return found;
}

const SIZES = [0, 1, 7, 8, 9, 0x7fffffff, 0xffffffff, 0x10000, 16];

function mutate(original: Uint8Array, boxes: number[], random: () => number): Uint8Array {
  let bytes = original.slice();
  const pick = (n: number) => Math.floor(random() * n);
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const steps = 1 + pick(3);
  for (let step = 0; step < steps; step++) {
    const at = boxes[pick(boxes.length)];
    switch (pick(7)) {
      case 0: // flip bytes, mostly in the boxes' heads where counts and sizes are
        for (let i = 0, n = 1 + pick(8); i < n; i++) {
          const where = Math.min(bytes.length - 1, at + pick(64));
          bytes[where] ^= 1 + pick(255);
        }
        break;
      case 1: // a hostile box size
        if (at + 4 <= bytes.length) view().setUint32(at, SIZES[pick(SIZES.length)]);
        break;
      case 2: // a size off by a little
        if (at + 4 <= bytes.length) view().setUint32(at, Math.max(0, view().getUint32(at) + pick(33) - 16));
        break;
      case 3: // a hostile count right after a full box header
        if (at + 16 <= bytes.length) {
          view().setUint32(at + 12 + 4 * pick(2), [0, 1, 0xffffffff, 0x10000000][pick(4)]);
        }
        break;
      case 4: // truncate
        bytes = bytes.subarray(0, pick(bytes.length));
        break;
      case 5: { // duplicate a box in place (its parents' sizes now disagree)
        if (at + 8 > bytes.length) break;
        const size = Math.min(view().getUint32(at), bytes.length - at, 4096);
        const copy = new Uint8Array(bytes.length + size);
        copy.set(bytes.subarray(0, at + size));
        copy.set(bytes.subarray(at, at + size), at + size);
        copy.set(bytes.subarray(at + size), at + 2 * size);
        bytes = copy;
        break;
      }
      default: // random bytes anywhere
        for (let i = 0, n = 1 + pick(16); i < n; i++) bytes[pick(bytes.length)] = pick(256);
    }
  }
  return bytes;
}

const REASONS = ["malformed", "not-media", "unsupported", "too-large"];

for (const name of ["tiny", "tinyMoovEnd"] as const) {
  test(
    `mutated ${name} files give a clean result, never an exception or a hang`,
    { timeout: 120_000 },
    async () => {
      const original = new Uint8Array(readFileSync(await sample(name)));
      const boxes = boxOffsets(original);
      const random = seededRandom(name === "tiny" ? 0x5eed : 0xbeef);
      let ok = 0;
      for (let iteration = 0; iteration < 5000; iteration++) {
        const bytes = mutate(original, boxes, random);
        const started = performance.now();
        const result = await readMp4Index(memorySource(bytes));
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 2000, `iteration ${iteration} took ${elapsed} ms`);
        if (!result.ok) {
          assert.ok(REASONS.includes(result.reason), `iteration ${iteration}: ${result.reason}`);
          assert.equal(typeof result.message, "string");
          assert.doesNotMatch(result.message, /unexpected/, `iteration ${iteration}: ${result.message}`);
          continue;
        }
        ok++;
        const duration = result.index.duration;
        for (
          const span of [{}, { start: random() * duration, end: random() * duration * 1.5 }, {
            start: duration / 2,
          }]
        ) {
          const plan = planMp4Clip(result.movie, span);
          if (plan.ok) {
            assert.equal(
              plan.size,
              plan.header.length + plan.pieces.reduce((sum, piece) => sum + piece.length, 0),
            );
            for (const piece of plan.pieces) {
              assert.ok(piece.offset >= 0 && piece.offset + piece.length <= bytes.length);
            }
          }
        }
        const fast = planMp4FastStart(result.movie);
        if (fast?.ok) assert.ok(fast.pieces.every((piece) => piece.offset + piece.length <= bytes.length));
      }
      // Some mutations leave a readable file (a flipped byte in a name or a sample size).
      assert.ok(ok > 50, `${ok} readable`);
    },
  );
}
