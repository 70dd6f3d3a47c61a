/**
 * Where things are in a Matroska Segment: the Info, Tracks and Cues elements and the first
 * Cluster, found from the headers of the Segment's top-level elements and its SeekHead. Only
 * headers are read here; Clusters are skipped by their size.
 *
 * @module
 */

import { type ElementHeader, malformed, MatroskaFormatError, readElementHeader, readUint } from "./ebml.ts";
import { ELEMENT_ID, idName } from "./elements.ts";
import { dataEnd, type RangeReader, readElementData, readHeaderAt } from "./range_reader.ts";
import { parseSeekHead, type SeekEntry } from "./seek_head.ts";

/** A Cluster met while walking the Segment. */
export interface WalkedCluster {
  /** The Cluster's file offset. */
  offset: number;
  /** Its Timestamp in Segment ticks, `null` when it does not come first in the Cluster. */
  ticks: number | null;
}

/** Where the Segment's parts are. */
export interface SegmentLayout {
  /** File offset of the Segment element. */
  offset: number;
  /** File offset of the Segment's data: positions in the SeekHead and Cues count from here. */
  dataOffset: number;
  /** Offset just past the Segment's data, at most the file's size (an unknown size runs to the end). */
  end: number;
  /** The Info element's header. */
  info: ElementHeader | null;
  /** The Tracks element's header. */
  tracks: ElementHeader | null;
  /** The Cues element's header. */
  cues: ElementHeader | null;
  /** File offset of the first Cluster. */
  firstCluster: number | null;
  /** The Clusters walked, in file order: the first one, or all when there is no SeekHead. */
  clusters: WalkedCluster[];
  /** Whether the walk reached the Segment's end, so {@linkcode SegmentLayout.clusters} is every Cluster. */
  walkedToEnd: boolean;
}

/** Limits of {@linkcode scanSegment}. */
export interface SegmentLimits {
  /** Largest SeekHead read. */
  maxElementSize: number;
  /** Most top-level elements walked; the walk stops there and reports what it found. */
  maxTopLevelElements: number;
}

// Elements that may stand between the EBML header and the Segment.
const MAX_ELEMENTS_BEFORE_SEGMENT = 16;
// SeekHeads read, following the ones a SeekHead points to (RFC 9559 allows two).
const MAX_SEEK_HEADS = 8;
// Seek entries tried for one element, so a SeekHead full of bad entries costs few reads.
const MAX_TRIES_PER_ELEMENT = 4;
// Bytes read at a Cluster for its Timestamp: header, an optional CRC-32, the Timestamp.
const CLUSTER_PEEK = 48;

type Part = "info" | "tracks" | "cues";
const PART_OF_ID: ReadonlyMap<number, Part> = new Map([
  [ELEMENT_ID.Info, "info"],
  [ELEMENT_ID.Tracks, "tracks"],
  [ELEMENT_ID.Cues, "cues"],
]);

/** Finds the first Segment after the EBML header, which ends at `from`. */
export async function findSegment(reader: RangeReader, from: number): Promise<ElementHeader> {
  let at = from;
  for (let i = 0; i < MAX_ELEMENTS_BEFORE_SEGMENT && at < reader.size; i++) {
    const header = await readHeaderAt(reader, at, reader.size);
    if (header.id === ELEMENT_ID.Segment) return header;
    if (header.size === null) break;
    at = dataEnd(header, reader.size);
  }
  return malformed("no Segment follows the EBML header");
}

/**
 * Walks the top-level elements of `segment` up to its first Cluster, then reads its SeekHeads;
 * without a SeekHead, walks on past the Clusters to find the Cues. A Cluster of unknown size
 * (live WebM) ends the walk, since what follows it cannot be found without reading it.
 */
export async function scanSegment(
  reader: RangeReader,
  segment: ElementHeader,
  limits: SegmentLimits,
): Promise<SegmentLayout> {
  const dataOffset = segment.offset + segment.headerSize;
  const layout: SegmentLayout = {
    offset: segment.offset,
    dataOffset,
    end: Math.min(dataEnd(segment, reader.size), reader.size),
    info: null,
    tracks: null,
    cues: null,
    firstCluster: null,
    clusters: [],
    walkedToEnd: false,
  };
  const walk = new SegmentWalk(reader, layout, limits.maxTopLevelElements);
  await walk.run(() => layout.firstCluster !== null);
  if (walk.seekHeads.length > 0) await followSeekHeads(reader, layout, walk.seekHeads, limits.maxElementSize);
  else await walk.run(() => layout.info !== null && layout.tracks !== null && layout.cues !== null);
  return layout;
}

/** The walk over the Segment's top-level elements, by their headers. */
class SegmentWalk {
  /** File offsets of the SeekHeads met. */
  readonly seekHeads: number[] = [];
  readonly #reader: RangeReader;
  readonly #layout: SegmentLayout;
  #at: number;
  #left: number;
  #stopped = false;

  constructor(reader: RangeReader, layout: SegmentLayout, maxElements: number) {
    this.#reader = reader;
    this.#layout = layout;
    this.#at = layout.dataOffset;
    this.#left = maxElements;
  }

  /** Walks until `done()`, the Segment's end, a Cluster of unknown size or the element limit. */
  async run(done: () => boolean): Promise<void> {
    while (!this.#stopped && !done()) {
      if (this.#at >= this.#layout.end) {
        this.#layout.walkedToEnd = true;
        this.#stopped = true;
      } else if (this.#left-- <= 0) {
        this.#stopped = true;
      } else {
        await this.#visit(await readHeaderAt(this.#reader, this.#at, this.#layout.end));
      }
    }
  }

  async #visit(header: ElementHeader): Promise<void> {
    const layout = this.#layout;
    const part = PART_OF_ID.get(header.id);
    if (part) layout[part] ??= header;
    if (header.id === ELEMENT_ID.SeekHead) this.seekHeads.push(header.offset);
    if (header.id === ELEMENT_ID.Cluster) await this.#visitCluster(header);
    if (header.size === null) {
      if (header.id !== ELEMENT_ID.Cluster) {
        malformed(`top-level element ${idName(header.id)} at ${header.offset} has an unknown size`);
      }
      this.#stopped = true;
      return;
    }
    const next = dataEnd(header, layout.end);
    // Data cut short: the file was truncated inside this element, nothing follows it.
    if (next > layout.end) this.#stopped = true;
    this.#at = next;
  }

  async #visitCluster(header: ElementHeader): Promise<void> {
    this.#layout.firstCluster ??= header.offset;
    const dataStart = header.offset + header.headerSize;
    const end = Math.min(dataEnd(header, this.#layout.end), this.#layout.end);
    const peek = await this.#reader.bytes(dataStart, Math.min(CLUSTER_PEEK, end - dataStart));
    this.#layout.clusters.push({ offset: header.offset, ticks: clusterTimestamp(peek) });
  }
}

/** The Timestamp at the start of a Cluster's data `peek`, after an optional CRC-32 or Void. */
function clusterTimestamp(peek: Uint8Array): number | null {
  let at = 0;
  try {
    for (let i = 0; i < 3 && at < peek.length; i++) {
      const header = readElementHeader(peek, at, peek.length);
      const dataStart = at + header.headerSize;
      if (header.size === null || header.size > peek.length - dataStart) return null;
      const element = { id: header.id, offset: at, dataStart, dataEnd: dataStart + header.size };
      if (header.id === ELEMENT_ID.Timestamp) return readUint(peek, element);
      if (header.id !== ELEMENT_ID.CRC32 && header.id !== ELEMENT_ID.Void) return null;
      at = element.dataEnd;
    }
  } catch (error) {
    if (!(error instanceof MatroskaFormatError)) throw error;
  }
  return null;
}

/** Reads the SeekHeads at `offsets` and those they point to, filling the parts not found yet. */
async function followSeekHeads(
  reader: RangeReader,
  layout: SegmentLayout,
  offsets: readonly number[],
  maxElementSize: number,
): Promise<void> {
  const queue = [...offsets];
  const visited = new Set<number>();
  const tries = new Map<Part, number>();
  const missing = (): boolean => layout.info === null || layout.tracks === null || layout.cues === null;
  while (queue.length > 0 && visited.size < MAX_SEEK_HEADS && missing()) {
    const offset = queue.shift()!;
    if (visited.has(offset)) continue;
    visited.add(offset);
    const header = await headerWithId(reader, layout, offset, ELEMENT_ID.SeekHead);
    if (!header) continue;
    const body = await readElementData(reader, header, maxElementSize, "SeekHead");
    for (const entry of parseSeekHead(body, layout.dataOffset)) {
      if (entry.id === ELEMENT_ID.SeekHead) queue.push(entry.offset);
      else await useSeekEntry(reader, layout, entry, tries);
    }
  }
}

async function useSeekEntry(
  reader: RangeReader,
  layout: SegmentLayout,
  entry: SeekEntry,
  tries: Map<Part, number>,
): Promise<void> {
  const part = PART_OF_ID.get(entry.id);
  if (!part || layout[part] !== null) return;
  const tried = tries.get(part) ?? 0;
  if (tried >= MAX_TRIES_PER_ELEMENT) return;
  tries.set(part, tried + 1);
  layout[part] = await headerWithId(reader, layout, entry.offset, entry.id);
}

/**
 * The header at `offset` when it is inside the Segment and has the ID `id`, else `null`: a
 * SeekHead is a hint, and a stale or hostile entry only costs a read.
 */
async function headerWithId(
  reader: RangeReader,
  layout: SegmentLayout,
  offset: number,
  id: number,
): Promise<ElementHeader | null> {
  if (offset < layout.dataOffset || offset >= layout.end) return null;
  try {
    const header = await readHeaderAt(reader, offset, layout.end);
    return header.id === id ? header : null;
  } catch (error) {
    if (error instanceof MatroskaFormatError) return null;
    throw error;
  }
}
