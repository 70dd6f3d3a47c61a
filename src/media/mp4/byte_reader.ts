/**
 * Bounded big-endian reading of box payloads. Every read checks the bytes left first, so a
 * hostile size or count ends in an {@linkcode Mp4FormatError}, never in an out-of-bounds read.
 *
 * @module
 */

import { malformed, type MediaFailureReason, MediaFormatError } from "../format_error.ts";

/** Why an MP4 file was not read. */
export type Mp4FailureReason = MediaFailureReason;
export { malformed, MediaFormatError as Mp4FormatError };

const TWO_32 = 2 ** 32;
// Largest high word of a 64-bit value that still fits in a JavaScript number without loss.
const MAX_SAFE_HIGH = 2 ** 21 - 1;

/** A cursor over `bytes[start, end)` that refuses to read past `end`. */
export class ByteReader {
  /** The bytes read. */
  readonly bytes: Uint8Array;
  /** Offset of the next byte to read. */
  pos: number;
  /** Offset just past the last readable byte. */
  readonly end: number;
  readonly #view: DataView;

  /**
   * @param bytes The buffer.
   * @param start Offset of the first readable byte.
   * @param end Offset just past the last readable byte.
   */
  constructor(bytes: Uint8Array, start = 0, end: number = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = Math.min(end, bytes.length);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `length` more bytes can be read; `what` names them in the message. */
  need(length: number, what: string): void {
    if (!(length <= this.remaining)) malformed(`${what} needs ${length} bytes, ${this.remaining} left`);
  }

  /**
   * Throws unless `count` entries of `entrySize` bytes fit in what is left: checked before any
   * table is allocated, so a huge count costs nothing.
   */
  needEntries(count: number, entrySize: number, what: string): void {
    if (count * entrySize > this.remaining) {
      malformed(`${what} declares ${count} entries but only ${this.remaining} bytes follow`);
    }
  }

  /** Skips `length` bytes. */
  skip(length: number): void {
    this.need(length, "skip");
    this.pos += length;
  }

  /** An unsigned byte. */
  u8(): number {
    this.need(1, "u8");
    return this.#view.getUint8(this.pos++);
  }

  /** An unsigned 16-bit integer. */
  u16(): number {
    this.need(2, "u16");
    const value = this.#view.getUint16(this.pos);
    this.pos += 2;
    return value;
  }

  /** An unsigned 24-bit integer. */
  u24(): number {
    this.need(3, "u24");
    const value = (this.#view.getUint16(this.pos) << 8) | this.#view.getUint8(this.pos + 2);
    this.pos += 3;
    return value;
  }

  /** An unsigned 32-bit integer. */
  u32(): number {
    this.need(4, "u32");
    const value = this.#view.getUint32(this.pos);
    this.pos += 4;
    return value;
  }

  /** A signed 32-bit integer. */
  i32(): number {
    this.need(4, "i32");
    const value = this.#view.getInt32(this.pos);
    this.pos += 4;
    return value;
  }

  /** An unsigned 64-bit integer; throws when it does not fit in a number exactly. */
  u64(): number {
    this.need(8, "u64");
    const high = this.#view.getUint32(this.pos);
    const low = this.#view.getUint32(this.pos + 4);
    this.pos += 8;
    if (high > MAX_SAFE_HIGH) malformed("a 64-bit value is too large");
    return high * TWO_32 + low;
  }

  /** A signed 64-bit integer; throws when it does not fit in a number exactly. */
  i64(): number {
    this.need(8, "i64");
    const value = this.#view.getBigInt64(this.pos);
    this.pos += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      malformed("a 64-bit value is too large");
    }
    return Number(value);
  }

  /** A four-character code. */
  fourcc(): string {
    this.need(4, "four-character code");
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
  }

  /** The next `length` bytes, as a view (no copy). */
  take(length: number): Uint8Array {
    this.need(length, "bytes");
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }
}
