/**
 * The walk over a file's top-level boxes: only their headers are read (8 or 16 bytes each),
 * `mdat` is skipped by its size, `ftyp` and `moov` are read whole.
 *
 * @module
 */

import type { ByteSource } from "../types.ts";
import { malformed, Mp4FormatError } from "./byte_reader.ts";
import { readBoxHeader } from "./boxes.ts";

/** A top-level box of the file. */
export interface TopLevelBox {
  /** The four-character type. */
  type: string;
  /** Offset of the box in the file. */
  offset: number;
  /** Size of the whole box in bytes. */
  size: number;
  /** Bytes of its header (8 or 16). */
  headerSize: number;
}

/** What the walk found. */
export interface TopLevelScan {
  /** The boxes walked, in file order: all of them, or those up to `moov` for a fast-start file. */
  boxes: TopLevelBox[];
  /** The `ftyp` box, whole, when there is one. */
  ftyp: { offset: number; bytes: Uint8Array } | null;
  /** The `moov` box, whole. */
  moov: { offset: number; bytes: Uint8Array };
  /** Whether `moov` comes before the first `mdat`. */
  fastStart: boolean;
}

/** Limits of the walk. */
export interface TopLevelLimits {
  /** Largest `moov` read. */
  maxMoovSize: number;
  /** Most top-level boxes walked. */
  maxBoxes: number;
}

// Types a file may start with (QuickTime files without ftyp start with one of the others).
const FIRST_TYPES = new Set(["ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "pdin"]);
const MAX_FTYP_SIZE = 64 * 1024;

/** Walks the top-level boxes of `source` and reads `ftyp` and `moov`. */
export async function scanTopLevel(source: ByteSource, limits: TopLevelLimits): Promise<TopLevelScan> {
  const boxes: TopLevelBox[] = [];
  let ftyp: TopLevelScan["ftyp"] = null;
  let moov: TopLevelScan["moov"] | null = null;
  let mdatSeen = false;
  let offset = 0;
  while (source.size - offset >= 8) {
    const box = await readTopLevelHeader(source, offset, boxes.length === 0);
    boxes.push(box);
    if (boxes.length > limits.maxBoxes) {
      throw new Mp4FormatError("too-large", `more than ${limits.maxBoxes} top-level boxes`);
    }
    if (box.type === "ftyp" && ftyp === null && moov === null) ftyp = await readFtyp(source, box);
    if (box.type === "mdat" && moov === null) mdatSeen = true;
    if (box.type === "moov" && moov === null) {
      moov = { offset: box.offset, bytes: await readMoov(source, box, limits.maxMoovSize) };
      // A fast-start file's media follows: nothing after moov is needed.
      if (!mdatSeen) break;
    }
    offset += box.size;
  }
  if (moov === null) throw noMoov(boxes, ftyp !== null);
  return { boxes, ftyp, moov, fastStart: !mdatSeen };
}

async function readTopLevelHeader(source: ByteSource, offset: number, first: boolean): Promise<TopLevelBox> {
  const bytes = await source.read(offset, Math.min(16, source.size - offset));
  if (first && !looksLikeFirstBox(bytes)) {
    throw new Mp4FormatError("not-media", "the file does not start with an ISO BMFF box");
  }
  // The file is the parent: a size past its end, or 0 ("to the end"), is measured against it.
  const header = readBoxHeader(bytes, 0, source.size - offset);
  return { type: header.type, offset, size: header.size, headerSize: header.headerSize };
}

function looksLikeFirstBox(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const type = String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
  return FIRST_TYPES.has(type);
}

async function readFtyp(
  source: ByteSource,
  box: TopLevelBox,
): Promise<{ offset: number; bytes: Uint8Array }> {
  if (box.size > MAX_FTYP_SIZE) malformed(`ftyp of ${box.size} bytes`);
  return { offset: box.offset, bytes: await readExactly(source, box.offset, box.size, "ftyp") };
}

async function readMoov(source: ByteSource, box: TopLevelBox, maxMoovSize: number): Promise<Uint8Array> {
  if (box.size > maxMoovSize) {
    throw new Mp4FormatError("too-large", `moov of ${box.size} bytes exceeds the limit of ${maxMoovSize}`);
  }
  return await readExactly(source, box.offset, box.size, "moov");
}

async function readExactly(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) malformed(`${what} is truncated`);
  return bytes;
}

function noMoov(boxes: readonly TopLevelBox[], hasFtyp: boolean): Mp4FormatError {
  if (!hasFtyp && !boxes.some((box) => box.type === "mdat")) {
    return new Mp4FormatError("not-media", "no ftyp, moov or mdat box");
  }
  // HEIF/AVIF images have ftyp, meta and mdat but no moov.
  if (boxes.some((box) => box.type === "meta")) {
    return new Mp4FormatError("unsupported", "no moov box (an image or metadata-only file)");
  }
  return new Mp4FormatError("malformed", "no moov box (is the file truncated?)");
}
