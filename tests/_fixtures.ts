// Shared test fixtures: temporary media files with known, position-dependent bytes.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
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

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns something other than `undefined`, `null` or `false`, and
 * returns that; throws `Timed out after N ms waiting for WHAT` when `timeoutMs` pass first.
 * An error `check` throws ends the wait at once.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Polls `check` until it holds; throws after `timeoutMs` (so `assert.ok(await eventually(…))` reads well). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<true> {
  return await waitFor("a condition", check, timeoutMs);
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
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
    await sleep(quietMs);
  }
}

/**
 * Mulberry32: a small seeded generator of numbers in [0, 1), so a failing fuzz case can be
 * replayed from its seed.
 */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
