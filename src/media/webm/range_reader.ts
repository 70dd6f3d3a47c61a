/**
 * Reads of a Matroska file by ranges: element headers at an offset, and the data of the few
 * elements the index needs. Small reads are kept in a handful of cached windows, so the headers
 * near the start of a file cost one read between them.
 *
 * @module
 */

import type { ByteSource } from "../types.ts";
import { type ElementHeader, malformed, MAX_HEADER_SIZE, readElementHeader, tooLarge } from "./ebml.ts";
import { idName } from "./elements.ts";

/** Bytes read past a header, so the start of the element's data usually comes with it. */
const HEADER_READ_AHEAD = 64;
/** Reads up to this size are kept for later reads of the same bytes. */
const MAX_CACHED_READ = 64 * 1024;
const CACHED_WINDOWS = 4;

interface Window {
  offset: number;
  bytes: Uint8Array;
}

/** A {@linkcode ByteSource} with a small cache of recent reads. */
export class RangeReader {
  /** The file's size in bytes. */
  readonly size: number;
  readonly #source: ByteSource;
  readonly #windows: Window[] = [];

  /** @param source The file. */
  constructor(source: ByteSource) {
    this.#source = source;
    this.size = source.size;
  }

  /**
   * The bytes `[offset, offset + length)`, fewer at the end of the file; served from the cache
   * when it holds them, else read with at least `readAhead` bytes.
   */
  async bytes(offset: number, length: number, readAhead = 0): Promise<Uint8Array> {
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    if (wanted === 0) return new Uint8Array(0);
    const cached = this.#cached(offset, wanted);
    if (cached) return cached;
    const toRead = Math.min(Math.max(wanted, readAhead), this.size - offset);
    const read = await this.#source.read(offset, toRead);
    if (read.length < toRead) malformed(`read of ${toRead} bytes at ${offset} returned ${read.length}`);
    const bytes = read.length > toRead ? read.subarray(0, toRead) : read;
    if (toRead <= MAX_CACHED_READ) this.#remember({ offset, bytes });
    return bytes.subarray(0, wanted);
  }

  #cached(offset: number, length: number): Uint8Array | null {
    for (const window of this.#windows) {
      const start = offset - window.offset;
      if (start >= 0 && start + length <= window.bytes.length) {
        return window.bytes.subarray(start, start + length);
      }
    }
    return null;
  }

  #remember(window: Window): void {
    this.#windows.unshift(window);
    if (this.#windows.length > CACHED_WINDOWS) this.#windows.pop();
  }
}

/**
 * Reads the header of the element at `offset`, which must fit before `end` (its parent's end);
 * offsets in the result are file offsets.
 */
export async function readHeaderAt(reader: RangeReader, offset: number, end: number): Promise<ElementHeader> {
  const bytes = await reader.bytes(offset, Math.min(MAX_HEADER_SIZE, end - offset), HEADER_READ_AHEAD);
  const header = readElementHeader(bytes, 0, bytes.length, offset);
  return { ...header, offset };
}

/**
 * Reads the data of the element `header` whole; `what` names it in messages. An unknown size,
 * data past the end of the file, or more than `maxSize` bytes are refused.
 */
export async function readElementData(
  reader: RangeReader,
  header: ElementHeader,
  maxSize: number,
  what: string,
): Promise<Uint8Array> {
  const { size } = header;
  if (size === null) malformed(`${what} (${idName(header.id)}) at ${header.offset} has an unknown size`);
  const dataStart = header.offset + header.headerSize;
  if (size > reader.size - dataStart) malformed(`${what} at ${header.offset} runs past the end of the file`);
  if (size > maxSize) tooLarge(`${what} at ${header.offset} has ${size} bytes, more than ${maxSize}`);
  return await reader.bytes(dataStart, size);
}

/** Offset just past the data of `header`, or `fallback` for an unknown size. */
export function dataEnd(header: ElementHeader, fallback: number): number {
  return header.size === null ? fallback : header.offset + header.headerSize + header.size;
}
