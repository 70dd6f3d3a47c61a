/**
 * Matroska and WebM: the index of a file read by ranges (EBML header, SeekHead, Info, Tracks,
 * Cues; Clusters skipped by their size), and the map between byte offsets and media time
 * through its cue points.
 *
 * @module
 */

export * from "./read_index.ts";
export * from "./matroska_info.ts";
export * from "./time_map.ts";
