/**
 * The sample tables of a track (ISO/IEC 14496-12 §8.6–8.7): `stts`, `ctts`, `stss`, `stsc`,
 * `stsz`/`stz2`, `stco`/`co64`. Each count is checked against the bytes its box holds before a
 * table is allocated, and the tables are checked against each other and against the file.
 *
 * @module
 */

import { ByteReader, malformed, Mp4FormatError } from "./byte_reader.ts";
import type { Mp4SampleTables } from "./movie.ts";

/** The payloads (after the box header) of a track's sample table boxes. */
export interface SampleTableBoxes {
  /** `stts` payload. */
  stts?: Uint8Array;
  /** `ctts` payload. */
  ctts?: Uint8Array;
  /** `stss` payload. */
  stss?: Uint8Array;
  /** `stsc` payload. */
  stsc?: Uint8Array;
  /** `stsz` payload. */
  stsz?: Uint8Array;
  /** `stz2` payload. */
  stz2?: Uint8Array;
  /** `stco` payload. */
  stco?: Uint8Array;
  /** `co64` payload. */
  co64?: Uint8Array;
}

/** What the tables are checked against. */
export interface SampleTableLimits {
  /** Most samples this track may have. */
  maxSamples: number;
  /** The file's size: every sample must lie before it. */
  fileSize: number;
  /** Number of sample descriptions in `stsd`. */
  descriptionCount: number;
}

/** Reads and cross-checks a track's sample tables. */
export function readSampleTables(boxes: SampleTableBoxes, limits: SampleTableLimits): Mp4SampleTables {
  const sizes = readSizes(boxes, limits.maxSamples);
  const times = readRuns(required(boxes.stts, "stts"), "stts", false);
  const composition = boxes.ctts ? readRuns(boxes.ctts, "ctts", true) : null;
  const chunkOffsets = readChunkOffsets(boxes);
  const chunks = readStsc(required(boxes.stsc, "stsc"), chunkOffsets.length, limits.descriptionCount);
  const tables: Mp4SampleTables = {
    count: sizes.count,
    constantSize: sizes.constantSize,
    sizes: sizes.sizes,
    timeCounts: times.counts,
    timeDeltas: times.values as Uint32Array,
    compositionCounts: composition?.counts ?? null,
    compositionOffsets: (composition?.values as Int32Array | undefined) ?? null,
    syncSamples: boxes.stss ? readStss(boxes.stss, sizes.count) : null,
    chunkRunFirst: chunks.first,
    chunkRunSamples: chunks.samples,
    chunkRunDescription: chunks.description,
    chunkOffsets,
    totalBytes: sizes.total,
    totalDuration: runTotal(times.counts, times.values),
  };
  checkRunCount(times.counts, tables.count, "stts");
  if (composition) checkRunCount(composition.counts, tables.count, "ctts");
  checkChunks(tables, limits.fileSize);
  return tables;
}

function required(body: Uint8Array | undefined, type: string): Uint8Array {
  if (body === undefined) malformed(`a track has no ${type} box`);
  return body;
}

/** A full box's payload past its version and flags. */
function fullBoxReader(body: Uint8Array): { reader: ByteReader; version: number } {
  const reader = new ByteReader(body);
  const version = reader.u8();
  reader.skip(3);
  return { reader, version };
}

interface Sizes {
  count: number;
  constantSize: number;
  sizes: Uint32Array | null;
  total: number;
}

function readSizes(boxes: SampleTableBoxes, maxSamples: number): Sizes {
  if (boxes.stsz) return readStsz(boxes.stsz, maxSamples);
  if (boxes.stz2) return readStz2(boxes.stz2, maxSamples);
  malformed("a track has no stsz or stz2 box");
}

function checkSampleCount(count: number, maxSamples: number): void {
  if (count > maxSamples) {
    throw new Mp4FormatError("too-large", `${count} samples exceed the limit of ${maxSamples}`);
  }
}

function readStsz(body: Uint8Array, maxSamples: number): Sizes {
  const { reader } = fullBoxReader(body);
  const constantSize = reader.u32();
  const count = reader.u32();
  checkSampleCount(count, maxSamples);
  if (constantSize !== 0) return { count, constantSize, sizes: null, total: count * constantSize };
  reader.needEntries(count, 4, "stsz");
  const sizes = new Uint32Array(count);
  const view = new DataView(body.buffer, body.byteOffset + reader.pos, count * 4);
  let total = 0;
  for (let i = 0; i < count; i++) total += sizes[i] = view.getUint32(i * 4);
  return { count, constantSize: 0, sizes, total };
}

function readStz2(body: Uint8Array, maxSamples: number): Sizes {
  const { reader } = fullBoxReader(body);
  reader.skip(3);
  const fieldSize = reader.u8();
  const count = reader.u32();
  if (fieldSize !== 4 && fieldSize !== 8 && fieldSize !== 16) malformed(`stz2 field size ${fieldSize}`);
  checkSampleCount(count, maxSamples);
  reader.needEntries(Math.ceil((count * fieldSize) / 8), 1, "stz2");
  const sizes = new Uint32Array(count);
  const bytes = body.subarray(reader.pos);
  let total = 0;
  for (let i = 0; i < count; i++) total += sizes[i] = packedField(bytes, i, fieldSize);
  return { count, constantSize: 0, sizes, total };
}

function packedField(bytes: Uint8Array, index: number, fieldSize: number): number {
  if (fieldSize === 8) return bytes[index];
  if (fieldSize === 16) return (bytes[index * 2] << 8) | bytes[index * 2 + 1];
  const byte = bytes[index >> 1];
  return index & 1 ? byte & 0x0f : byte >> 4;
}

/** `stts` and `ctts`: runs of (count, value); `ctts` values are signed (both versions, as players read them). */
function readRuns(
  body: Uint8Array,
  type: string,
  signed: boolean,
): { counts: Uint32Array; values: Uint32Array | Int32Array } {
  const { reader } = fullBoxReader(body);
  const entries = reader.u32();
  reader.needEntries(entries, 8, type);
  const counts = new Uint32Array(entries);
  const values = signed ? new Int32Array(entries) : new Uint32Array(entries);
  const view = new DataView(body.buffer, body.byteOffset + reader.pos, entries * 8);
  for (let i = 0; i < entries; i++) {
    counts[i] = view.getUint32(i * 8);
    values[i] = signed ? view.getInt32(i * 8 + 4) : view.getUint32(i * 8 + 4);
  }
  return { counts, values };
}

function runTotal(counts: Uint32Array, values: Uint32Array | Int32Array): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] * values[i];
  return total;
}

function checkRunCount(counts: Uint32Array, expected: number, type: string): void {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total !== expected) malformed(`${type} covers ${total} samples, stsz has ${expected}`);
}

function readStss(body: Uint8Array, count: number): Uint32Array {
  const { reader } = fullBoxReader(body);
  const entries = reader.u32();
  reader.needEntries(entries, 4, "stss");
  const samples = new Uint32Array(entries);
  const view = new DataView(body.buffer, body.byteOffset + reader.pos, entries * 4);
  let previous = 0;
  for (let i = 0; i < entries; i++) {
    const sample = view.getUint32(i * 4);
    if (sample <= previous || sample > count) {
      malformed(`stss entry ${sample} out of order or past the samples`);
    }
    samples[i] = previous = sample;
  }
  return samples;
}

function readStsc(
  body: Uint8Array,
  chunkCount: number,
  descriptionCount: number,
): { first: Uint32Array; samples: Uint32Array; description: Uint32Array } {
  const { reader } = fullBoxReader(body);
  const declared = reader.u32();
  reader.needEntries(declared, 12, "stsc");
  const view = new DataView(body.buffer, body.byteOffset + reader.pos, declared * 12);
  // Runs starting past the last chunk describe nothing; some muxers write them anyway.
  let entries = 0;
  while (entries < declared && view.getUint32(entries * 12) <= chunkCount) entries++;
  const first = new Uint32Array(entries);
  const samples = new Uint32Array(entries);
  const description = new Uint32Array(entries);
  for (let i = 0; i < entries; i++) {
    first[i] = view.getUint32(i * 12);
    samples[i] = view.getUint32(i * 12 + 4);
    description[i] = view.getUint32(i * 12 + 8);
    if (i === 0 ? first[0] !== 1 : first[i] <= first[i - 1]) malformed("stsc runs out of order");
    if (description[i] < 1 || description[i] > descriptionCount) {
      malformed("stsc names a missing sample entry");
    }
  }
  return { first, samples, description };
}

function readChunkOffsets(boxes: SampleTableBoxes): Uint32Array | Float64Array {
  if (boxes.stco) return readStco(boxes.stco);
  if (boxes.co64) return readCo64(boxes.co64);
  malformed("a track has no stco or co64 box");
}

function readStco(body: Uint8Array): Uint32Array {
  const { reader } = fullBoxReader(body);
  const entries = reader.u32();
  reader.needEntries(entries, 4, "stco");
  const offsets = new Uint32Array(entries);
  const view = new DataView(body.buffer, body.byteOffset + reader.pos, entries * 4);
  for (let i = 0; i < entries; i++) offsets[i] = view.getUint32(i * 4);
  return offsets;
}

function readCo64(body: Uint8Array): Float64Array {
  const { reader } = fullBoxReader(body);
  const entries = reader.u32();
  reader.needEntries(entries, 8, "co64");
  const offsets = new Float64Array(entries);
  for (let i = 0; i < entries; i++) offsets[i] = reader.u64();
  return offsets;
}

/**
 * Calls `visit` for each chunk holding samples, in order, with the chunk's index (0-based), its
 * first sample (0-based), its number of samples and its sample description (1-based). Chunks
 * past the last sample are not visited; `visit` returning `false` stops the walk.
 */
export function forEachChunk(
  tables: Mp4SampleTables,
  visit: (chunk: number, firstSample: number, samples: number, description: number) => boolean | void,
): void {
  const runs = tables.chunkRunFirst.length;
  const chunkCount = tables.chunkOffsets.length;
  let sample = 0;
  for (let run = 0; run < runs && sample < tables.count; run++) {
    const end = run + 1 < runs ? tables.chunkRunFirst[run + 1] - 1 : chunkCount;
    const perChunk = tables.chunkRunSamples[run];
    if (perChunk === 0) continue;
    for (let chunk = tables.chunkRunFirst[run] - 1; chunk < end && sample < tables.count; chunk++) {
      const samples = Math.min(perChunk, tables.count - sample);
      if (visit(chunk, sample, samples, tables.chunkRunDescription[run]) === false) return;
      sample += samples;
    }
  }
}

/** Size in bytes of sample `index` (0-based). */
export function sampleSize(tables: Mp4SampleTables, index: number): number {
  return tables.sizes ? tables.sizes[index] : tables.constantSize;
}

/** Bytes of `count` samples from `first` (0-based). */
export function samplesBytes(tables: Mp4SampleTables, first: number, count: number): number {
  if (!tables.sizes) return count * tables.constantSize;
  let total = 0;
  for (let i = first; i < first + count; i++) total += tables.sizes[i];
  return total;
}

// Every sample must belong to a chunk, and every chunk's samples must lie inside the file.
function checkChunks(tables: Mp4SampleTables, fileSize: number): void {
  let mapped = 0;
  forEachChunk(tables, (chunk, first, samples) => {
    const end = tables.chunkOffsets[chunk] + samplesBytes(tables, first, samples);
    if (end > fileSize) malformed(`chunk ${chunk + 1} runs past the end of the file`);
    mapped += samples;
  });
  if (mapped < tables.count) malformed(`stsc maps ${mapped} of ${tables.count} samples to chunks`);
}
