/**
 * The `moov` box into an {@linkcode Mp4Movie}: `mvhd`, and per `trak` its `tkhd`, `edts/elst`,
 * `mdia/mdhd`, `hdlr` and `minf/stbl` (ISO/IEC 14496-12 §8.2–8.7). Only the containers on the
 * way to the sample tables are walked, so nesting is bounded by the code, not by the file.
 *
 * @module
 */

import type { TrackKind } from "../types.ts";
import { ByteReader, malformed, Mp4FormatError } from "./byte_reader.ts";
import { boxBody, childBoxes, readBoxHeader } from "./boxes.ts";
import { readSampleDescriptions } from "./codecs.ts";
import type { Mp4BoxNode, Mp4Edit, Mp4Movie, Mp4Track } from "./movie.ts";
import { readSampleTables, type SampleTableBoxes } from "./sample_tables.ts";
import type { TopLevelScan } from "./top_level.ts";

/** Limits applied while reading `moov`. */
export interface MoovLimits {
  /** Most samples over all tracks. */
  maxSamples: number;
}

// The containers walked, and which of their children are walked in turn.
const WALKED: Record<string, readonly string[]> = {
  moov: ["trak"],
  trak: ["mdia"],
  mdia: ["minf"],
  minf: ["stbl"],
  stbl: [],
};

// Real files have a handful of tracks and edits; these bound the objects a hostile moov makes.
const MAX_TRACKS = 1000;
const MAX_EDITS = 10_000;

const KINDS: Record<string, TrackKind> = {
  vide: "video",
  soun: "audio",
  subt: "subtitle",
  text: "subtitle",
  sbtl: "subtitle",
};

/** Reads the movie from a top-level scan of a file of `fileSize` bytes. */
export function parseMovie(scan: TopLevelScan, fileSize: number, limits: MoovLimits): Mp4Movie {
  const bytes = scan.moov.bytes;
  const box = boxNode(bytes, 0, bytes.length, true);
  const children = box.children ?? [];
  const header = readMovieHeader(leaf(children, "mvhd", "moov"));
  let budget = limits.maxSamples;
  const tracks: Mp4Track[] = [];
  const traks = children.filter((child) => child.type === "trak");
  if (traks.length > MAX_TRACKS) throw new Mp4FormatError("too-large", `${traks.length} tracks`);
  for (const trak of traks) {
    const track = readTrack(trak, fileSize, budget);
    budget -= track.samples.count;
    tracks.push(track);
  }
  const mvex = children.find((child) => child.type === "mvex");
  const duration = header.duration || (mvex ? fragmentDuration(mvex) : 0) ||
    tracks.reduce((longest, track) => Math.max(longest, trackMovieDuration(track, header.timescale)), 0);
  return {
    fileSize,
    topLevel: scan.boxes,
    ftyp: scan.ftyp,
    majorBrand: scan.ftyp && scan.ftyp.bytes.length >= 12 ? fourccAt(scan.ftyp.bytes, 8) : "",
    moov: { offset: scan.moov.offset, size: bytes.length },
    fastStart: scan.fastStart,
    fragmented: mvex !== undefined,
    timescale: header.timescale,
    duration,
    tracks,
    box: compact(box),
  };
}

// The sample tables are rewritten from the typed arrays, so their bytes are not kept; the other
// boxes are copied out of the moov buffer, which can then be freed.
const TABLE_TYPES = new Set(["stts", "ctts", "stss", "stsc", "stsz", "stz2", "stco", "co64"]);

function compact(node: Mp4BoxNode, parent = ""): Mp4BoxNode {
  const table = parent === "stbl" && TABLE_TYPES.has(node.type);
  node.bytes = node.bytes.slice(0, node.children !== null || table ? node.headerSize : node.bytes.length);
  for (const child of node.children ?? []) compact(child, node.type);
  return node;
}

function fourccAt(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function boxNode(bytes: Uint8Array, start: number, end: number, walk: boolean): Mp4BoxNode {
  const header = readBoxHeader(bytes, start, end);
  const node: Mp4BoxNode = {
    type: header.type,
    bytes: bytes.subarray(start, start + header.size),
    headerSize: header.headerSize,
    children: null,
  };
  const walked = WALKED[header.type];
  if (walk && walked) {
    const boxStart = start + header.headerSize;
    node.children = childBoxes(bytes, boxStart, start + header.size).map((child) =>
      boxNode(bytes, child.start, child.start + child.size, walked.includes(child.type))
    );
  }
  return node;
}

/** The payload of the first child of `type`, after its header. */
function leaf(children: readonly Mp4BoxNode[], type: string, parent: string): Uint8Array {
  const found = optionalLeaf(children, type);
  if (!found) malformed(`${parent} has no ${type} box`);
  return found;
}

function optionalLeaf(children: readonly Mp4BoxNode[], type: string): Uint8Array | undefined {
  const node = children.find((child) => child.type === type);
  return node ? node.bytes.subarray(node.headerSize) : undefined;
}

function container(children: readonly Mp4BoxNode[], type: string, parent: string): Mp4BoxNode[] {
  const node = children.find((child) => child.type === type);
  if (!node?.children) malformed(`${parent} has no ${type} box`);
  return node.children;
}

/** A version-dependent duration: 32 or 64 bits, all ones meaning "unknown" (0 here). */
function readDuration(reader: ByteReader, version: number): number {
  if (version !== 1) {
    const value = reader.u32();
    return value === 0xffffffff ? 0 : value;
  }
  const high = reader.u32();
  const low = reader.u32();
  if (high === 0xffffffff && low === 0xffffffff) return 0;
  if (high >= 2 ** 21) malformed("a duration is too large");
  return high * 2 ** 32 + low;
}

function versioned(body: Uint8Array): { reader: ByteReader; version: number } {
  const reader = new ByteReader(body);
  const version = reader.u8();
  reader.skip(3);
  if (version > 1) throw new Mp4FormatError("unsupported", `box version ${version}`);
  return { reader, version };
}

function readMovieHeader(body: Uint8Array): { timescale: number; duration: number } {
  const { reader, version } = versioned(body);
  reader.skip(version === 1 ? 16 : 8);
  const timescale = reader.u32();
  if (timescale === 0) malformed("mvhd has a zero timescale");
  return { timescale, duration: readDuration(reader, version) };
}

function fragmentDuration(mvex: Mp4BoxNode): number {
  const children = childBoxes(mvex.bytes, mvex.headerSize, mvex.bytes.length);
  const mehd = children.find((child) => child.type === "mehd");
  if (!mehd) return 0;
  const { reader, version } = versioned(
    mvex.bytes.subarray(mehd.start + mehd.headerSize, mehd.start + mehd.size),
  );
  return readDuration(reader, version);
}

function trackMovieDuration(track: Mp4Track, movieTimescale: number): number {
  return track.duration || Math.round((track.mediaDuration / track.timescale) * movieTimescale);
}

function readTrack(trak: Mp4BoxNode, fileSize: number, maxSamples: number): Mp4Track {
  const children = trak.children ?? [];
  const header = readTrackHeader(leaf(children, "tkhd", "trak"));
  const mdia = container(children, "mdia", "trak");
  const media = readMediaHeader(leaf(mdia, "mdhd", "mdia"));
  const handler = readHandler(leaf(mdia, "hdlr", "mdia"));
  const stbl = container(container(mdia, "minf", "mdia"), "stbl", "minf");
  const descriptions = readSampleDescriptions(leaf(stbl, "stsd", "stbl"), handler);
  const samples = readSampleTables(tableBoxes(stbl), {
    maxSamples,
    fileSize,
    descriptionCount: descriptions.count,
  });
  const entry = descriptions.entry;
  if (handler === "soun" && !entry.sampleRate) entry.sampleRate = media.timescale;
  return {
    id: header.id,
    handler,
    kind: KINDS[handler] ?? "other",
    timescale: media.timescale,
    mediaDuration: media.duration || samples.totalDuration,
    duration: header.duration,
    width: header.width,
    height: header.height,
    sampleEntry: entry,
    sampleEntryCount: descriptions.count,
    edits: readEdits(children),
    samples,
    box: trak,
  };
}

function tableBoxes(stbl: readonly Mp4BoxNode[]): SampleTableBoxes {
  const boxes: SampleTableBoxes = {};
  for (const type of ["stts", "ctts", "stss", "stsc", "stsz", "stz2", "stco", "co64"] as const) {
    boxes[type] = optionalLeaf(stbl, type);
  }
  return boxes;
}

function readTrackHeader(body: Uint8Array): { id: number; duration: number; width: number; height: number } {
  const { reader, version } = versioned(body);
  reader.skip(version === 1 ? 16 : 8);
  const id = reader.u32();
  reader.skip(4);
  const duration = readDuration(reader, version);
  reader.skip(52);
  const width = Math.floor(reader.u32() / 65536);
  const height = Math.floor(reader.u32() / 65536);
  return { id, duration, width, height };
}

function readMediaHeader(body: Uint8Array): { timescale: number; duration: number } {
  const { reader, version } = versioned(body);
  reader.skip(version === 1 ? 16 : 8);
  const timescale = reader.u32();
  if (timescale === 0) malformed("mdhd has a zero timescale");
  return { timescale, duration: readDuration(reader, version) };
}

function readHandler(body: Uint8Array): string {
  const reader = new ByteReader(body);
  reader.skip(8);
  return reader.fourcc();
}

function readEdits(trak: readonly Mp4BoxNode[]): Mp4Edit[] {
  const edts = trak.find((child) => child.type === "edts");
  if (!edts) return [];
  const elst = childBoxes(edts.bytes, edts.headerSize, edts.bytes.length).find((child) =>
    child.type === "elst"
  );
  return elst ? readElst(boxBody(edts.bytes, elst)) : [];
}

function readElst(body: Uint8Array): Mp4Edit[] {
  const { reader, version } = versioned(body);
  const count = reader.u32();
  reader.needEntries(count, version === 1 ? 20 : 12, "elst");
  if (count > MAX_EDITS) throw new Mp4FormatError("too-large", `elst has ${count} edits`);
  const edits: Mp4Edit[] = [];
  for (let i = 0; i < count; i++) {
    const segmentDuration = version === 1 ? reader.u64() : reader.u32();
    const mediaTime = version === 1 ? reader.i64() : reader.i32();
    const mediaRate = reader.i32() / 65536;
    if (mediaTime < -1) malformed(`elst media time ${mediaTime}`);
    edits.push({ segmentDuration, mediaTime, mediaRate });
  }
  return edits;
}
