// Past 4 GiB through the whole stack: a sparse MP4 on disk whose media sits 5 GiB in (so its
// moov needs co64), served by the endpoint: plain ranges there, a clip of it, and a fast start
// of its moov-at-end twin, each checked against the bytes on disk.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createStreamHandler } from "../../src/endpoint/handler.ts";
import { memorySource, openFileSource } from "../../src/media/file_source.ts";
import { readMp4Index } from "../../src/media/mp4/mod.ts";
import { tempDir } from "../_fixtures.ts";
import { synthFile, type SynthSpec } from "../media/mp4/_synth.ts";

const { dir: root, cleanup } = tempDir("sage-large-");
after(cleanup);
const GiB = 2 ** 30;
const TRACKS: SynthSpec["tracks"] = [
  {
    kind: "video",
    timescale: 12800,
    count: 250,
    delta: 512,
    size: (i) => 2000 + (i % 7),
    chunkSamples: 10,
    syncEvery: 25,
    compositionPattern: [1024, 2560, 0, 512, 1024],
    editMediaTime: 1024,
  },
  { kind: "audio", timescale: 48000, count: 469, delta: 1024, size: () => 300, chunkSamples: 20 },
];

/**
 * Writes the synthetic file at `path` sparsely: what precedes the gap, and everything from its
 * first sample on; the gap stays a hole.
 */
async function writeSparse(path: string, spec: SynthSpec): Promise<{ size: number; mediaStart: number }> {
  const file = synthFile(spec);
  const mediaStart = Math.min(...file.sampleOffsets.map((offsets) => offsets[0])) - 16; // the mdat header
  const head = spec.moovAtEnd ? 64 : file.moovOffset + file.moovSize + 16;
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, file.source.size);
    // the length given: Bun's writeSync ignores the position when it is left out
    const first = await file.source.read(0, head);
    writeSync(fd, first, 0, first.length, 0);
    const rest = await file.source.read(mediaStart, file.source.size - mediaStart);
    writeSync(fd, rest, 0, rest.length, mediaStart);
  } finally {
    closeSync(fd);
  }
  return { size: file.source.size, mediaStart };
}

function diskBytes(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const bytes = new Uint8Array(length);
    readSync(fd, bytes, 0, length, offset);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

const ready = (async () => {
  const plain = await writeSparse(join(root, "far.mp4"), { tracks: TRACKS, gap: 5 * GiB });
  const late = await writeSparse(join(root, "far-late.mp4"), {
    tracks: TRACKS,
    gap: 5 * GiB,
    moovAtEnd: true,
  });
  return { plain, late };
})();
const handler = createStreamHandler({ root });
const get = (query: string, range?: string) =>
  handler(new Request(`http://localhost/stream?${query}`, { headers: range ? { range } : {} }));

test("ranges past 4 GiB are the bytes on disk", { timeout: 60_000 }, async () => {
  const { plain } = await ready;
  const start = plain.mediaStart + 16;
  const res = await get("path=far.mp4", `bytes=${start}-${start + 99_999}`);
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes ${start}-${start + 99_999}/${plain.size}`);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), diskBytes(join(root, "far.mp4"), start, 100_000));
});

test("a clip of media 5 GiB into its file points at the right bytes", { timeout: 60_000 }, async () => {
  await ready;
  const res = await get("path=far.mp4&start=2&end=6");
  assert.equal(res.status, 200);
  const clip = new Uint8Array(await res.arrayBuffer());
  assert.ok(clip.length < 2_000_000, `a clip of a few seconds is small: ${clip.length}`);
  const index = await readMp4Index(memorySource(clip));
  assert.ok(index.ok, index.ok ? "" : index.message);
  const disk = await openFileSource(join(root, "far.mp4"));
  const original = await readMp4Index(disk).finally(() => disk.close());
  assert.ok(original.ok, original.ok ? "" : original.message);
  // the clip's first key frame is the original's key frame at 2 s: same bytes
  const key = index.index.keyFrames[0];
  const source = original.index.keyFrames.find((k) => Math.abs(k.time - 2) < 0.01)!;
  assert.ok(source.offset > 5 * GiB);
  assert.deepEqual(
    clip.subarray(key.offset, key.offset + 2000),
    diskBytes(join(root, "far.mp4"), source.offset, 2000),
  );
});

test("fast start of a moov-at-end file past 4 GiB: moov first with co64, key frames on the same bytes", {
  timeout: 60_000,
}, async () => {
  const { late } = await ready;
  const fast = createStreamHandler({ root, fastStart: true });
  const head = await fast(
    new Request("http://localhost/stream?path=far-late.mp4", { headers: { range: "bytes=0-1048575" } }),
  );
  assert.equal(head.status, 206);
  assert.equal(
    head.headers.get("content-range"),
    `bytes 0-1048575/${late.size}`,
    "the same size as the file",
  );
  const bytes = new Uint8Array(await head.arrayBuffer());
  const types = topLevel(bytes);
  assert.deepEqual(types.slice(0, 2), ["ftyp", "moov"]);
  assert.ok(new TextDecoder("latin1").decode(bytes).includes("co64"), "offsets past 4 GiB need co64");
  // read the moved index back through ranges of the served file
  const served = {
    size: late.size,
    read: async (offset: number, length: number) => {
      const end = Math.min(late.size, offset + length) - 1;
      const res = await fast(
        new Request("http://localhost/stream?path=far-late.mp4", {
          headers: { range: `bytes=${offset}-${end}` },
        }),
      );
      return new Uint8Array(await res.arrayBuffer());
    },
  };
  const index = await readMp4Index(served);
  assert.ok(index.ok, index.ok ? "" : index.message);
  assert.equal(index.index.fastStart, true);
  const key = index.index.keyFrames[3];
  assert.ok(key.offset > 5 * GiB);
  assert.deepEqual(
    await served.read(key.offset, 2000),
    diskBytes(join(root, "far-late.mp4"), key.offset - moovShift(bytes), 2000),
  );
});

function topLevel(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.length && types.length < 4;) {
    const size = view.getUint32(at);
    types.push(new TextDecoder().decode(bytes.subarray(at + 4, at + 8)));
    if (size < 8) break;
    at += size;
  }
  return types;
}

/** How far the fast start moved the media: the moov's size (it now sits before them). */
function moovShift(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ftyp = view.getUint32(0);
  return view.getUint32(ftyp);
}
