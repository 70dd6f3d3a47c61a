/**
 * The first bytes of a track's first frame, found among the first blocks of the first Cluster:
 * for codecs whose profile and bit depth are only in the bitstream (VP9 from muxers that write
 * no CodecPrivate). A bounded, best-effort look: anything unexpected answers `null`.
 *
 * @module
 */

import { type ElementHeader, MatroskaFormatError, readVint } from "./ebml.ts";
import { ELEMENT_ID } from "./elements.ts";
import { dataEnd, type RangeReader, readHeaderAt } from "./range_reader.ts";

/** Children of the Cluster looked at before giving up. */
const MAX_CHILDREN = 64;
/** Children of a BlockGroup looked at. */
const MAX_GROUP_CHILDREN = 8;
/** Bytes of a block read: its header (track VINT, timecode, flags) and the frame's start. */
const BLOCK_PEEK = 48;

/**
 * The first bytes of the first frame of track `track` in the Cluster at `clusterOffset`, or
 * `null` when it is not among the first blocks, is laced, or anything does not parse.
 */
export async function firstFrameStart(
  reader: RangeReader,
  clusterOffset: number,
  segmentEnd: number,
  track: number,
): Promise<Uint8Array | null> {
  try {
    const cluster = await readHeaderAt(reader, clusterOffset, segmentEnd);
    if (cluster.id !== ELEMENT_ID.Cluster) return null;
    const end = Math.min(dataEnd(cluster, segmentEnd), segmentEnd);
    return await findInChildren(reader, cluster, end, track, MAX_CHILDREN);
  } catch (error) {
    if (error instanceof MatroskaFormatError) return null;
    throw error;
  }
}

async function findInChildren(
  reader: RangeReader,
  parent: ElementHeader,
  end: number,
  track: number,
  maxChildren: number,
): Promise<Uint8Array | null> {
  let at = parent.offset + parent.headerSize;
  for (let i = 0; i < maxChildren && at < end; i++) {
    const header = await readHeaderAt(reader, at, end);
    if (header.size === null) return null;
    const next = dataEnd(header, end);
    if (header.id === ELEMENT_ID.SimpleBlock || header.id === ELEMENT_ID.Block) {
      const frame = await blockFrame(reader, header, track);
      if (frame !== undefined) return frame;
    } else if (header.id === ELEMENT_ID.BlockGroup) {
      const frame = await findInChildren(reader, header, Math.min(next, end), track, MAX_GROUP_CHILDREN);
      if (frame) return frame;
    }
    at = next;
  }
  return null;
}

/**
 * The frame's first bytes when the block at `header` is of `track`, `null` when it is but is
 * laced, `undefined` when it is of another track (RFC 9559, block structure).
 */
async function blockFrame(
  reader: RangeReader,
  header: ElementHeader,
  track: number,
): Promise<Uint8Array | null | undefined> {
  const bytes = await reader.bytes(header.offset + header.headerSize, Math.min(header.size ?? 0, BLOCK_PEEK));
  const number = readVint(bytes, 0, bytes.length);
  if (number.value !== track) return undefined;
  const flags = number.length + 2;
  if (flags >= bytes.length) return null;
  const lacing = (bytes[flags] >> 1) & 3;
  return lacing === 0 ? bytes.subarray(flags + 1) : null;
}
