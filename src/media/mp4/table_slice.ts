/**
 * The sample tables of a run of samples `[first, end)` of a track, as a clip needs them:
 * `stts`/`ctts` runs cut at both ends, `stss` renumbered, and the chunks holding the samples
 * (a chunk cut by the span keeps only its samples inside it) with their offsets in the file.
 *
 * @module
 */

import type { Mp4SampleTables } from "./movie.ts";
import { forEachChunk, samplesBytes } from "./sample_tables.ts";

/** The tables of samples `[first, end)` of a track, and where their bytes lie in the file. */
export interface TableSlice {
  /** The tables; chunk offsets are offsets in the original file. */
  tables: Mp4SampleTables;
  /** Lowest offset of a kept byte (`Infinity` when nothing is kept). */
  start: number;
  /** Offset just past the highest kept byte (`-Infinity` when nothing is kept). */
  end: number;
}

/** The tables of samples `[first, end)` of `tables`. */
export function sliceTables(tables: Mp4SampleTables, first: number, end: number): TableSlice {
  const times = sliceRuns(tables.timeCounts, tables.timeDeltas, first, end);
  const composition = tables.compositionCounts && tables.compositionOffsets
    ? sliceRuns(tables.compositionCounts, tables.compositionOffsets, first, end)
    : null;
  const chunks = sliceChunks(tables, first, end);
  const sizes = tables.sizes?.subarray(first, end) ?? null;
  let totalDuration = 0;
  for (let i = 0; i < times.counts.length; i++) totalDuration += times.counts[i] * times.values[i];
  return {
    tables: {
      count: end - first,
      constantSize: tables.constantSize,
      sizes,
      timeCounts: times.counts,
      timeDeltas: Uint32Array.from(times.values),
      compositionCounts: composition?.counts ?? null,
      compositionOffsets: composition ? Int32Array.from(composition.values) : null,
      syncSamples: tables.syncSamples ? sliceSync(tables.syncSamples, first, end) : null,
      chunkRunFirst: Uint32Array.from(chunks.runFirst),
      chunkRunSamples: Uint32Array.from(chunks.runSamples),
      chunkRunDescription: Uint32Array.from(chunks.runDescription),
      chunkOffsets: chunks.offsets,
      totalBytes: samplesBytes(tables, first, end - first),
      totalDuration,
    },
    start: chunks.start,
    end: chunks.end,
  };
}

/** Run-length pairs (`stts`, `ctts`). */
interface Runs {
  /** Run lengths. */
  counts: Uint32Array;
  /** The value of each run. */
  values: ArrayLike<number>;
}

/** The runs covering samples `[first, end)`. */
function sliceRuns(counts: Uint32Array, values: ArrayLike<number>, first: number, end: number): Runs {
  const keptCounts: number[] = [];
  const keptValues: number[] = [];
  let runStart = 0;
  for (let run = 0; run < counts.length && runStart < end; run++) {
    const from = Math.max(runStart, first);
    const to = Math.min(runStart + counts[run], end);
    if (to > from) {
      keptCounts.push(to - from);
      keptValues.push(values[run]);
    }
    runStart += counts[run];
  }
  return { counts: Uint32Array.from(keptCounts), values: keptValues };
}

/** The sync samples (1-based) among `[first, end)`, renumbered from the first kept sample. */
function sliceSync(sync: Uint32Array, first: number, end: number): Uint32Array {
  const kept: number[] = [];
  for (const sample of sync) if (sample > first && sample <= end) kept.push(sample - first);
  return Uint32Array.from(kept);
}

/** The chunks of a clipped track: `stsc` runs, the chunks' offsets in the original file, and their extent. */
interface ChunkSlice {
  /** `stsc` first chunk (1-based) of each run. */
  runFirst: number[];
  /** `stsc` samples per chunk of each run. */
  runSamples: number[];
  /** `stsc` sample description of each run. */
  runDescription: number[];
  /** Offsets in the original file of the kept chunks' first kept samples. */
  offsets: Float64Array;
  /** Lowest offset of a kept byte (`Infinity` when nothing is kept). */
  start: number;
  /** Offset just past the highest kept byte (`-Infinity` when nothing is kept). */
  end: number;
}

/** The chunks holding samples `[first, end)`. */
function sliceChunks(tables: Mp4SampleTables, first: number, end: number): ChunkSlice {
  const slice: ChunkSlice = {
    runFirst: [],
    runSamples: [],
    runDescription: [],
    offsets: new Float64Array(0),
    start: Infinity,
    end: -Infinity,
  };
  const offsets: number[] = [];
  forEachChunk(tables, (chunk, chunkFirst, samples, description) => {
    if (chunkFirst >= end) return false;
    const from = Math.max(chunkFirst, first);
    const to = Math.min(chunkFirst + samples, end);
    if (to <= from) return;
    const offset = tables.chunkOffsets[chunk] + samplesBytes(tables, chunkFirst, from - chunkFirst);
    offsets.push(offset);
    slice.start = Math.min(slice.start, offset);
    slice.end = Math.max(slice.end, offset + samplesBytes(tables, from, to - from));
    addChunkRun(slice, offsets.length, to - from, description);
  });
  slice.offsets = Float64Array.from(offsets);
  return slice;
}

function addChunkRun(slice: ChunkSlice, chunk: number, samples: number, description: number): void {
  const last = slice.runSamples.length - 1;
  if (last >= 0 && slice.runSamples[last] === samples && slice.runDescription[last] === description) return;
  slice.runFirst.push(chunk);
  slice.runSamples.push(samples);
  slice.runDescription.push(description);
}
