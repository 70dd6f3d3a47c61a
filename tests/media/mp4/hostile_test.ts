import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { memorySource } from "../../../src/media/file_source.ts";
import { box, ByteWriter } from "../../../src/media/mp4/box_writer.ts";
import { readMp4Index, type ReadMp4Options } from "../../../src/media/mp4/mod.ts";
import type { ByteSource } from "../../../src/media/types.ts";
import { sample } from "./_samples.ts";

const tiny = async (): Promise<Uint8Array> => new Uint8Array(readFileSync(await sample("tiny")));

/** Offset of the first box of `type` (its size field), searched as a four-character code. */
function boxAt(bytes: Uint8Array, type: string, from = 0): number {
  for (let i = from + 4; i + 4 <= bytes.length; i++) {
    if (String.fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]) === type) return i - 4;
  }
  throw new Error(`no ${type} box`);
}

/** A copy of `bytes` with the 32-bit value at `offset` set. */
function withU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value);
  return copy;
}

function u32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset);
}

async function reason(bytes: Uint8Array, options?: ReadMp4Options): Promise<string> {
  const result = await readMp4Index(memorySource(bytes), options);
  if (!result.ok) assert.doesNotMatch(result.message, /unexpected/);
  return result.ok ? "ok" : result.reason;
}

test("the tiny sample itself reads", { timeout: 60_000 }, async () => {
  assert.equal(await reason(await tiny()), "ok");
});

test("entry counts larger than their box holds are malformed, before anything is allocated", {
  timeout: 60_000,
}, async () => {
  const bytes = await tiny();
  for (const type of ["stts", "ctts", "stss", "stsc", "stco", "elst"]) {
    const at = boxAt(bytes, type);
    assert.equal(await reason(withU32(bytes, at + 12, 0x10000000)), "malformed", type);
    assert.equal(await reason(withU32(bytes, at + 12, 0xffffffff)), "malformed", type);
  }
  const stsz = boxAt(bytes, "stsz");
  assert.equal(await reason(withU32(bytes, stsz + 16, 1_000_000)), "malformed", "stsz count");
  // More samples than the limit is refused on the count alone.
  assert.equal(await reason(withU32(bytes, stsz + 16, 0xffffffff)), "too-large", "stsz huge count");
  const constant = withU32(withU32(bytes, stsz + 12, 100), stsz + 16, 25_000_000);
  assert.equal(await reason(constant), "too-large", "constant size, 25 million samples");
});

test("tables that disagree about the samples are malformed", { timeout: 60_000 }, async () => {
  const bytes = await tiny();
  const stts = boxAt(bytes, "stts");
  assert.equal(
    await reason(withU32(bytes, stts + 16, u32At(bytes, stts + 16) + 1)),
    "malformed",
    "stts total",
  );
  const ctts = boxAt(bytes, "ctts");
  assert.equal(
    await reason(withU32(bytes, ctts + 16, u32At(bytes, ctts + 16) + 5)),
    "malformed",
    "ctts total",
  );
  const stsz = boxAt(bytes, "stsz");
  assert.equal(
    await reason(withU32(bytes, stsz + 16, u32At(bytes, stsz + 16) - 1)),
    "malformed",
    "stsz count",
  );
  const stss = boxAt(bytes, "stss");
  assert.equal(await reason(withU32(bytes, stss + 16, 0)), "malformed", "stss sample 0");
  assert.equal(await reason(withU32(bytes, stss + 16, 100_000)), "malformed", "stss past the samples");
  const stsc = boxAt(bytes, "stsc");
  assert.equal(await reason(withU32(bytes, stsc + 16, 2)), "malformed", "stsc starts past chunk 1");
  assert.equal(await reason(withU32(bytes, stsc + 24, 2)), "malformed", "stsc names sample entry 2");
  assert.equal(await reason(withU32(bytes, stsc + 20, 1)), "malformed", "stsc maps too few samples");
});

test("chunks past the end of the file are malformed", { timeout: 60_000 }, async () => {
  const bytes = await tiny();
  const stco = boxAt(bytes, "stco");
  assert.equal(await reason(withU32(bytes, stco + 16, bytes.length + 10)), "malformed");
  assert.equal(await reason(withU32(bytes, stco + 16, bytes.length - 1)), "malformed");
  // The same file cut short loses the end of its mdat.
  assert.equal(await reason(bytes.subarray(0, bytes.length - 100)), "malformed");
});

test("zero timescales and unknown header versions are refused", { timeout: 60_000 }, async () => {
  const bytes = await tiny();
  const mvhd = boxAt(bytes, "mvhd");
  assert.equal(await reason(withU32(bytes, mvhd + 20, 0)), "malformed", "mvhd timescale");
  const mdhd = boxAt(bytes, "mdhd");
  assert.equal(await reason(withU32(bytes, mdhd + 20, 0)), "malformed", "mdhd timescale");
  assert.equal(await reason(withU32(bytes, mvhd + 8, 0x02000000)), "unsupported", "mvhd version 2");
});

test("box sizes below 8, past their parent or past the file are malformed", { timeout: 60_000 }, async () => {
  const bytes = await tiny();
  const moov = boxAt(bytes, "moov");
  const stbl = boxAt(bytes, "stbl");
  for (const size of [1, 7]) {
    assert.equal(await reason(withU32(bytes, stbl + 8, size)), "malformed", `stbl child of size ${size}`);
  }
  const trak = boxAt(bytes, "trak");
  assert.equal(await reason(withU32(bytes, trak, u32At(bytes, trak) + 1000)), "malformed", "trak past moov");
  assert.equal(await reason(withU32(bytes, moov, 0xffffffff)), "malformed", "moov past the file");
  assert.equal(await reason(withU32(bytes, moov, 4)), "malformed", "moov of 4 bytes");
  // A 64-bit size past 2^53 cannot be read exactly.
  const large = withU32(withU32(withU32(bytes, moov, 1), moov + 8, 0xffffffff), moov + 12, 0);
  assert.equal(await reason(large), "malformed", "largesize");
});

test("limits make a file too-large", { timeout: 60_000 }, async () => {
  const bytes = await tiny();
  assert.equal(await reason(bytes, { maxMoovSize: 1000 }), "too-large");
  assert.equal(await reason(bytes, { maxSamples: 10 }), "too-large");
  assert.equal(await reason(bytes, { maxTopLevelBoxes: 1 }), "too-large");
});

test("a file without moov is malformed, or unsupported for a HEIF-style image", async () => {
  const ftyp = box(
    "ftyp",
    new TextEncoder().encode("heic"),
    new Uint8Array(4),
    new TextEncoder().encode("mif1heic"),
  );
  const meta = box("meta", new Uint8Array(4));
  const mdat = box("mdat", new Uint8Array(100));
  assert.equal(await reason(new Uint8Array([...ftyp, ...meta, ...mdat])), "unsupported");
  assert.equal(await reason(new Uint8Array([...ftyp, ...mdat])), "malformed");
  assert.equal(await reason(new Uint8Array([...mdat])), "malformed");
  assert.equal(await reason(new Uint8Array([...box("free", new Uint8Array(4))])), "not-media");
  // A moov-at-end file cut before its moov.
  const moovEnd = new Uint8Array(readFileSync(await sample("tinyMoovEnd")));
  assert.equal(await reason(moovEnd.subarray(0, boxAt(moovEnd, "moov", 40))), "malformed");
});

test("a deeply nested box tree is bounded by the walk, not by the file", async () => {
  let nested = box("free", new Uint8Array(0));
  for (let i = 0; i < 2_000; i++) nested = box(i % 2 ? "trak" : "mdia", nested);
  const mvhd = box("mvhd", new ByteWriter(100).zeros(12).u32(1000).zeros(84).finish());
  const file = new Uint8Array([
    ...box("ftyp", new TextEncoder().encode("isom0000")),
    ...box("moov", mvhd, nested),
  ]);
  assert.equal(await reason(file), "malformed");
});

test("an error of the source is not swallowed", async () => {
  const bytes = await tiny();
  const failing: ByteSource = {
    size: bytes.length,
    read: (offset, length) =>
      offset > 0 ? Promise.reject(new Error("disk on fire")) : Promise.resolve(bytes.subarray(0, length)),
  };
  await assert.rejects(readMp4Index(failing), /disk on fire/);
});
