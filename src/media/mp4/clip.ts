/**
 * A clip of an MP4 by time, planned without touching media bytes: a new `moov` whose sample
 * tables hold only the samples of the span, then one contiguous range of the original `mdat`
 * that covers them all, streamed as it is.
 *
 * @module
 */

import { concatBytes } from "../../core/bytes.ts";
import { boxHeaderSize, ByteWriter, writeBoxHeader, writeEdts } from "./box_writer.ts";
import type { Mp4Edit, Mp4Movie, Mp4Track } from "./movie.ts";
import { findNode, type TrackRewrite, withDuration, writeMoov } from "./moov_writer.ts";
import type { Mp4BytePiece, Mp4ClipPlan, Mp4PlanFailure } from "./plan.ts";
import { clipPlan, planFailure } from "./plan_result.ts";
import { sliceTables, type TableSlice } from "./table_slice.ts";
import {
  firstSampleFrom,
  SampleClock,
  toMediaTime,
  toSeconds,
  type TrackTimeMap,
  trackTimeMap,
} from "./timeline.ts";

/** A span of a movie in seconds; a missing end is the movie's end. */
export interface Mp4ClipSpan {
  /**
   * Seconds from the movie's start; the clip starts at the key frame at or before it.
   *
   * @default {0}
   */
  start?: number;
  /**
   * Seconds from the movie's start where the clip ends (past the end means the end).
   *
   * @default {the movie's duration}
   */
  end?: number;
}

// Tables indexed per sample that would be wrong after the cut; all of them are optional.
const PER_SAMPLE_BOXES = ["sdtp", "sbgp", "subs", "saiz", "saio", "stps", "stsh", "padb", "stdp", "cslg"];

/** Samples `[first, end)` of a track kept by a clip, and where they land on the new timeline. */
interface KeptSamples {
  track: Mp4Track;
  first: number;
  end: number;
  /** Media ticks cut from the start by the new edit list. */
  shift: number;
  /** Movie ticks of delay before the track starts. */
  delay: number;
  /** Movie ticks from the clip's start to its end: nothing is shown past it. */
  window: number;
}

/**
 * Plans a clip of `movie` from `span.start` to `span.end` seconds. The clip starts at the video
 * track's key frame at or before `start` (as nginx's mp4 module does), so it decodes from its
 * first byte. The video keeps every frame shown before `end` with the frames they refer to;
 * other tracks start at their sample playing at the key frame and end at their first sample
 * decoded at or after `end`. Edit lists keep the tracks in step and show exactly from the key
 * frame to `end`.
 *
 * @param movie The movie, from `readMp4Index`.
 * @param span Start and end in seconds.
 * @returns The plan: a header, then one range of the original file; or why there is none.
 *
 * @example Usage
 * ```ts
 * import { openFileSource, planMp4Clip, readMp4Index } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const source = await openFileSource("samples/sample.mp4"); // key frames every 2 s
 * try {
 *   const result = await readMp4Index(source);
 *   assert.ok(result.ok);
 *   const plan = planMp4Clip(result.movie, { start: 3, end: 6 });
 *   assert.ok(plan.ok);
 *   assert.equal(plan.startTime, 2);
 *   // The clip's bytes: plan.header, then each piece of the original file.
 *   const parts = [plan.header];
 *   for (const piece of plan.pieces) parts.push(await source.read(piece.offset, piece.length));
 *   assert.equal(parts.reduce((sum, part) => sum + part.length, 0), plan.size);
 * } finally {
 *   await source.close();
 * }
 * ```
 */
export function planMp4Clip(movie: Mp4Movie, span: Mp4ClipSpan): Mp4ClipPlan | Mp4PlanFailure {
  const movieSeconds = movie.duration / movie.timescale;
  const { start = 0, end = movieSeconds } = span;
  if (!(start >= 0) || start === Infinity || Number.isNaN(end)) {
    return planFailure("bad-span", `Cannot clip: start ${start} and end ${end} are not a span`);
  }
  if (start >= movieSeconds) {
    return planFailure("out-of-range", `Cannot clip: start ${start} is past the duration ${movieSeconds}`);
  }
  if (!(end > start)) return planFailure("bad-span", `Cannot clip: end ${end} is not after start ${start}`);
  const refused = unsupported(movie);
  if (refused) return refused;
  const reference = movie.tracks.find((track) => track.kind === "video" && track.samples.count > 0) ??
    movie.tracks.find((track) => track.samples.count > 0);
  if (!reference) return planFailure("unsupported", "Cannot clip: the movie has no samples");
  const kept = keptSamples(movie, reference, start, Math.min(end, movieSeconds));
  return writeClip(movie, kept.tracks, kept.startTime);
}

function unsupported(movie: Mp4Movie): Mp4PlanFailure | null {
  if (movie.fragmented) return planFailure("unsupported", "Cannot clip a fragmented MP4");
  if (movie.tracks.some((track) => track.sampleEntry.encrypted)) {
    return planFailure("unsupported", "Cannot clip an encrypted MP4");
  }
  return null;
}

function keptSamples(
  movie: Mp4Movie,
  reference: Mp4Track,
  start: number,
  end: number,
): { tracks: KeptSamples[]; startTime: number } {
  const referenceMap = trackTimeMap(reference, movie.timescale);
  const key = keyFrameAtOrBefore(reference, toMediaTime(referenceMap, start));
  const startTime = toSeconds(referenceMap, new SampleClock(reference.samples).presentationTime(key));
  const tracks = movie.tracks.map((track) => {
    const map = trackTimeMap(track, movie.timescale);
    const first = track === reference ? key : sampleAtOrBefore(track, toMediaTime(map, startTime));
    const last = track === reference
      ? referenceEnd(track, first, toMediaTime(map, end))
      : firstSampleFrom(track.samples, toMediaTime(map, end));
    return placeOnTimeline(movie, track, map, first, Math.max(first, last), startTime, end);
  });
  return { tracks, startTime };
}

// The last sync sample shown at or before `time` (media ticks), else the first one.
function keyFrameAtOrBefore(track: Mp4Track, time: number): number {
  const tables = track.samples;
  if (!tables.syncSamples) return sampleAtOrBefore(track, time);
  const clock = new SampleClock(tables);
  const tolerance = track.timescale / 1e6;
  let chosen = tables.syncSamples.length > 0 ? tables.syncSamples[0] - 1 : 0;
  for (const sample of tables.syncSamples) {
    if (clock.presentationTime(sample - 1) > time + tolerance) break;
    chosen = sample - 1;
  }
  return chosen;
}

// The last sample decoded at or before `time`, else the first.
function sampleAtOrBefore(track: Mp4Track, time: number): number {
  const next = firstSampleFrom(track.samples, time);
  if (next < track.samples.count && new SampleClock(track.samples).decodeTime(next) <= time) return next;
  return Math.max(0, next - 1);
}

// One past the last sample (in decode order) shown before `time`: B-frames shown before it are
// kept with the frames they refer to. Past a sample decoded at `time`, nothing is shown before
// it, so the scan stops there.
function referenceEnd(track: Mp4Track, first: number, time: number): number {
  const tables = track.samples;
  const clock = new SampleClock(tables);
  let end = first + 1;
  for (let i = first + 1; i < tables.count && clock.decodeTime(i) < time; i++) {
    if (clock.presentationTime(i) < time) end = i + 1;
  }
  return end;
}

/**
 * Where kept samples go on the new timeline: media time `m` of a track showed at
 * `toSeconds(map, m)`, and must show at that minus the clip's start; the new media starts at the
 * first kept sample, so the difference becomes an edit's media time (cut) or an empty edit
 * (delay).
 */
function placeOnTimeline(
  movie: Mp4Movie,
  track: Mp4Track,
  map: TrackTimeMap,
  first: number,
  end: number,
  startTime: number,
  endTime: number,
): KeptSamples {
  const lead = toSeconds(map, new SampleClock(track.samples).decodeTime(first)) - startTime;
  const window = Math.round((endTime - startTime) * movie.timescale);
  return lead >= 0
    ? { track, first, end, shift: 0, delay: Math.round(lead * movie.timescale), window }
    : { track, first, end, shift: Math.round(-lead * track.timescale), delay: 0, window };
}

function writeClip(movie: Mp4Movie, kept: KeptSamples[], startTime: number): Mp4ClipPlan {
  const slices = kept.map((track) => sliceTables(track.track.samples, track.first, track.end));
  const span = mediaSpan(slices);
  const mdatHeader = mdatHeaderFor(span.length);
  const durations = kept.map((track) => trackDurations(movie, track));
  const movieDuration = Math.max(0, ...durations.map((duration) => duration.presented));
  const ftyp = movie.ftyp?.bytes ?? new Uint8Array(0);
  const mvhd = findNode(movie.box, ["mvhd"]);
  const moov = writeMoov(movie, {
    mvhd: mvhd ? withDuration(mvhd, movieDuration) : undefined,
    tracks: kept.map((track, i) => trackRewrite(track, slices[i], durations[i])),
  }, (moovSize) => {
    // Media follows the header straight from the span's start.
    const delta = ftyp.length + moovSize + mdatHeader.length - span.offset;
    return (offset) => offset + delta;
  });
  const pieces = span.length > 0 ? [span] : [];
  const startSeconds = Math.max(0, Math.round(startTime * 1e6) / 1e6);
  return clipPlan(
    concatBytes([ftyp, moov, mdatHeader]),
    pieces,
    movieDuration / movie.timescale,
    startSeconds,
  );
}

// One range of the original covering every kept sample of every track.
function mediaSpan(slices: readonly TableSlice[]): Mp4BytePiece {
  const start = Math.min(...slices.map((slice) => slice.start));
  const end = Math.max(...slices.map((slice) => slice.end));
  return end > start ? { offset: start, length: end - start } : { offset: 0, length: 0 };
}

function mdatHeaderFor(length: number): Uint8Array {
  const writer = new ByteWriter(boxHeaderSize(length));
  writeBoxHeader(writer, "mdat", length);
  return writer.finish();
}

interface TrackDurations {
  /** Media ticks of the kept samples. */
  media: number;
  /** Movie ticks the track is shown for, delay included. */
  presented: number;
  /** The new edit list. */
  edits: Mp4Edit[];
}

function trackDurations(movie: Mp4Movie, kept: KeptSamples): TrackDurations {
  const clock = new SampleClock(kept.track.samples);
  const begin = clock.decodeTime(kept.first);
  const media = clock.decodeTime(kept.end) - begin;
  const shownMedia = presentationEnd(kept) - begin - kept.shift;
  const shown = Math.min(
    Math.round((Math.max(0, shownMedia) / kept.track.timescale) * movie.timescale),
    Math.max(0, kept.window - kept.delay),
  );
  const edits: Mp4Edit[] = [];
  if (shown > 0 && kept.delay > 0) edits.push({ segmentDuration: kept.delay, mediaTime: -1, mediaRate: 1 });
  if (shown > 0) edits.push({ segmentDuration: shown, mediaTime: kept.shift, mediaRate: 1 });
  return { media, presented: shown > 0 ? kept.delay + shown : 0, edits };
}

// Where the last kept sample stops showing (media ticks): with B-frames, the latest
// composition end, which is past the last decode time.
function presentationEnd({ track, first, end }: KeptSamples): number {
  const clock = new SampleClock(track.samples);
  if (!track.samples.compositionOffsets) return clock.decodeTime(end);
  let latest = -Infinity;
  for (let i = first; i < end; i++) latest = Math.max(latest, clock.presentationTime(i) + clock.duration(i));
  return latest;
}

function trackRewrite(kept: KeptSamples, slice: TableSlice, durations: TrackDurations): TrackRewrite {
  const boxes = new Map<string, Uint8Array | null>(PER_SAMPLE_BOXES.map((type) => [type, null]));
  const tkhd = findNode(kept.track.box, ["tkhd"]);
  const mdhd = findNode(kept.track.box, ["mdia", "mdhd"]);
  if (tkhd) boxes.set("tkhd", withDuration(tkhd, durations.presented));
  if (mdhd) boxes.set("mdhd", withDuration(mdhd, durations.media));
  boxes.set("edts", durations.edits.length > 0 ? writeEdts(durations.edits) : null);
  return { boxes, samples: slice.tables };
}
