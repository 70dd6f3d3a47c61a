/**
 * The model of an MP4 file that clips and fast start are planned from: timescales, edit lists,
 * sample tables as typed arrays (memory proportional to the sample count, no object per
 * sample), and the raw bytes of every box that is copied as is.
 *
 * @module
 */

import type { TrackKind } from "../types.ts";
import type { TopLevelBox } from "./top_level.ts";

export type { TopLevelBox } from "./top_level.ts";

/**
 * A box of the `moov` tree. Containers on the path to the sample tables (`moov`, `trak`,
 * `mdia`, `minf`, `stbl`) have their `children`; every other box is a leaf kept as raw bytes,
 * copied as is when the `moov` is rewritten. The sample tables (`stts` … `co64`) are not kept as
 * bytes: they are written anew from {@linkcode Mp4Track.samples}.
 */
export interface Mp4BoxNode {
  /** The four-character type. */
  type: string;
  /** A leaf's whole box, header included; only the header of a container or a sample table. */
  bytes: Uint8Array;
  /** Bytes of the header (8 or 16). */
  headerSize: number;
  /** The children of a container walked by the reader, `null` for a leaf. */
  children: Mp4BoxNode[] | null;
}

/** One entry of an edit list (`elst`). */
export interface Mp4Edit {
  /** Length of the edit in the movie's timescale. */
  segmentDuration: number;
  /** Where the edit starts in the media's timescale, `-1` for an empty edit (a delay). */
  mediaTime: number;
  /** Playback rate (1 for normal play). */
  mediaRate: number;
}

/**
 * A track's sample tables (`stbl`), kept in their compact run-length form. Sample numbers in
 * `syncSamples` are 1-based as in the file; everything else is indexed from 0.
 */
export interface Mp4SampleTables {
  /** Number of samples (from `stsz`/`stz2`). */
  count: number;
  /** The size shared by every sample, or 0 when `sizes` holds one per sample. */
  constantSize: number;
  /** Size of each sample, `null` when `constantSize` applies. */
  sizes: Uint32Array | null;
  /** `stts`: runs of `timeCounts[i]` samples lasting `timeDeltas[i]` ticks each. */
  timeCounts: Uint32Array;
  /** `stts` deltas, see `timeCounts`. */
  timeDeltas: Uint32Array;
  /** `ctts` run lengths, `null` without a `ctts` box. */
  compositionCounts: Uint32Array | null;
  /** `ctts` offsets (signed), `null` without a `ctts` box. */
  compositionOffsets: Int32Array | null;
  /** `stss`: the sync samples (1-based), `null` when every sample is one. */
  syncSamples: Uint32Array | null;
  /** `stsc`: first chunk (1-based) of each run. */
  chunkRunFirst: Uint32Array;
  /** `stsc`: samples per chunk of each run. */
  chunkRunSamples: Uint32Array;
  /** `stsc`: sample description (1-based) of each run. */
  chunkRunDescription: Uint32Array;
  /** `stco` (`Uint32Array`) or `co64` (`Float64Array`) chunk offsets in the file. */
  chunkOffsets: Uint32Array | Float64Array;
  /** Sum of the sample sizes in bytes. */
  totalBytes: number;
  /** Sum of the `stts` deltas: the media's length in its timescale. */
  totalDuration: number;
}

/** The first sample description (`stsd` entry) of a track, as far as it is understood. */
export interface Mp4SampleEntry {
  /** The entry's four-character code (`avc1`, `mp4a`, `encv`, …). */
  type: string;
  /** The RFC 6381 codec string, or the four-character code when there is none. */
  codec: string;
  /** Coded width in pixels (visual entries). */
  width?: number;
  /** Coded height in pixels (visual entries). */
  height?: number;
  /** Hz (audio entries). */
  sampleRate?: number;
  /** Channels (audio entries). */
  channels?: number;
  /** Whether the entry is protected (`encv`, `enca`, …). */
  encrypted: boolean;
}

/** One track (`trak`). */
export interface Mp4Track {
  /** `track_ID` from `tkhd`. */
  id: number;
  /** The handler type (`vide`, `soun`, …). */
  handler: string;
  /** What the track carries. */
  kind: TrackKind;
  /** Ticks per second of the media (`mdhd`). */
  timescale: number;
  /** Media duration in `timescale` ticks (`mdhd`). */
  mediaDuration: number;
  /** Duration in the movie's timescale (`tkhd`), `0` when unknown. */
  duration: number;
  /** Display width in pixels (`tkhd`, 16.16 rounded down). */
  width: number;
  /** Display height in pixels (`tkhd`). */
  height: number;
  /** The first sample description. */
  sampleEntry: Mp4SampleEntry;
  /** Number of sample descriptions in `stsd`. */
  sampleEntryCount: number;
  /** The edit list, empty without `edts`/`elst`. */
  edits: Mp4Edit[];
  /** The sample tables. */
  samples: Mp4SampleTables;
  /** The `trak` box, for rewriting. */
  box: Mp4BoxNode;
}

/** What an MP4 file holds, as needed to index it and to rewrite its `moov`. */
export interface Mp4Movie {
  /** The file's size in bytes. */
  fileSize: number;
  /** The top-level boxes walked (all of them, or up to `moov` when `moov` comes first). */
  topLevel: TopLevelBox[];
  /** The `ftyp` box (offset and whole bytes), `null` for a QuickTime file without one. */
  ftyp: { offset: number; bytes: Uint8Array } | null;
  /** The major brand from `ftyp`, `""` without one. */
  majorBrand: string;
  /** Where the `moov` box is in the file. */
  moov: { offset: number; size: number };
  /** Whether `moov` comes before the first `mdat`. */
  fastStart: boolean;
  /** Whether `moov` holds `mvex`, so media is in movie fragments (`moof`). */
  fragmented: boolean;
  /** Ticks per second of the movie (`mvhd`). */
  timescale: number;
  /** Duration in `timescale` ticks (`mvhd`, or the longest track when it is unknown). */
  duration: number;
  /** The tracks, in file order. */
  tracks: Mp4Track[];
  /** The `moov` box tree. */
  box: Mp4BoxNode;
}
