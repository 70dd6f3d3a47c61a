// Synthetic MP4 files built with our box writer: an ftyp, a moov (first or last), and an mdat
// of any size whose bytes are a pattern computed on read, so a "file" of several GiB costs
// only its moov in memory.
import {
  box,
  ByteWriter,
  fullBox,
  writeChunkOffsets,
  writeCtts,
  writeEdts,
  writeStsc,
  writeStss,
  writeStsz,
  writeStts,
} from "../../../src/media/mp4/box_writer.ts";
import type { ByteSource } from "../../../src/media/types.ts";

/** One track of a synthetic movie. */
export interface SynthTrack {
  kind: "video" | "audio";
  timescale: number;
  /** Number of samples. */
  count: number;
  /** Duration of every sample (media ticks). */
  delta: number;
  /** Size of sample `i` in bytes. */
  size: (i: number) => number;
  /** Samples per chunk. */
  chunkSamples: number;
  /** A sync sample every this many samples (video); without it every sample is one. */
  syncEvery?: number;
  /** Composition offsets repeated over the samples (B-frames), in ticks. */
  compositionPattern?: number[];
  /** The elst media time (one edit over the whole track), none when undefined. */
  editMediaTime?: number;
}

/** A synthetic movie. */
export interface SynthSpec {
  tracks: SynthTrack[];
  /** @default 1000 */
  movieTimescale?: number;
  /** Bytes of a `free` box between ftyp (and a leading moov) and mdat. */
  gap?: number;
  /** Put moov after mdat. */
  moovAtEnd?: boolean;
}

/** A synthetic file. */
export interface SynthFile {
  source: ByteSource;
  moovOffset: number;
  moovSize: number;
  /** Offset of each sample of each track, by track. */
  sampleOffsets: Float64Array[];
}

/** The pattern byte at `offset` of a synthetic mdat. */
export function patternByte(offset: number): number {
  return (offset % 251) ^ (Math.floor(offset / 251) & 0x7f);
}

interface Chunk {
  track: number;
  first: number;
  samples: number;
  time: number;
  bytes: number;
}

/** Builds a synthetic file. */
export function synthFile(spec: SynthSpec): SynthFile {
  const ftyp = box("ftyp", fourccs("isom"), u32(512), fourccs("isomiso2avc1mp41"));
  const gap = spec.gap ?? 0;
  const gapHeader = gap > 0 ? (gap >= 2 ** 32 ? 16 : 8) : 0;
  const chunks = interleave(spec.tracks);
  const mdatBody = chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
  const mdatHeader = 16;
  let moovSize = 0;
  let moov: Uint8Array = new Uint8Array(0);
  // The moov's size moves the media when it comes first: lay out twice.
  for (let pass = 0; pass < 3; pass++) {
    const moovBefore = spec.moovAtEnd ? 0 : moovSize;
    const mdatOffset = ftyp.length + moovBefore + gap;
    const offsets = chunkOffsets(spec.tracks, chunks, mdatOffset + mdatHeader);
    moov = moovBox(spec, offsets);
    if (moov.length === moovSize) break;
    moovSize = moov.length;
  }
  const mdatOffset = ftyp.length + (spec.moovAtEnd ? 0 : moov.length) + gap;
  const offsets = chunkOffsets(spec.tracks, chunks, mdatOffset + mdatHeader);
  const size = mdatOffset + mdatHeader + mdatBody + (spec.moovAtEnd ? moov.length : 0);
  const moovOffset = spec.moovAtEnd ? mdatOffset + mdatHeader + mdatBody : ftyp.length;
  const segments: Array<{ at: number; bytes: Uint8Array }> = [
    { at: 0, bytes: ftyp },
    { at: moovOffset, bytes: moov },
    { at: mdatOffset, bytes: largeHeader("mdat", mdatHeader + mdatBody) },
  ];
  if (gap > 0) {
    segments.push({ at: ftyp.length + (spec.moovAtEnd ? 0 : moov.length), bytes: gapBox(gap, gapHeader) });
  }
  return {
    source: virtualSource(size, segments),
    moovOffset,
    moovSize: moov.length,
    sampleOffsets: spec.tracks.map((track, t) => sampleOffsetsOf(track, chunks, offsets[t], t)),
  };
}

function gapBox(gap: number, headerSize: number): Uint8Array {
  if (headerSize === 16) return largeHeader("free", gap);
  return new ByteWriter(8).u32(gap).fourcc("free").finish();
}

function largeHeader(type: string, size: number): Uint8Array {
  return new ByteWriter(16).u32(1).fourcc(type).u64(size).finish();
}

/** A source of `size` bytes: the pattern, overlaid with `segments`. */
export function virtualSource(size: number, segments: Array<{ at: number; bytes: Uint8Array }>): ByteSource {
  return {
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      const end = Math.min(size, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (let i = 0; i < out.length; i++) out[i] = patternByte(offset + i);
      for (const segment of segments) {
        const from = Math.max(offset, segment.at);
        const to = Math.min(end, segment.at + segment.bytes.length);
        if (to > from) out.set(segment.bytes.subarray(from - segment.at, to - segment.at), from - offset);
      }
      return Promise.resolve(out);
    },
  };
}

function interleave(tracks: SynthTrack[]): Chunk[] {
  const chunks: Chunk[] = [];
  tracks.forEach((track, t) => {
    for (let first = 0; first < track.count; first += track.chunkSamples) {
      const samples = Math.min(track.chunkSamples, track.count - first);
      let bytes = 0;
      for (let i = first; i < first + samples; i++) bytes += track.size(i);
      chunks.push({ track: t, first, samples, time: (first * track.delta) / track.timescale, bytes });
    }
  });
  return chunks.sort((a, b) => a.time - b.time || a.track - b.track);
}

function chunkOffsets(tracks: SynthTrack[], chunks: Chunk[], start: number): Float64Array[] {
  const offsets = tracks.map((track) => new Float64Array(Math.ceil(track.count / track.chunkSamples)));
  let at = start;
  for (const chunk of chunks) {
    offsets[chunk.track][chunk.first / tracks[chunk.track].chunkSamples] = at;
    at += chunk.bytes;
  }
  return offsets;
}

function sampleOffsetsOf(track: SynthTrack, chunks: Chunk[], offsets: Float64Array, t: number): Float64Array {
  const result = new Float64Array(track.count);
  for (const chunk of chunks) {
    if (chunk.track !== t) continue;
    let at = offsets[chunk.first / track.chunkSamples];
    for (let i = chunk.first; i < chunk.first + chunk.samples; i++) {
      result[i] = at;
      at += track.size(i);
    }
  }
  return result;
}

function fourccs(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function u32(value: number): Uint8Array {
  return new ByteWriter(4).u32(value).finish();
}

const MATRIX = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

function moovBox(spec: SynthSpec, offsets: Float64Array[]): Uint8Array {
  const movieTimescale = spec.movieTimescale ?? 1000;
  const seconds = Math.max(...spec.tracks.map((track) => (track.count * track.delta) / track.timescale));
  const mvhd = fullBox("mvhd", 0, 0, 96, (w) => {
    w.u32(0).u32(0).u32(movieTimescale).u32(Math.round(seconds * movieTimescale));
    w.u32(0x10000).u16(0x100).zeros(10);
    for (const value of MATRIX) w.u32(value);
    w.zeros(24).u32(spec.tracks.length + 1);
  });
  const traks = spec.tracks.map((track, t) => trakBox(track, t + 1, movieTimescale, offsets[t]));
  return box("moov", mvhd, ...traks);
}

function trakBox(track: SynthTrack, id: number, movieTimescale: number, offsets: Float64Array): Uint8Array {
  const mediaDuration = track.count * track.delta;
  const duration = Math.round((mediaDuration / track.timescale) * movieTimescale);
  const video = track.kind === "video";
  const tkhd = fullBox("tkhd", 0, 3, 80, (w) => {
    w.u32(0).u32(0).u32(id).u32(0).u32(duration).zeros(8).u16(0).u16(0).u16(video ? 0 : 0x100).u16(0);
    for (const value of MATRIX) w.u32(value);
    w.u32(video ? 320 * 65536 : 0).u32(video ? 240 * 65536 : 0);
  });
  const mdhd = fullBox("mdhd", 0, 0, 20, (w) => {
    w.u32(0).u32(0).u32(track.timescale).u32(mediaDuration).u16(0x55c4).u16(0);
  });
  const hdlr = fullBox("hdlr", 0, 0, 21, (w) => w.u32(0).fourcc(video ? "vide" : "soun").zeros(13));
  const header = video
    ? fullBox("vmhd", 0, 1, 8, (w) => w.zeros(8))
    : fullBox("smhd", 0, 0, 4, (w) => w.zeros(4));
  const dref = fullBox("dref", 0, 0, 16, (w) => w.u32(1).u32(12).fourcc("url ").u32(1));
  const minf = box("minf", header, box("dinf", dref), stblBox(track, offsets));
  const parts = [tkhd];
  if (track.editMediaTime !== undefined) {
    parts.push(writeEdts([{ segmentDuration: duration, mediaTime: track.editMediaTime, mediaRate: 1 }]));
  }
  parts.push(box("mdia", mdhd, hdlr, minf));
  return box("trak", ...parts);
}

function stblBox(track: SynthTrack, offsets: Float64Array): Uint8Array {
  const sizes = new Uint32Array(track.count);
  for (let i = 0; i < track.count; i++) sizes[i] = track.size(i);
  const parts = [
    box("stsd", new ByteWriter(8).u32(0).u32(1).finish(), sampleEntry(track)),
    writeStts([track.count], [track.delta]),
  ];
  if (track.compositionPattern) parts.push(compositionBox(track.count, track.compositionPattern));
  if (track.syncEvery) {
    const sync: number[] = [];
    for (let i = 0; i < track.count; i += track.syncEvery) sync.push(i + 1);
    parts.push(writeStss(sync));
  }
  const chunks = Math.ceil(track.count / track.chunkSamples);
  const last = track.count - (chunks - 1) * track.chunkSamples;
  const first = last === track.chunkSamples || chunks === 1 ? [1] : [1, chunks];
  const perChunk = first.length === 1
    ? [chunks === 1 ? last : track.chunkSamples]
    : [track.chunkSamples, last];
  parts.push(writeStsc(first, perChunk, first.map(() => 1)));
  parts.push(writeStsz(0, track.count, sizes));
  parts.push(writeChunkOffsets(offsets, offsets.some((offset) => offset > 0xffffffff)));
  return box("stbl", ...parts);
}

function compositionBox(count: number, pattern: number[]): Uint8Array {
  const counts: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = pattern[i % pattern.length];
    if (values.length > 0 && values[values.length - 1] === value) counts[counts.length - 1]++;
    else {
      counts.push(1);
      values.push(value);
    }
  }
  return writeCtts(counts, values);
}

function sampleEntry(track: SynthTrack): Uint8Array {
  if (track.kind === "video") {
    const avcC = box("avcC", Uint8Array.of(1, 0x64, 0x00, 0x1f, 0xff, 0xe0, 0x00));
    const fields = new ByteWriter(78).zeros(6).u16(1).zeros(16).u16(320).u16(240)
      .u32(0x480000).u32(0x480000).u32(0).u16(1).zeros(32).u16(0x18).u16(0xffff).finish();
    return box("avc1", fields, avcC);
  }
  const fields = new ByteWriter(28).zeros(6).u16(1).zeros(8).u16(1).u16(16).u32(0)
    .u32(track.timescale * 65536).finish();
  const decoderSpecific = Uint8Array.of(0x05, 2, 0x11, 0x88);
  const decoderConfig = Uint8Array.of(
    0x04,
    13 + decoderSpecific.length,
    0x40,
    0x15,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  );
  const esBody = [...Uint8Array.of(0, 1, 0), ...decoderConfig, ...decoderSpecific, 0x06, 1, 0x02];
  const es = Uint8Array.of(0x03, esBody.length, ...esBody);
  const esds = fullBox("esds", 0, 0, es.length, (w) => w.bytes(es));
  return box("mp4a", fields, esds);
}

/** A two-hour film: 25 fps H.264 with B-frames and a key frame every 2 s, 48 kHz AAC. */
export const TWO_HOURS: SynthSpec = {
  tracks: [
    {
      kind: "video",
      timescale: 12800,
      count: 180_000,
      delta: 512,
      size: (i) => (i % 50 === 0 ? 40_000 : 4_000 + ((i * 7919) % 3_000)),
      chunkSamples: 25,
      syncEvery: 50,
      compositionPattern: [1024, 2560, 0, 512, 1024],
      editMediaTime: 1024,
    },
    {
      kind: "audio",
      timescale: 48000,
      count: 337_500,
      delta: 1024,
      size: (i) => 350 + (i % 40),
      chunkSamples: 47,
    },
  ],
};
