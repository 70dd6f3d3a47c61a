/**
 * EBML in memory (RFC 8794): variable-length integers, element headers and the values of
 * elements, read from a buffer with every length checked first. A hostile size or ID ends in a
 * {@linkcode MatroskaFormatError}, never in an out-of-bounds read.
 *
 * @module
 */

import { malformed, type MediaFailureReason, MediaFormatError } from "../format_error.ts";
import { idName } from "./elements.ts";

/** Why a Matroska file was not read. */
export type MatroskaFailureReason = MediaFailureReason;
export { malformed, MediaFormatError as MatroskaFormatError };

/** Throws a `"too-large"` {@linkcode MatroskaFormatError} with `message`. */
export function tooLarge(message: string): never {
  throw new MediaFormatError("too-large", message);
}

/** The header of an element: its ID and the size of its data. */
export interface ElementHeader {
  /** The ID with its length marker, as specifications write it (`0x1A45DFA3`). */
  id: number;
  /** Offset of the ID. */
  offset: number;
  /** Bytes of the ID and the size together. */
  headerSize: number;
  /** Bytes of the data, `null` for an unknown size (all value bits set, RFC 8794 §6.2). */
  size: number | null;
}

/** An element with a known size inside a buffer. */
export interface Element {
  /** The ID with its length marker. */
  id: number;
  /** Offset of the ID. */
  offset: number;
  /** Offset of the first byte of the data. */
  dataStart: number;
  /** Offset just past the data. */
  dataEnd: number;
}

/** Most bytes of an element header: a 4-byte ID (Matroska's `EBMLMaxIDLength`) and an 8-byte size. */
export const MAX_HEADER_SIZE = 12;

const MAX_ID_LENGTH = 4;
const MAX_SIZE_LENGTH = 8;

/** Bytes of the VINT whose first byte is `first`: its leading zero bits plus one (RFC 8794 §4). */
function vintLength(first: number): number {
  return Math.clz32(first) - 23;
}

/**
 * Reads the element ID at `at`; IDs of more than 4 bytes, and the reserved all-zero and all-one
 * values, are malformed (RFC 8794 §5). `base` is the file offset of `bytes`, for messages.
 */
export function readId(bytes: Uint8Array, at: number, end: number, base = 0): { id: number; length: number } {
  const where = base + at;
  if (at >= end) malformed(`element ID at ${where} is truncated`);
  const length = vintLength(bytes[at]);
  if (length > MAX_ID_LENGTH) malformed(`element ID at ${where} is longer than ${MAX_ID_LENGTH} bytes`);
  if (at + length > end) malformed(`element ID at ${where} is truncated`);
  let id = 0;
  for (let i = 0; i < length; i++) id = id * 256 + bytes[at + i];
  const marker = 2 ** (7 * length);
  const value = id - marker;
  if (value === 0 || value === marker - 1) malformed(`element ID ${idName(id)} at ${where} is reserved`);
  return { id, length };
}

/**
 * Reads the VINT at `at` as an unsigned value (element sizes, track numbers in blocks): `null`
 * when every value bit is set, which for a size means "unknown" (RFC 8794 §6.2). Values past
 * 2^53 come back inexact but huge, so a bounds check still refuses them. `base` is the file
 * offset of `bytes`, for messages.
 */
export function readVint(
  bytes: Uint8Array,
  at: number,
  end: number,
  base = 0,
): { value: number | null; length: number } {
  const where = base + at;
  if (at >= end) malformed(`variable-length integer at ${where} is truncated`);
  const first = bytes[at];
  const length = vintLength(first);
  if (length > MAX_SIZE_LENGTH) malformed(`variable-length integer at ${where} is longer than 8 bytes`);
  if (at + length > end) malformed(`variable-length integer at ${where} is truncated`);
  const mask = 0xff >> length;
  let value = first & mask;
  let allOnes = value === mask;
  for (let i = 1; i < length; i++) {
    const byte = bytes[at + i];
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value: allOnes ? null : value, length };
}

/**
 * Reads the element header at `at`; offsets in the result are those of `bytes`, `base` is the
 * file offset of `bytes`, for messages.
 */
export function readElementHeader(bytes: Uint8Array, at: number, end: number, base = 0): ElementHeader {
  const { id, length } = readId(bytes, at, end, base);
  const size = readVint(bytes, at + length, end, base);
  return { id, offset: at, headerSize: length + size.length, size: size.value };
}

/**
 * The children of the element whose data is `bytes[start, end)`, in order. Each must have a
 * known size that ends inside the parent: unknown sizes are only allowed for Segment and
 * Cluster (RFC 9559's schema), which are never read whole.
 */
export function* childElements(bytes: Uint8Array, start: number, end: number): Generator<Element> {
  let at = start;
  while (at < end) {
    const header = readElementHeader(bytes, at, end);
    const dataStart = at + header.headerSize;
    if (header.size === null) malformed(`element ${idName(header.id)} at ${at} has an unknown size`);
    if (header.size > end - dataStart) {
      malformed(`element ${idName(header.id)} at ${at} runs past its parent`);
    }
    const dataEnd = dataStart + header.size;
    yield { id: header.id, offset: at, dataStart, dataEnd };
    at = dataEnd;
  }
}

/** The unsigned integer in `element` (0 to 8 bytes, big-endian); past 2^53 it is malformed. */
export function readUint(bytes: Uint8Array, element: Element): number {
  const length = element.dataEnd - element.dataStart;
  if (length > 8) malformed(`integer element ${idName(element.id)} has ${length} bytes`);
  let value = 0;
  for (let i = element.dataStart; i < element.dataEnd; i++) value = value * 256 + bytes[i];
  if (value > Number.MAX_SAFE_INTEGER) malformed(`integer element ${idName(element.id)} is too large`);
  return value;
}

/** The float in `element`: 0, 4 or 8 bytes (RFC 8794 §7.3); other lengths are malformed. */
export function readFloat(bytes: Uint8Array, element: Element): number {
  const length = element.dataEnd - element.dataStart;
  if (length === 0) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset + element.dataStart, length);
  if (length === 4) return view.getFloat32(0);
  if (length === 8) return view.getFloat64(0);
  return malformed(`float element ${idName(element.id)} has ${length} bytes`);
}

const UTF8 = new TextDecoder();

/** The string in `element`, without the zero bytes that may pad it (RFC 8794 §7.4). */
export function readString(bytes: Uint8Array, element: Element): string {
  let end = element.dataEnd;
  while (end > element.dataStart && bytes[end - 1] === 0) end--;
  return UTF8.decode(bytes.subarray(element.dataStart, end));
}

/** The bytes of `element`, as a view into `bytes`. */
export function readBinary(bytes: Uint8Array, element: Element): Uint8Array {
  return bytes.subarray(element.dataStart, element.dataEnd);
}
