// Shared test fixtures: temporary media files with known, position-dependent bytes.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir(prefix = "sage-stream-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes whose value depends on their offset, so any misplaced span is detected. */
export function patternBytes(size: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return bytes;
}

/** Writes `bytes` to `dir/name` and returns the path. */
export function writeFixture(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Number of file descriptors this process has open (Linux). */
export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Reads a whole response body into bytes. */
export async function bodyBytes(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** Number of file descriptors of process `pid` (default: this one) open on `path`. */
export function openHandlesTo(path: string, pid: number | "self" = "self"): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

/** Polls `check` until it is true or `ms` pass; returns its last value. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/**
 * Waits until `events` (filled by an `onServed`) holds more than `from` items and has not grown
 * for `quietMs`: a body is reported when it has ended, which on Bun is learnt up to ~100 ms
 * after the client has it all.
 */
export async function eventsSettled(events: readonly unknown[], from = 0, quietMs = 300): Promise<void> {
  await eventually(() => events.length > from, 5000);
  let seen = -1;
  while (events.length !== seen) {
    seen = events.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}
