/**
 * Writing ISO BMFF boxes: a big-endian byte writer, box and full-box framing, the sample
 * tables (`stts`, `ctts`, `stss`, `stsc`, `stsz`, `stco`/`co64`), edit lists, and trees of boxes
 * whose sizes are known before their bytes are written.
 *
 * @module
 */

import type { Mp4Edit } from "./movie.ts";

const TWO_32 = 2 ** 32;

/** A growable big-endian writer. */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  /** @param capacity Bytes to allocate up front (the exact size avoids any copy). */
  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(Math.max(16, capacity));
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #room(size: number): number {
    const at = this.#length;
    if (at + size > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, at + size));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length += size;
    return at;
  }

  /** Writes an unsigned byte. */
  u8(value: number): this {
    this.#view.setUint8(this.#room(1), value);
    return this;
  }

  /** Writes an unsigned 16-bit integer. */
  u16(value: number): this {
    this.#view.setUint16(this.#room(2), value);
    return this;
  }

  /** Writes an unsigned 24-bit integer. */
  u24(value: number): this {
    const at = this.#room(3);
    this.#view.setUint16(at, value >>> 8);
    this.#view.setUint8(at + 2, value & 0xff);
    return this;
  }

  /** Writes an unsigned 32-bit integer. */
  u32(value: number): this {
    this.#view.setUint32(this.#room(4), value);
    return this;
  }

  /** Writes a signed 32-bit integer. */
  i32(value: number): this {
    this.#view.setInt32(this.#room(4), value);
    return this;
  }

  /** Writes an unsigned 64-bit integer (exact up to 2^53). */
  u64(value: number): this {
    const at = this.#room(8);
    this.#view.setUint32(at, Math.floor(value / TWO_32));
    this.#view.setUint32(at + 4, value % TWO_32);
    return this;
  }

  /** Writes a signed 64-bit integer (exact within ±2^53). */
  i64(value: number): this {
    this.#view.setBigInt64(this.#room(8), BigInt(value));
    return this;
  }

  /** Writes a four-character code. */
  fourcc(type: string): this {
    const at = this.#room(4);
    for (let i = 0; i < 4; i++) this.#bytes[at + i] = type.charCodeAt(i) & 0xff;
    return this;
  }

  /** Writes `bytes` as they are. */
  bytes(bytes: Uint8Array): this {
    this.#bytes.set(bytes, this.#room(bytes.length));
    return this;
  }

  /** Writes `count` zero bytes. */
  zeros(count: number): this {
    this.#bytes.fill(0, this.#room(count), this.#length);
    return this;
  }

  /** The bytes written (a view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}

/** Size of a box header for a payload of `bodySize` bytes: 8, or 16 with a 64-bit size. */
export function boxHeaderSize(bodySize: number): number {
  return bodySize + 8 <= 0xffffffff ? 8 : 16;
}

/** Writes a box header for a payload of `bodySize` bytes. */
export function writeBoxHeader(writer: ByteWriter, type: string, bodySize: number): void {
  if (boxHeaderSize(bodySize) === 8) {
    writer.u32(bodySize + 8).fourcc(type);
  } else {
    writer.u32(1).fourcc(type).u64(bodySize + 16);
  }
}

/** A box of `type` around `parts`. */
export function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const bodySize = parts.reduce((sum, part) => sum + part.length, 0);
  const writer = new ByteWriter(bodySize + boxHeaderSize(bodySize));
  writeBoxHeader(writer, type, bodySize);
  for (const part of parts) writer.bytes(part);
  return writer.finish();
}

/**
 * A full box (version and flags) of `type` whose payload of `bodySize` bytes is written by
 * `write`.
 */
export function fullBox(
  type: string,
  version: number,
  flags: number,
  bodySize: number,
  write: (writer: ByteWriter) => void,
): Uint8Array {
  const writer = new ByteWriter(bodySize + 12);
  writer.u32(bodySize + 12).fourcc(type).u8(version).u24(flags);
  write(writer);
  if (writer.length !== bodySize + 12) {
    throw new RangeError(
      `Cannot write box "${type}": wrote ${writer.length - 12} bytes, declared ${bodySize}`,
    );
  }
  return writer.finish();
}

/** `stts` from its runs. */
export function writeStts(counts: ArrayLike<number>, deltas: ArrayLike<number>): Uint8Array {
  return fullBox("stts", 0, 0, 4 + counts.length * 8, (w) => {
    w.u32(counts.length);
    for (let i = 0; i < counts.length; i++) w.u32(counts[i]).u32(deltas[i]);
  });
}

/** `ctts` from its runs: version 0, or version 1 when an offset is negative. */
export function writeCtts(counts: ArrayLike<number>, offsets: ArrayLike<number>): Uint8Array {
  let negative = false;
  for (let i = 0; i < offsets.length; i++) negative ||= offsets[i] < 0;
  return fullBox("ctts", negative ? 1 : 0, 0, 4 + counts.length * 8, (w) => {
    w.u32(counts.length);
    for (let i = 0; i < counts.length; i++) w.u32(counts[i]).i32(offsets[i]);
  });
}

/** `stss` from 1-based sample numbers. */
export function writeStss(samples: ArrayLike<number>): Uint8Array {
  return fullBox("stss", 0, 0, 4 + samples.length * 4, (w) => {
    w.u32(samples.length);
    for (let i = 0; i < samples.length; i++) w.u32(samples[i]);
  });
}

/** `stsc` from its runs (first chunk 1-based, samples per chunk, sample description). */
export function writeStsc(
  first: ArrayLike<number>,
  samples: ArrayLike<number>,
  description: ArrayLike<number>,
): Uint8Array {
  return fullBox("stsc", 0, 0, 4 + first.length * 12, (w) => {
    w.u32(first.length);
    for (let i = 0; i < first.length; i++) w.u32(first[i]).u32(samples[i]).u32(description[i]);
  });
}

/** `stsz`: one size per sample, or `constantSize` for all `count` samples. */
export function writeStsz(constantSize: number, count: number, sizes: ArrayLike<number> | null): Uint8Array {
  const table = constantSize === 0 && sizes ? sizes : null;
  return fullBox("stsz", 0, 0, 8 + (table ? table.length * 4 : 0), (w) => {
    w.u32(table ? 0 : constantSize).u32(table ? table.length : count);
    if (table) { for (let i = 0; i < table.length; i++) w.u32(table[i]); }
  });
}

/** Size of the `stco` (or `co64`) box for `count` chunks. */
export function chunkOffsetBoxSize(count: number, co64: boolean): number {
  return 16 + count * (co64 ? 8 : 4);
}

/** `stco`, or `co64` when `co64` is set; throws when an offset does not fit `stco`. */
export function writeChunkOffsets(offsets: ArrayLike<number>, co64: boolean): Uint8Array {
  return fullBox(co64 ? "co64" : "stco", 0, 0, 4 + offsets.length * (co64 ? 8 : 4), (w) => {
    w.u32(offsets.length);
    for (let i = 0; i < offsets.length; i++) {
      if (co64) {
        w.u64(offsets[i]);
      } else {
        if (offsets[i] > 0xffffffff) {
          throw new RangeError(`Cannot write stco: offset ${offsets[i]} needs co64`);
        }
        w.u32(offsets[i]);
      }
    }
  });
}

/** `edts` holding an `elst` of `edits`: version 0, or 1 when a value needs 64 bits. */
export function writeEdts(edits: readonly Mp4Edit[]): Uint8Array {
  const wide = edits.some((edit) =>
    edit.segmentDuration > 0xffffffff || edit.mediaTime > 0x7fffffff || edit.mediaTime < -1
  );
  const elst = fullBox("elst", wide ? 1 : 0, 0, 4 + edits.length * (wide ? 20 : 12), (w) => {
    w.u32(edits.length);
    for (const edit of edits) {
      if (wide) w.u64(edit.segmentDuration).i64(edit.mediaTime);
      else w.u32(edit.segmentDuration).i32(edit.mediaTime);
      w.i32(Math.round(edit.mediaRate * 65536));
    }
  });
  return box("edts", elst);
}

/** A box whose children are raw boxes or other trees, sized before it is written. */
export interface BoxTree {
  /** The four-character type. */
  type: string;
  /** The children, in order. */
  children: Array<BoxTree | Uint8Array>;
}

/** Size in bytes of `tree` once written. */
export function treeSize(tree: BoxTree): number {
  let body = 0;
  for (const child of tree.children) body += child instanceof Uint8Array ? child.length : treeSize(child);
  return body + boxHeaderSize(body);
}

/** Writes `tree`. */
export function encodeTree(tree: BoxTree): Uint8Array {
  const size = treeSize(tree);
  const writer = new ByteWriter(size);
  writeTree(writer, tree);
  return writer.finish();
}

function writeTree(writer: ByteWriter, tree: BoxTree): void {
  let body = 0;
  for (const child of tree.children) body += child instanceof Uint8Array ? child.length : treeSize(child);
  writeBoxHeader(writer, tree.type, body);
  for (const child of tree.children) {
    if (child instanceof Uint8Array) writer.bytes(child);
    else writeTree(writer, child);
  }
}
