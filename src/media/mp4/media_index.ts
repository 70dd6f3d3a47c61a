/**
 * The public {@linkcode MediaIndex} of an {@linkcode Mp4Movie}: durations in seconds, codecs,
 * bitrates, key frames and a media type with `codecs` (RFC 6381).
 *
 * @module
 */

import type { KeyFrame, MediaIndex, MediaTrack } from "../types.ts";
import type { Mp4Movie, Mp4Track } from "./movie.ts";
import { SampleClock, sampleOffsets, toSeconds, trackTimeMap } from "./timeline.ts";

/** The index of `movie`. */
export function movieIndex(movie: Mp4Movie): MediaIndex {
  const duration = movie.duration / movie.timescale;
  const keyTrack = movie.tracks.find((track) => track.kind === "video" && track.samples.count > 0) ??
    movie.tracks.find((track) => track.samples.count > 0);
  return {
    container: "mp4",
    duration,
    bitrate: duration > 0 ? Math.round((movie.fileSize * 8) / duration) : 0,
    tracks: movie.tracks.map((track) => mediaTrack(movie, track)),
    fastStart: movie.fastStart,
    keyFrames: keyTrack ? keyFrames(movie, keyTrack) : [],
    mimeType: mimeType(movie),
  };
}

/** Seconds a track lasts: its `tkhd` duration (edits applied), else its media's. */
function trackSeconds(movie: Mp4Movie, track: Mp4Track): number {
  return track.duration > 0 ? track.duration / movie.timescale : track.mediaDuration / track.timescale;
}

function mediaTrack(movie: Mp4Movie, track: Mp4Track): MediaTrack {
  const entry = track.sampleEntry;
  const result: MediaTrack = {
    id: track.id,
    kind: track.kind,
    codec: entry.codec,
    duration: trackSeconds(movie, track),
  };
  if (track.kind === "video") {
    result.width = track.width || entry.width;
    result.height = track.height || entry.height;
  }
  if (track.kind === "audio") {
    result.sampleRate = entry.sampleRate;
    result.channels = entry.channels;
  }
  const mediaSeconds = track.samples.totalDuration / track.timescale;
  if (mediaSeconds > 0) result.bitrate = Math.round((track.samples.totalBytes * 8) / mediaSeconds);
  return result;
}

function keyFrames(movie: Mp4Movie, track: Mp4Track): KeyFrame[] {
  const tables = track.samples;
  const map = trackTimeMap(track, movie.timescale);
  const clock = new SampleClock(tables);
  const time = (sample: number) => toSeconds(map, clock.presentationTime(sample));
  const picked = tables.syncSamples
    ? syncTimes(tables.syncSamples, time)
    : oneEverySecond(tables.count, time);
  const offsets = sampleOffsets(tables, Uint32Array.from(picked.samples));
  const frames: KeyFrame[] = picked.samples.map((_, i) => ({
    // Nothing shows before 0: a frame cut by the edit list is where playback from 0 starts.
    time: Math.max(0, Math.round(picked.times[i] * 1e6) / 1e6),
    offset: offsets[i],
  }));
  return frames.sort((a, b) => a.time - b.time);
}

interface PickedSamples {
  samples: number[];
  times: number[];
}

function syncTimes(sync: Uint32Array, time: (sample: number) => number): PickedSamples {
  const samples = Array.from(sync, (sample) => sample - 1);
  return { samples, times: samples.map(time) };
}

// When every sample is a sync sample (audio, intra-only video), one per second is enough to
// seek with and keeps the list short.
function oneEverySecond(count: number, time: (sample: number) => number): PickedSamples {
  const picked: PickedSamples = { samples: [], times: [] };
  let next = -Infinity;
  for (let i = 0; i < count; i++) {
    const seconds = time(i);
    if (seconds < next) continue;
    picked.samples.push(i);
    picked.times.push(seconds);
    next = Math.max(1, Math.floor(seconds) + 1);
  }
  return picked;
}

function mimeType(movie: Mp4Movie): string {
  const hasVideo = movie.tracks.some((track) => track.kind === "video");
  const brand = movie.majorBrand;
  const family = brand.startsWith("3g2") ? "3gpp2" : brand.startsWith("3g") ? "3gpp" : "mp4";
  const base = `${hasVideo ? "video" : "audio"}/${family}`;
  const codecs = [
    ...new Set(
      movie.tracks
        .filter((track) => track.kind === "video" || track.kind === "audio")
        .map((track) => track.sampleEntry.codec)
        .filter((codec) => codec !== ""),
    ),
  ];
  return codecs.length > 0 ? `${base}; codecs="${codecs.join(", ")}"` : base;
}
