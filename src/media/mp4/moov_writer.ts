/**
 * Writing a new `moov` from an {@linkcode Mp4Movie}: boxes that change are replaced, all others
 * are copied as they are, and chunk offsets are placed last, once the `moov`'s own size (which
 * moves the media) is known. A track switches from `stco` to `co64` when an offset reaches 2^32.
 *
 * @module
 */

import {
  type BoxTree,
  chunkOffsetBoxSize,
  encodeTree,
  treeSize,
  writeChunkOffsets,
  writeCtts,
  writeStsc,
  writeStss,
  writeStsz,
  writeStts,
} from "./box_writer.ts";
import type { Mp4BoxNode, Mp4Movie, Mp4SampleTables } from "./movie.ts";

/**
 * How one track changes: its sample tables, written anew, and other boxes replaced or
 * dropped. Keys of `boxes` are box types anywhere under the `trak` (`tkhd`, `edts`, `mdhd`,
 * `sdtp`, …); `null` drops the box. A replaced `edts` the track did not have is inserted after
 * `tkhd`.
 */
export interface TrackRewrite {
  /** Replacement (or `null` to drop) per box type. */
  boxes: Map<string, Uint8Array | null>;
  /** The tables to write; their chunk offsets are offsets in the original file, placed by the layout. */
  samples: Mp4SampleTables;
}

/** A new `moov`: its `mvhd` (when it changes) and one rewrite per track, in track order. */
export interface MoovRewrite {
  /** The new `mvhd`, or `undefined` to keep it. */
  mvhd?: Uint8Array;
  /** One per track of the movie. */
  tracks: TrackRewrite[];
}

/**
 * Where media lands once the `moov` is `moovSize` bytes: a function from an offset in the
 * original file to one in the new file.
 */
export type MoovPlacement = (moovSize: number) => (offset: number) => number;

const MAX_STCO_OFFSET = 0xffffffff;

/** The sample table boxes, written in their place in `stbl` in place of the original ones. */
const TABLE_TYPES = new Set(["stts", "ctts", "stss", "stsc", "stsz", "stz2", "stco", "co64"]);

/** Writes the new `moov`, its chunk offsets placed by `place`. */
export function writeMoov(movie: Mp4Movie, rewrite: MoovRewrite, place: MoovPlacement): Uint8Array {
  const tables = rewrite.tracks.map((track) => tableBoxes(track.samples));
  const co64 = rewrite.tracks.map(() => false);
  for (;;) {
    const placeholders = rewrite.tracks.map((track, i) => [
      ...tables[i],
      new Uint8Array(chunkOffsetBoxSize(track.samples.chunkOffsets.length, co64[i])),
    ]);
    const map = place(treeSize(moovTree(movie, rewrite, placeholders)));
    // Growing one track's table moves every offset: check again until nothing changes.
    if (!widenOffsets(rewrite, co64, map)) {
      const written = rewrite.tracks.map((track, i) => [
        ...tables[i],
        writeChunkOffsets(mapAll(track.samples.chunkOffsets, map), co64[i]),
      ]);
      return encodeTree(moovTree(movie, rewrite, written));
    }
  }
}

// In the order ffmpeg writes them; the chunk offsets follow.
function tableBoxes(samples: Mp4SampleTables): Uint8Array[] {
  const boxes = [writeStts(samples.timeCounts, samples.timeDeltas)];
  if (samples.syncSamples) boxes.push(writeStss(samples.syncSamples));
  if (samples.compositionCounts && samples.compositionOffsets) {
    boxes.push(writeCtts(samples.compositionCounts, samples.compositionOffsets));
  }
  boxes.push(writeStsc(samples.chunkRunFirst, samples.chunkRunSamples, samples.chunkRunDescription));
  boxes.push(writeStsz(samples.constantSize, samples.count, samples.sizes));
  return boxes;
}

function widenOffsets(rewrite: MoovRewrite, co64: boolean[], map: (offset: number) => number): boolean {
  let changed = false;
  rewrite.tracks.forEach((track, i) => {
    if (co64[i]) return;
    const offsets = track.samples.chunkOffsets;
    for (let c = 0; c < offsets.length; c++) {
      if (map(offsets[c]) > MAX_STCO_OFFSET) {
        co64[i] = changed = true;
        return;
      }
    }
  });
  return changed;
}

function mapAll(offsets: ArrayLike<number>, map: (offset: number) => number): Float64Array {
  const mapped = new Float64Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) mapped[i] = map(offsets[i]);
  return mapped;
}

function moovTree(movie: Mp4Movie, rewrite: MoovRewrite, tables: Uint8Array[][]): BoxTree {
  const trackOf = new Map(movie.tracks.map((track, i) => [track.box, i]));
  const children: BoxTree["children"] = [];
  for (const child of movie.box.children ?? []) {
    const track = trackOf.get(child);
    if (track !== undefined) {
      children.push(trakTree(child, rewrite.tracks[track], tables[track]));
    } else {
      children.push(child.type === "mvhd" && rewrite.mvhd ? rewrite.mvhd : child.bytes);
    }
  }
  return { type: "moov", children };
}

function trakTree(trak: Mp4BoxNode, rewrite: TrackRewrite, tables: Uint8Array[]): BoxTree {
  const used = new Set<string>();
  const tree = rebuild(trak, rewrite.boxes, tables, used);
  const edts = rewrite.boxes.get("edts");
  if (edts && !used.has("edts")) {
    const at = tree.children.findIndex((child) => child instanceof Uint8Array && typeOf(child) === "tkhd");
    tree.children.splice(at + 1, 0, edts);
  }
  return tree;
}

function rebuild(
  node: Mp4BoxNode,
  boxes: Map<string, Uint8Array | null>,
  tables: Uint8Array[],
  used: Set<string>,
): BoxTree {
  const children: BoxTree["children"] = [];
  for (const child of node.children ?? []) {
    const slot = node.type === "stbl" && TABLE_TYPES.has(child.type) ? "tables" : child.type;
    // A duplicate of a replaced box is dropped: readers use the first one anyway.
    if (used.has(slot)) continue;
    if (slot === "tables" || boxes.has(slot)) {
      used.add(slot);
      const replacement = slot === "tables" ? tables : [boxes.get(slot)];
      for (const box of replacement) if (box) children.push(box);
    } else {
      children.push(child.children ? rebuild(child, boxes, tables, used) : child.bytes);
    }
  }
  return { type: node.type, children };
}

function typeOf(bytes: Uint8Array): string {
  return String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
}

/** The box at `path` (types, one per level) under `node`, or `undefined`. */
export function findNode(node: Mp4BoxNode, path: readonly string[]): Mp4BoxNode | undefined {
  let current: Mp4BoxNode | undefined = node;
  for (const type of path) current = current?.children?.find((child) => child.type === type);
  return current;
}

// Where the duration field of each header box starts, after version and flags, per version.
const DURATION_AT: Record<string, [number, number]> = {
  mvhd: [16, 24],
  mdhd: [16, 24],
  tkhd: [20, 28],
};

/**
 * A copy of a `mvhd`, `tkhd` or `mdhd` box with its duration set (clamped to what version 0
 * holds, for a version-0 box).
 */
export function withDuration(node: Mp4BoxNode, duration: number): Uint8Array {
  const bytes = node.bytes.slice();
  const view = new DataView(bytes.buffer);
  const version = bytes[node.headerSize];
  const at = node.headerSize + DURATION_AT[node.type][version === 1 ? 1 : 0];
  const value = Math.max(0, Math.round(duration));
  if (version === 1) {
    view.setUint32(at, Math.floor(value / 2 ** 32));
    view.setUint32(at + 4, value % 2 ** 32);
  } else {
    view.setUint32(at, Math.min(value, 0xfffffffe));
  }
  return bytes;
}
