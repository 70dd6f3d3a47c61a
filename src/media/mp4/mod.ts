/**
 * ISO BMFF (MP4, M4V, M4A, MOV, 3GP): the index of a file read from its `moov` box alone, and
 * plans for a clip by time and for a fast-start copy that stream the media bytes straight from
 * the original file.
 *
 * - {@linkcode readMp4Index} reads the index ({@linkcode MediaIndex}) and the model clips are
 *   planned from ({@linkcode Mp4Movie}).
 * - {@linkcode planMp4Clip} plans a clip from a key frame to an end time.
 * - {@linkcode planMp4FastStart} plans the same file with its `moov` first.
 *
 * @module
 */

export * from "./read_index.ts";
export * from "./movie.ts";
export * from "./plan.ts";
export * from "./clip.ts";
export * from "./fast_start.ts";
export type { Mp4FailureReason } from "./byte_reader.ts";
export type { ByteSource, KeyFrame, MediaContainer, MediaIndex, MediaTrack, TrackKind } from "../types.ts";
