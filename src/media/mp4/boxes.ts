/**
 * ISO BMFF box headers (ISO/IEC 14496-12 §4.2): a 32-bit size and a four-character type, a
 * 64-bit `largesize` when the size is 1, "to the end" when it is 0.
 *
 * @module
 */

import { ByteReader, malformed } from "./byte_reader.ts";

/** Where a box lies: in a buffer (children of `moov`) or in the file (top-level boxes). */
export interface BoxHeader {
  /** The four-character type. */
  type: string;
  /** Offset of the box's first byte. */
  start: number;
  /** The whole box's size in bytes, header included. */
  size: number;
  /** Bytes of the header: 8, or 16 with a `largesize`. */
  headerSize: number;
}

/** Most boxes one container may hold: more is a hostile file, not a real one. */
const MAX_CHILDREN = 100_000;

/**
 * Reads the header of the box at `at` inside a parent ending at `end`, where `bytes` holds the
 * parent (so `at`/`end` are buffer offsets). Size 0 means "to the end of the parent".
 */
export function readBoxHeader(bytes: Uint8Array, at: number, end: number): BoxHeader {
  const reader = new ByteReader(bytes, at, end);
  reader.need(8, "box header");
  const size32 = reader.u32();
  const type = reader.fourcc();
  const header = boxSize(size32, type, reader, end - at);
  if (header.size < header.headerSize) malformed(`box "${printable(type)}" has size ${header.size}`);
  if (at + header.size > end) malformed(`box "${printable(type)}" runs past its parent`);
  return { type, start: at, size: header.size, headerSize: header.headerSize };
}

function boxSize(
  size32: number,
  type: string,
  reader: ByteReader,
  available: number,
): { size: number; headerSize: number } {
  if (size32 === 1) {
    reader.need(8, `largesize of box "${printable(type)}"`);
    return { size: reader.u64(), headerSize: 16 };
  }
  if (size32 === 0) return { size: available, headerSize: 8 };
  return { size: size32, headerSize: 8 };
}

/**
 * The boxes in `bytes[start, end)`, in order. Fewer than 8 bytes left at the end are padding
 * (QuickTime ends some lists with a 32-bit zero) and are ignored.
 */
export function childBoxes(bytes: Uint8Array, start: number, end: number): BoxHeader[] {
  const boxes: BoxHeader[] = [];
  let at = start;
  while (end - at >= 8) {
    const box = readBoxHeader(bytes, at, end);
    boxes.push(box);
    if (boxes.length > MAX_CHILDREN) malformed("a container holds too many boxes");
    at += box.size;
  }
  return boxes;
}

/** The first box of `type` among `boxes`, or `undefined`. */
export function findBox(boxes: readonly BoxHeader[], type: string): BoxHeader | undefined {
  return boxes.find((box) => box.type === type);
}

/** The bytes of `box` after its header. */
export function boxBody(bytes: Uint8Array, box: BoxHeader): Uint8Array {
  return bytes.subarray(box.start + box.headerSize, box.start + box.size);
}

/** The four-character code with non-printable bytes escaped, for messages. */
function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
