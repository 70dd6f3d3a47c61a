/**
 * The public {@linkcode MediaIndex} of a {@linkcode MatroskaInfo}: tracks with codec strings,
 * key frames from the cue points, fast start, and a media type with `codecs` (RFC 6381 §3).
 *
 * @module
 */

import type { KeyFrame, MediaIndex, MediaTrack } from "../types.ts";
import type { MatroskaInfo, MatroskaTrack } from "./matroska_info.ts";

/** The index of `info`. */
export function matroskaIndex(info: MatroskaInfo): MediaIndex {
  const { duration, fileSize } = info;
  return {
    container: info.docType,
    duration,
    bitrate: bitrate(fileSize, duration),
    tracks: info.tracks.map((track) => mediaTrack(track, duration)),
    fastStart: isFastStart(info),
    keyFrames: keyFrames(info),
    mimeType: mimeType(info),
  };
}

// Bits per second over the file; 0 without a duration, or for one so short the rate overflows.
function bitrate(fileSize: number, duration: number): number {
  const rate = duration > 0 ? Math.round((fileSize * 8) / duration) : 0;
  return Number.isFinite(rate) ? rate : 0;
}

/**
 * Whether a player can start from the first bytes without a request for the index: the Cues
 * come before the first Cluster, or there are none (seeking then costs requests, starting does
 * not).
 */
export function isFastStart(info: Pick<MatroskaInfo, "cuesOffset" | "firstClusterOffset">): boolean {
  const { cuesOffset, firstClusterOffset } = info;
  return cuesOffset === null || firstClusterOffset === null || cuesOffset < firstClusterOffset;
}

function mediaTrack(track: MatroskaTrack, duration: number): MediaTrack {
  const result: MediaTrack = { id: track.number, kind: track.kind, codec: track.codec, duration };
  if (track.kind === "video") {
    if (track.width !== undefined) result.width = track.width;
    if (track.height !== undefined) result.height = track.height;
  }
  if (track.kind === "audio") {
    if (track.sampleRate !== undefined) result.sampleRate = track.sampleRate;
    if (track.channels !== undefined) result.channels = track.channels;
  }
  return result;
}

// Key frames are the cue points of the key track; their offsets are those of the Clusters.
function keyFrames(info: MatroskaInfo): KeyFrame[] {
  return info.cuePoints
    .filter((point) => point.track === info.keyTrack)
    .map((point) => ({ time: point.time, offset: point.clusterOffset }));
}

function mimeType(info: MatroskaInfo): string {
  const hasVideo = info.tracks.some((track) => track.kind === "video");
  const subtype = info.docType === "webm" ? "webm" : "x-matroska";
  const base = `${hasVideo ? "video" : "audio"}/${subtype}`;
  const codecs = [
    ...new Set(
      info.tracks
        .filter((track) => track.kind === "video" || track.kind === "audio")
        // A bare CodecID is not a codecs value a browser knows.
        .filter((track) => track.codec !== "" && track.codec !== track.codecId)
        .map((track) => track.codec),
    ),
  ];
  return codecs.length > 0 ? `${base}; codecs="${codecs.join(", ")}"` : base;
}
