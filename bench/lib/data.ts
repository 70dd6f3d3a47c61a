/**
 * The files the bench reads and writes: the media under `bench/data/` (random bytes, generated
 * once and reused) and the outputs under `bench/out/`.
 *
 * @module
 */

import { REPO } from "../../tests/_process.ts";

/** One mebibyte. */
export const MiB: number = 1024 * 1024;

/** A media file of `bench/data/`. */
export interface DataFile {
  /** The file's name inside `bench/data/`. */
  name: string;
  /** Its size in bytes. */
  size: number;
}

/** The file the range workloads read. */
export const BIG: DataFile = { name: "1g.mp4", size: 1024 * MiB };

/** The file the `full` workload reads whole. */
export const MEDIUM: DataFile = { name: "256m.mp4", size: 256 * MiB };

/** Where the media files live. */
export const DATA_DIR: string = `${REPO}/bench/data`;

/** Where results, logs, the nginx config and the watch-log databases go. */
export const OUT_DIR: string = `${REPO}/bench/out`;

const WRITE_CHUNK = MiB;
/** `crypto.getRandomValues` fills at most 65,536 bytes per call. */
const RANDOM_CHUNK = 65_536;
const WARM_CHUNK = 8 * MiB;

/**
 * Creates `bench/data/` and `bench/out/`, writes each media file whose size is not the expected
 * one, and reads every file once so the page cache is warm for every server alike.
 *
 * @returns When both files are in place and have been read.
 */
export async function ensureData(): Promise<void> {
  Deno.mkdirSync(DATA_DIR, { recursive: true });
  Deno.mkdirSync(OUT_DIR, { recursive: true });
  for (const file of [BIG, MEDIUM]) {
    const path = `${DATA_DIR}/${file.name}`;
    if (_sizeOf(path) !== file.size) await _writeRandom(path, file.size);
    await _readWhole(path);
  }
}

/**
 * Reads `length` bytes of `bench/data/NAME` from `start`: what a server must answer.
 *
 * @param name The file's name inside `bench/data/`.
 * @param start The first byte.
 * @param length How many bytes; fewer come back when the file ends first.
 * @returns The bytes read.
 */
export async function readDataRange(name: string, start: number, length: number): Promise<Uint8Array> {
  const file = await Deno.open(`${DATA_DIR}/${name}`);
  try {
    await file.seek(start, Deno.SeekMode.Start);
    const bytes = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      const n = await file.read(bytes.subarray(at));
      if (n === null) break;
      at += n;
    }
    return bytes.subarray(0, at);
  } finally {
    file.close();
  }
}

function _sizeOf(path: string): number | null {
  try {
    return Deno.statSync(path).size;
  } catch {
    return null;
  }
}

async function _writeRandom(path: string, size: number): Promise<void> {
  console.error(`generating ${path} (${size / MiB} MiB of random bytes)`);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const chunk = new Uint8Array(WRITE_CHUNK);
    for (let written = 0; written < size; written += WRITE_CHUNK) {
      for (let j = 0; j < WRITE_CHUNK; j += RANDOM_CHUNK) {
        crypto.getRandomValues(chunk.subarray(j, j + RANDOM_CHUNK));
      }
      await file.write(chunk);
    }
  } finally {
    file.close();
  }
}

async function _readWhole(path: string): Promise<void> {
  const file = await Deno.open(path);
  try {
    const buffer = new Uint8Array(WARM_CHUNK);
    while ((await file.read(buffer)) !== null) { /* only warming the page cache */ }
  } finally {
    file.close();
  }
}
