/**
 * Runs [`wrk`](https://github.com/wg/wrk) with `bench/lua/range.lua` and reads the one JSON line
 * its `done()` prints. Runtime-neutral (`node:child_process` through `tests/_process.ts`), so
 * `bench/run.ts` on Deno and `bench/watch_log.ts` on either runtime share it.
 *
 * @module
 */

import { REPO, runCommand } from "../../tests/_process.ts";

/** The Lua script that sets each request's `Range` header and prints the JSON line. */
export const RANGE_LUA: string = `${REPO}/bench/lua/range.lua`;

/** What `range.lua` asks for; see the script's header. */
export type RangeMode = "seek" | "probe" | "open" | "full";

/** One `wrk` run. */
export interface WrkOptions {
  /** The URL every request goes to. */
  url: string;
  /** How the `Range` header is chosen. */
  mode: RangeMode;
  /** The file's size in bytes: random offsets stay inside it. */
  fileSize: number;
  /** The length of a `seek` range, and of an `open` range sent closed. */
  length: number;
  /** Send `open` ranges closed, for servers that do not cap open-ended ranges. @default false */
  closeOpen?: boolean;
  /** Open connections. */
  connections: number;
  /** Seconds to run. */
  seconds: number;
  /** `wrk` threads. @default 1 */
  threads?: number;
}

/** What a `wrk` run measured. */
export interface WrkResult {
  /** Answers completed. */
  requests: number;
  /** Bytes read, heads included. */
  bytes: number;
  /** How long the run took, in seconds. */
  seconds: number;
  /** Median latency, in milliseconds. */
  p50ms: number;
  /** 99th percentile latency, in milliseconds. */
  p99ms: number;
  /** Every error `wrk` counted: connect, read, write, status and timeout. */
  errors: number;
  /**
   * Answers `wrk` counted as bad statuses ("Non-2xx or 3xx responses"; `wrk` counts those ≥ 400).
   * Any at all makes the run void: its figures measure error answers, not streaming.
   */
  non2xx: number;
}

const JSON_PREFIX = "JSON:";
/** Time `wrk` gets beyond its duration before it is stopped (start-up, the last answers). */
const WRK_GRACE_MS = 30_000;

/**
 * Runs `wrk` once.
 *
 * @param options The URL, the range mode and the load.
 * @returns The run's figures.
 * @throws {Error} When `wrk` prints no JSON line (not installed, the URL unreachable, …).
 */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const { url, mode, fileSize, length, closeOpen = false, connections, seconds, threads = 1 } = options;
  const args = [
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "-s",
    RANGE_LUA,
    url,
    "--",
    mode,
    String(fileSize),
    String(length),
    closeOpen ? "1" : "0",
  ];
  const out = await runCommand("wrk", args, seconds * 1000 + WRK_GRACE_MS);
  const line = out.stdout.split("\n").find((l) => l.startsWith(JSON_PREFIX));
  if (line === undefined) throw new Error(`wrk failed for ${url} (${mode}):\n${out.stdout}\n${out.stderr}`);
  return parseWrkJson(line.slice(JSON_PREFIX.length));
}

/**
 * Reads the JSON that `range.lua`'s `done()` prints (after its `JSON:` prefix).
 *
 * @param json The JSON text.
 * @returns The run's figures in seconds, milliseconds and counts.
 */
export function parseWrkJson(json: string): WrkResult {
  const r = JSON.parse(json);
  const e = r.errors;
  return {
    requests: r.requests,
    bytes: r.bytes,
    seconds: r.duration_us / 1e6,
    p50ms: r.p50_us / 1000,
    p99ms: r.p99_us / 1000,
    errors: e.connect + e.read + e.write + e.status + e.timeout,
    non2xx: e.status,
  };
}
