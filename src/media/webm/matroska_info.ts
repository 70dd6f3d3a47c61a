/**
 * The model of a Matroska or WebM file that `readMatroskaIndex` builds: the tracks as the file
 * describes them, the cue points with their Clusters' offsets, and where the Segment's parts
 * are, for mapping byte offsets to media time and back.
 *
 * @module
 */

import type { TrackKind } from "../types.ts";

/** A track as its TrackEntry describes it. */
export interface MatroskaTrack {
  /** TrackNumber, which blocks and cue points name the track by. */
  number: number;
  /** TrackType (1 video, 2 audio, 17 subtitle, …), `0` when missing. */
  type: number;
  /** What the track carries, from its TrackType. */
  kind: TrackKind;
  /** The Matroska CodecID (`"V_VP9"`, `"A_OPUS"`). */
  codecId: string;
  /** The codec as an RFC 6381 string, or the CodecID when there is no such form. */
  codec: string;
  /** Nanoseconds per frame (DefaultDuration), when the file says. */
  defaultDuration?: number;
  /** The track's Name. */
  name?: string;
  /** The track's Language (ISO 639-2). */
  language?: string;
  /** PixelWidth (video). */
  width?: number;
  /** PixelHeight (video). */
  height?: number;
  /** Bits per colour channel (video Colour), when the file says. */
  bitsPerChannel?: number;
  /** SamplingFrequency in Hz (audio). */
  sampleRate?: number;
  /** Channels (audio). */
  channels?: number;
}

/** One CuePoint's position for one track: where decoding of that track can start. */
export interface MatroskaCuePoint {
  /** Presentation time in seconds. */
  time: number;
  /** The track (TrackNumber) the position is for. */
  track: number;
  /** File offset of the Cluster that holds the key frame. */
  clusterOffset: number;
}

/** A point of the time map: a Cluster where playback can start, and its time. */
export interface MatroskaSeekPoint {
  /** Seconds. */
  time: number;
  /** File offset of the Cluster. */
  offset: number;
}

/** What a Matroska or WebM file holds and where, as read by `readMatroskaIndex`. */
export interface MatroskaInfo {
  /** The EBML document type. */
  docType: "webm" | "matroska";
  /** The file's size in bytes. */
  fileSize: number;
  /** File offset of the Segment element. */
  segmentOffset: number;
  /** File offset of the Segment's data, which Cues and SeekHead positions count from. */
  segmentDataOffset: number;
  /** Offset just past the Segment, at most the file's size. */
  segmentEnd: number;
  /** Nanoseconds per tick of the Segment's timestamps. */
  timestampScale: number;
  /** Seconds, `0` when unknown. */
  duration: number;
  /** The Segment's Title. */
  title?: string;
  /** The tracks, in file order. */
  tracks: MatroskaTrack[];
  /** File offset of the Cues element, `null` without Cues. */
  cuesOffset: number | null;
  /** File offset of the first Cluster, `null` without Clusters. */
  firstClusterOffset: number | null;
  /**
   * Offset just past the media data: the Cues when they follow the Clusters, else the Segment's
   * end.
   */
  mediaEnd: number;
  /** Every cue point for every track, in time order. */
  cuePoints: MatroskaCuePoint[];
  /**
   * The time map: Clusters where playback can start, with times and offsets both increasing.
   * From the cue points of the key frame track, else of any track, else from the Clusters'
   * Timestamps when the walk over the Segment saw them all; empty when none of these is known.
   */
  seekPoints: MatroskaSeekPoint[];
  /** The TrackNumber {@linkcode MatroskaInfo.seekPoints} and key frames come from, `null` without tracks. */
  keyTrack: number | null;
}
