/**
 * Sample times and positions from the run-length tables, without expanding them per sample:
 * decode times (`stts`), composition offsets (`ctts`), byte offsets (`stsc` + `stco` + `stsz`),
 * and the edit list's mapping of media time onto the movie's presentation timeline.
 *
 * @module
 */

import type { Mp4SampleTables, Mp4Track } from "./movie.ts";
import { forEachChunk, sampleSize } from "./sample_tables.ts";

/**
 * Where a track's media sits on the movie's timeline, from its edit list: media time `shift`
 * is shown at `delay` seconds. Only the leading empty edits and the first media edit count,
 * which is what muxers write (a delay, then the whole media from a start point).
 */
export interface TrackTimeMap {
  /** Media ticks cut from the start (`media_time` of the first media edit). */
  shift: number;
  /** Seconds of leading empty edits. */
  delay: number;
  /** The track's timescale. */
  timescale: number;
}

/** The time map of `track` in a movie of `movieTimescale`. */
export function trackTimeMap(track: Mp4Track, movieTimescale: number): TrackTimeMap {
  let delay = 0;
  for (const edit of track.edits) {
    if (edit.mediaTime >= 0) return { shift: edit.mediaTime, delay, timescale: track.timescale };
    delay += edit.segmentDuration / movieTimescale;
  }
  return { shift: 0, delay: 0, timescale: track.timescale };
}

/** Seconds on the movie's timeline of media time `mediaTime`. */
export function toSeconds(map: TrackTimeMap, mediaTime: number): number {
  return (mediaTime - map.shift) / map.timescale + map.delay;
}

/** Media time shown at `seconds` on the movie's timeline. */
export function toMediaTime(map: TrackTimeMap, seconds: number): number {
  return (seconds - map.delay) * map.timescale + map.shift;
}

/** A forward cursor over run-length pairs (`stts`, `ctts`): value and running sum at a sample. */
class RunCursor {
  readonly #counts: Uint32Array;
  readonly #values: Uint32Array | Int32Array;
  #run = 0;
  #runStart = 0;
  #base = 0;

  /**
   * @param counts Run lengths.
   * @param values The value of each run.
   */
  constructor(counts: Uint32Array, values: Uint32Array | Int32Array) {
    this.#counts = counts;
    this.#values = values;
  }

  /** Moves to sample `index` (cheap when moving forward). */
  seek(index: number): this {
    if (index < this.#runStart) this.#run = this.#runStart = this.#base = 0;
    const counts = this.#counts;
    while (this.#run < counts.length && index >= this.#runStart + counts[this.#run]) {
      this.#base += counts[this.#run] * this.#values[this.#run];
      this.#runStart += counts[this.#run];
      this.#run++;
    }
    return this;
  }

  /** The value at the sample sought (0 past the end). */
  value(): number {
    return this.#run < this.#counts.length ? this.#values[this.#run] : 0;
  }

  /** Sum of the values of the samples before `index` (call after `seek(index)`). */
  sumBefore(index: number): number {
    return this.#base + (index - this.#runStart) * this.value();
  }
}

/** Decode and composition times of samples, read forward. */
export class SampleClock {
  readonly #decode: RunCursor;
  readonly #composition: RunCursor | null;

  /** @param tables The track's tables. */
  constructor(tables: Mp4SampleTables) {
    this.#decode = new RunCursor(tables.timeCounts, tables.timeDeltas);
    this.#composition = tables.compositionCounts && tables.compositionOffsets
      ? new RunCursor(tables.compositionCounts, tables.compositionOffsets)
      : null;
  }

  /** Decode time of sample `index` (0-based; `count` gives the end of the last sample). */
  decodeTime(index: number): number {
    return this.#decode.seek(index).sumBefore(index);
  }

  /** Composition offset of sample `index`. */
  compositionOffset(index: number): number {
    return this.#composition ? this.#composition.seek(index).value() : 0;
  }

  /** Presentation (composition) time of sample `index`. */
  presentationTime(index: number): number {
    return this.decodeTime(index) + this.compositionOffset(index);
  }

  /** Duration of sample `index` (its `stts` delta). */
  duration(index: number): number {
    return this.#decode.seek(index).value();
  }
}

/** The first sample whose decode time is at or after `time`, `count` when there is none. */
export function firstSampleFrom(tables: Mp4SampleTables, time: number): number {
  let base = 0;
  let runStart = 0;
  for (let run = 0; run < tables.timeCounts.length; run++) {
    const count = tables.timeCounts[run];
    const delta = tables.timeDeltas[run];
    if (count > 0 && base >= time) return runStart;
    if (count > 0 && delta > 0 && base + (count - 1) * delta >= time) {
      return runStart + Math.ceil((time - base) / delta);
    }
    base += count * delta;
    runStart += count;
  }
  return tables.count;
}

/** Byte offsets in the file of the samples `indices` (0-based, ascending). */
export function sampleOffsets(tables: Mp4SampleTables, indices: Uint32Array): Float64Array {
  const offsets = new Float64Array(indices.length);
  let next = 0;
  forEachChunk(tables, (chunk, first, samples) => {
    if (next >= indices.length) return false;
    if (indices[next] >= first + samples) return;
    let offset = tables.chunkOffsets[chunk];
    for (let sample = first; sample < first + samples && next < indices.length; sample++) {
      if (indices[next] === sample) offsets[next++] = offset;
      offset += sampleSize(tables, sample);
    }
  });
  return offsets;
}
