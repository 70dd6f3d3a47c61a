import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySource } from "../../../src/media/file_source.ts";
import type { ByteSource } from "../../../src/media/types.ts";
import { readElementHeader } from "../../../src/media/webm/ebml.ts";
import { ELEMENT_ID as ID } from "../../../src/media/webm/elements.ts";
import {
  type MatroskaResult,
  readMatroskaIndex,
  type ReadMatroskaOptions,
} from "../../../src/media/webm/mod.ts";
import {
  audioTrack,
  binary,
  buildMatroska,
  concat,
  ebmlHeader,
  element,
  float,
  idBytes,
  sizeVint,
  string,
  uint,
  unknownSizeElement,
  videoTrack,
} from "./_ebml_builder.ts";
import { sampleFile } from "./_samples.ts";
import { seededRandom } from "../../_fixtures.ts";

async function readBytes(bytes: Uint8Array, options?: ReadMatroskaOptions): Promise<MatroskaResult> {
  return await readMatroskaIndex(memorySource(bytes), options);
}

async function assertRefused(
  bytes: Uint8Array,
  reason: string,
  pattern: RegExp,
  options?: ReadMatroskaOptions,
) {
  const result = await readBytes(bytes, options);
  assert.equal(result.ok, false, "read a file that should be refused");
  if (result.ok) return;
  assert.equal(result.reason, reason, result.message);
  assert.match(result.message, pattern);
}

/** A Segment of `children` with a known size, after a WebM EBML header. */
function file(...children: Uint8Array[]): Uint8Array {
  return concat(ebmlHeader(), element(ID.Segment, ...children));
}

const INFO = element(ID.Info, uint(ID.TimestampScale, 1_000_000), float(ID.Duration, 2000));
const TRACKS = element(ID.Tracks, videoTrack());

test("a small built file reads: tracks, duration, key frames from Cues at the end", async () => {
  const { bytes, offsets } = buildMatroska({ tracks: [videoTrack(), audioTrack()] });
  const result = await readBytes(bytes);
  assert.ok(result.ok, result.ok ? "" : result.message);
  assert.equal(result.index.duration, 3);
  assert.equal(result.index.mimeType, 'video/webm; codecs="vp8, opus"');
  assert.deepEqual(result.index.keyFrames, [
    { time: 0, offset: offsets.clusters[0] },
    { time: 1, offset: offsets.clusters[1] },
    { time: 2, offset: offsets.clusters[2] },
  ]);
  assert.equal(result.index.fastStart, false);
  assert.deepEqual(result.index.tracks[1], {
    id: 2,
    kind: "audio",
    codec: "opus",
    duration: 3,
    sampleRate: 48000,
    channels: 2,
  });
});

test("files that are not Matroska are not-media", async () => {
  await assertRefused(new Uint8Array(0), "not-media", /EBML header/);
  await assertRefused(new TextEncoder().encode("RIFF....WAVEfmt "), "not-media", /EBML header/);
  await assertRefused(concat(ebmlHeader("mkvx"), element(ID.Segment)), "not-media", /"mkvx"/);
  const noDocType = element(ID.EBML, uint(ID.EBMLReadVersion, 1));
  await assertRefused(concat(noDocType, element(ID.Segment)), "not-media", /document type is ""/);
});

test("read versions past those known are unsupported", async () => {
  const newer = element(ID.EBML, uint(ID.EBMLReadVersion, 2), string(ID.DocType, "webm"));
  await assertRefused(concat(newer, element(ID.Segment)), "unsupported", /EBMLReadVersion 2/);
  const v5 = element(ID.EBML, string(ID.DocType, "matroska"), uint(ID.DocTypeReadVersion, 5));
  await assertRefused(concat(v5, element(ID.Segment)), "unsupported", /DocTypeReadVersion 5/);
  const longIds = element(ID.EBML, uint(ID.EBMLMaxIDLength, 8), string(ID.DocType, "webm"));
  await assertRefused(concat(longIds, element(ID.Segment)), "unsupported", /EBMLMaxIDLength/);
});

test("truncated and inconsistent files are malformed", async () => {
  const header = ebmlHeader();
  await assertRefused(header.subarray(0, 10), "malformed", /EBML header is truncated/);
  await assertRefused(header, "malformed", /no Segment/);
  await assertRefused(file(INFO), "malformed", /no Tracks/);
  await assertRefused(file(TRACKS), "malformed", /no Info/);
  // A Tracks element whose size runs past the end of the file.
  const whole = file(INFO, TRACKS);
  await assertRefused(whole.subarray(0, whole.length - 3), "malformed", /Tracks .* runs past the end/);
  // A child past its parent: a Video element bigger than its TrackEntry.
  const entry = concat(
    idBytes(ID.TrackEntry),
    sizeVint(5),
    uint(ID.TrackNumber, 1),
    idBytes(ID.Video),
    sizeVint(10),
  );
  await assertRefused(file(INFO, element(ID.Tracks, entry)), "malformed", /runs past its parent/);
  // A header cut short at the end of the Segment, reported at its file offset.
  const cut = file(INFO, TRACKS, new Uint8Array([0xec]));
  await assertRefused(cut, "malformed", new RegExp(`variable-length integer at ${cut.length} is truncated`));
});

test("invalid IDs and sizes are malformed", async () => {
  await assertRefused(
    file(INFO, new Uint8Array([0x00, 0x81, 0x00]), TRACKS),
    "malformed",
    /longer than 4 bytes/,
  );
  await assertRefused(file(INFO, new Uint8Array([0xff, 0x80]), TRACKS), "malformed", /reserved/);
  const zeroSize = concat(idBytes(ID.Tracks), new Uint8Array([0x00]));
  await assertRefused(file(INFO, zeroSize), "malformed", /longer than 8 bytes/);
  await assertRefused(file(INFO, unknownSizeElement(ID.Tracks, videoTrack())), "malformed", /unknown size/);
  const hugeTracks = concat(idBytes(ID.Tracks), new Uint8Array([0x01, 0x7f, 0, 0, 0, 0, 0, 0]), videoTrack());
  await assertRefused(file(INFO, hugeTracks), "malformed", /runs past the end/);
});

test("impossible values are malformed, an impossible Duration is unknown", async () => {
  await assertRefused(
    file(element(ID.Info, uint(ID.TimestampScale, 0)), TRACKS),
    "malformed",
    /TimestampScale/,
  );
  await assertRefused(
    file(INFO, element(ID.Tracks, element(ID.TrackEntry, uint(ID.TrackType, 1)))),
    "malformed",
    /no TrackNumber/,
  );
  await assertRefused(file(element(ID.Info, binary(ID.Duration, [1, 2, 3])), TRACKS), "malformed", /3 bytes/);
  for (const duration of [Number.NaN, -5, Number.POSITIVE_INFINITY]) {
    const result = await readBytes(file(element(ID.Info, float(ID.Duration, duration)), TRACKS));
    assert.ok(result.ok);
    assert.equal(result.index.duration, 0);
    assert.equal(result.index.bitrate, 0);
  }
  const short = await readBytes(file(element(ID.Info, float(ID.Duration, 1500, 4)), TRACKS));
  assert.ok(short.ok);
  assert.equal(short.index.duration, 1.5);
});

test("Cues without CueTime or positions are malformed; positions past the Segment are left out", async () => {
  const cluster = element(ID.Cluster, uint(ID.Timestamp, 0));
  const noTime = element(ID.Cues, element(ID.CuePoint, element(ID.CueTrackPositions, uint(ID.CueTrack, 1))));
  await assertRefused(file(INFO, TRACKS, noTime, cluster), "malformed", /no CueTime/);
  const noCluster = element(
    ID.Cues,
    element(ID.CuePoint, uint(ID.CueTime, 0), element(ID.CueTrackPositions)),
  );
  await assertRefused(file(INFO, TRACKS, noCluster, cluster), "malformed", /lacks CueTrack/);
  const far = element(
    ID.Cues,
    element(
      ID.CuePoint,
      uint(ID.CueTime, 0),
      element(ID.CueTrackPositions, uint(ID.CueTrack, 1), uint(ID.CueClusterPosition, 1e9)),
    ),
  );
  const result = await readBytes(file(INFO, TRACKS, far, cluster));
  assert.ok(result.ok);
  assert.deepEqual(result.index.keyFrames, []);
  assert.equal(result.index.fastStart, true);
});

test("counts and sizes past the limits are too-large", async () => {
  const { bytes } = buildMatroska({ clusterTimes: [0, 1000, 2000, 3000], seekHead: false });
  await assertRefused(bytes, "too-large", /more than 3 positions/, { maxCuePoints: 3 });
  await assertRefused(bytes, "too-large", /Tracks .* more than 20/, { maxElementSize: 20 });
  const manyTracks = element(ID.Tracks, ...Array.from({ length: 1025 }, (_, i) => videoTrack(i + 1)));
  await assertRefused(file(INFO, manyTracks), "too-large", /more than 1024 entries/);
});

test("bad limits are caller mistakes: RangeError", async () => {
  const bytes = buildMatroska().bytes;
  for (const options of [{ maxCuePoints: 0 }, { maxElementSize: -1 }, { maxTopLevelElements: 1.5 }]) {
    await assert.rejects(readBytes(bytes, options), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /^Cannot read Matroska index: "\w+" must be a positive integer/);
      return true;
    });
  }
});

test("an error of the source reaches the caller as it is", async () => {
  const failure = new Error("disk on fire");
  const source: ByteSource = { size: 1000, read: () => Promise.reject(failure) };
  await assert.rejects(readMatroskaIndex(source), (error) => error === failure);
});

test("a source that returns fewer bytes than the file has is malformed", async () => {
  const bytes = buildMatroska().bytes;
  const source: ByteSource = {
    size: bytes.length,
    read: (offset) => Promise.resolve(bytes.subarray(offset, 10)),
  };
  const result = await readMatroskaIndex(source);
  assert.equal(result.ok, false);
  assert.equal(result.ok ? "" : result.reason, "malformed");
});

test("SeekHeads that point at themselves, at each other and at garbage end and are ignored", async () => {
  // SeekHead A points at itself, at SeekHead B, at garbage for Info and past the file for Cues;
  // B points back at A. Info and Tracks are found by the walk.
  const seek = (id: number, position: number) =>
    element(ID.Seek, binary(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, position, 8));
  const headB = (aAt: number) => element(ID.SeekHead, seek(ID.SeekHead, aAt));
  const headA = (bAt: number) =>
    element(
      ID.SeekHead,
      seek(ID.SeekHead, 0),
      seek(ID.SeekHead, bAt),
      seek(ID.Info, 3),
      seek(ID.Cues, 1e12),
      ...Array.from({ length: 50 }, () => seek(ID.Tracks, 1)),
    );
  const aSize = headA(0).length;
  const bAt = aSize + INFO.length + TRACKS.length;
  const bytes = file(headA(bAt), INFO, TRACKS, headB(0), element(ID.Cluster, uint(ID.Timestamp, 0)));
  const result = await readBytes(bytes);
  assert.ok(result.ok, result.ok ? "" : result.message);
  assert.equal(result.index.duration, 2);
  assert.equal(result.info.cuesOffset, null);
});

test("an unknown-size top-level element other than a Cluster is malformed", async () => {
  await assertRefused(file(INFO, TRACKS, unknownSizeElement(ID.Tags)), "malformed", /unknown size/);
});

test("a walk over thousands of Void elements stops at the limit", async () => {
  const voids = Array.from({ length: 5000 }, () => element(ID.Void));
  await assertRefused(file(...voids, INFO, TRACKS), "malformed", /no Info/, { maxTopLevelElements: 1000 });
  const result = await readBytes(file(...voids, INFO, TRACKS));
  assert.ok(result.ok);
});

// --- Mutation fuzz over real samples -----------------------------------------------------

// Master elements whose children the fuzz targets (Clusters are never read past their start).
const MASTERS = new Set<number>([
  ID.EBML,
  ID.Segment,
  ID.SeekHead,
  ID.Seek,
  ID.Info,
  ID.Tracks,
  ID.TrackEntry,
  ID.Video,
  ID.Audio,
  ID.Colour,
  ID.Cues,
  ID.CuePoint,
  ID.CueTrackPositions,
  ID.Tags,
]);

interface Span {
  offset: number;
  headerSize: number;
  end: number;
}

/** Every element in the parts of `bytes` the reader reads: headers, Tracks, Cues, Cluster starts. */
function elementSpans(bytes: Uint8Array): Span[] {
  const spans: Span[] = [];
  const visit = (start: number, end: number, depth: number): void => {
    let at = start;
    while (at < end && spans.length < 5000) {
      const header = readElementHeader(bytes, at, end);
      const dataStart = at + header.headerSize;
      const dataEnd = header.size === null ? end : Math.min(end, dataStart + header.size);
      spans.push({ offset: at, headerSize: header.headerSize, end: dataEnd });
      if (MASTERS.has(header.id) && depth < 6) visit(dataStart, dataEnd, depth + 1);
      if (header.size === null) return;
      at = dataEnd;
    }
  };
  visit(0, bytes.length, 0);
  return spans;
}

type Mutation = (bytes: Uint8Array, spans: Span[], random: () => number) => Uint8Array;

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

const SIZE_PATTERNS = [
  [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // unknown, 8 bytes
  [0xff], // unknown, 1 byte
  [0x01, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff], // huge
  [0x01, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], // past 2^53
  [0x00], // invalid
  [0x80], // empty
  [0x81],
  [0x40, 0x02],
];

const MUTATIONS: Mutation[] = [
  // Flip random bits in a random element's header or data.
  (bytes, spans, random) => {
    const out = bytes.slice();
    for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) {
      const span = pick(spans, random);
      const at = span.offset + Math.floor(random() * Math.max(1, Math.min(span.end - span.offset, 64)));
      if (at < out.length) out[at] ^= 1 << Math.floor(random() * 8);
    }
    return out;
  },
  // Overwrite an element's size VINT with an odd one.
  (bytes, spans, random) => {
    const out = bytes.slice();
    const span = pick(spans, random);
    const idLength = Math.clz32(out[span.offset]) - 23;
    const pattern = pick(SIZE_PATTERNS, random);
    out.set(pattern.slice(0, Math.max(0, out.length - span.offset - idLength)), span.offset + idLength);
    return out;
  },
  // Overwrite an element's ID with random bytes, or an invalid or reserved one.
  (bytes, spans, random) => {
    const out = bytes.slice();
    const span = pick(spans, random);
    out[span.offset] = pick([0x00, 0xff, 0x80, Math.floor(random() * 256)], random);
    return out;
  },
  // Truncate inside an element, or anywhere.
  (bytes, spans, random) => {
    const span = pick(spans, random);
    const at = random() < 0.8
      ? span.offset + Math.floor(random() * (span.end - span.offset + 1))
      : random() * bytes.length;
    return bytes.slice(0, Math.floor(at));
  },
  // Duplicate an element right after itself (its parents' sizes are now wrong).
  (bytes, spans, random) => {
    const span = pick(spans.filter((s) => s.end - s.offset < 100_000), random);
    const copy = bytes.subarray(span.offset, span.end);
    return concat(bytes.subarray(0, span.end), copy, bytes.subarray(span.end));
  },
  // Write random bytes over a span.
  (bytes, spans, random) => {
    const out = bytes.slice();
    const span = pick(spans, random);
    for (let i = 0; i < 8 && span.offset + i < out.length; i++) {
      out[span.offset + i] = Math.floor(random() * 256);
    }
    return out;
  },
];

const REASONS = new Set(["not-media", "unsupported", "malformed", "too-large"]);

function assertSane(result: MatroskaResult, size: number, label: string): void {
  if (!result.ok) {
    assert.ok(REASONS.has(result.reason), label);
    assert.equal(typeof result.message, "string");
    assert.doesNotMatch(result.message, /unexpected error/, `${label}: ${result.message}`);
    return;
  }
  const { index, info } = result;
  assert.ok(Number.isFinite(index.duration) && index.duration >= 0, label);
  assert.ok(Number.isFinite(index.bitrate), label);
  for (let i = 0; i < index.keyFrames.length; i++) {
    const frame = index.keyFrames[i];
    assert.ok(frame.offset >= 0 && frame.offset < size, `${label}: key frame offset ${frame.offset}`);
    if (i > 0) assert.ok(frame.time >= index.keyFrames[i - 1].time, label);
  }
  for (let i = 1; i < info.seekPoints.length; i++) {
    assert.ok(info.seekPoints[i].offset > info.seekPoints[i - 1].offset, label);
    assert.ok(info.seekPoints[i].time > info.seekPoints[i - 1].time, label);
  }
}

const FUZZ_SAMPLES = ["vp9", "vp9Front", "h264", "opus", "live"] as const;
const ROUNDS = 1000;

test("mutated samples read as an index or as { ok: false }, never an exception or a hang", {
  timeout: 60_000,
}, async () => {
  const random = seededRandom(0x5eed);
  const started = Date.now();
  const seen = new Map<string, number>();
  for (const name of FUZZ_SAMPLES) {
    const { bytes } = sampleFile(name);
    const spans = elementSpans(bytes);
    for (let round = 0; round < ROUNDS; round++) {
      const kind = Math.floor(random() * MUTATIONS.length);
      const mutated = MUTATIONS[kind](bytes, spans, random);
      const label = `${name} round ${round} mutation ${kind}`;
      const result = await readBytes(mutated);
      assertSane(result, mutated.length, label);
      const outcome = result.ok ? "ok" : result.reason;
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    }
  }
  // The mutations reach both outcomes, and the whole run stays quick.
  assert.ok((seen.get("ok") ?? 0) > 100, JSON.stringify([...seen]));
  assert.ok((seen.get("malformed") ?? 0) > 100, JSON.stringify([...seen]));
  assert.ok(Date.now() - started < 30_000, `fuzz took ${Date.now() - started} ms`);
});

test("a SeekHead's entries past the first 1024 are ignored", async () => {
  const { bytes: base, offsets } = buildMatroska({ seekHead: false });
  const cuesPosition = offsets.cues! - offsets.segmentData;
  const seek = (id: number, position: number) =>
    element(ID.Seek, binary(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, position, 8));
  // Cluster entries, as some muxers write them, then the Cues; positions shift by the SeekHead.
  const head = (shift: number, cues: "first" | "last") => {
    const clusters = Array.from(
      { length: 1500 },
      () => seek(ID.Cluster, offsets.clusters[0] - offsets.segmentData),
    );
    const cuesEntry = seek(ID.Cues, cuesPosition + shift);
    return element(ID.SeekHead, ...(cues === "first" ? [cuesEntry, ...clusters] : [...clusters, cuesEntry]));
  };
  for (const order of ["first", "last"] as const) {
    const shift = head(0, order).length;
    const segment = base.subarray(offsets.segmentData);
    const bytes = concat(
      ebmlHeader(),
      idBytes(ID.Segment),
      sizeVint(shift + segment.length),
      head(shift, order),
      segment,
    );
    const result = await readBytes(bytes);
    assert.ok(result.ok, result.ok ? "" : result.message);
    assert.equal(result.index.keyFrames.length, order === "first" ? 3 : 0, order);
  }
});

test("a VP9 track without CodecPrivate takes profile and bit depth from its first key frame", async () => {
  const vp9 = videoTrack(1, "V_VP9", 64, 48);
  const audioBlock = binary(ID.SimpleBlock, [0x82, 0, 0, 0x80, 1, 2, 3]);
  // Profile 2, key frame, sync code, 10 bits; inside a BlockGroup after an audio block.
  const videoBlock = element(
    ID.BlockGroup,
    binary(ID.Block, [0x81, 0, 0, 0x00, 0x92, 0x49, 0x83, 0x42, 0x00, 0]),
  );
  const { bytes } = buildMatroska({ tracks: [vp9, audioTrack()], firstBlocks: [audioBlock, videoBlock] });
  const result = await readBytes(bytes);
  assert.ok(result.ok, result.ok ? "" : result.message);
  assert.equal(result.index.tracks[0].codec, "vp09.02.10.10");
  // Without a readable frame the codec is plain "vp9", and the file still reads.
  const laced = binary(ID.SimpleBlock, [0x81, 0, 0, 0x86, 0x92, 0x49, 0x83, 0x42, 0x00]);
  const other = await readBytes(buildMatroska({ tracks: [vp9], firstBlocks: [laced] }).bytes);
  assert.ok(other.ok);
  assert.equal(other.index.tracks[0].codec, "vp9");
  assert.equal(other.index.mimeType, 'video/webm; codecs="vp9"');
});
