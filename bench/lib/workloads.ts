/**
 * The `wrk` workloads (`seek`, `probe`, `open`, `full`) and one measured run of a workload
 * against a server: `wrk`'s figures plus the CPU the server's process tree spent meanwhile.
 *
 * @module
 */

import { BIG, type DataFile, MEDIUM, MiB } from "./data.ts";
import { cpuSeconds } from "./proc.ts";
import { OPEN_CAP, type RunningServer } from "./servers.ts";
import { type RangeMode, runWrk } from "./wrk.ts";

/** One `wrk` workload. */
export interface Workload {
  /** The name `--workloads` and the report use. */
  name: string;
  /** The file every request asks for. */
  file: DataFile;
  /** `wrk`'s open connections. */
  connections: number;
  /** How `range.lua` chooses each `Range` header. */
  mode: RangeMode;
  /** The length of each range (`seek`) or its cap (`open`). */
  length: number;
  /** The figure ratios are taken on. */
  key: "rps" | "mbps";
}

/** The `wrk` workloads, by name, in the order they run. */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  seek: { name: "seek", file: BIG, connections: 32, mode: "seek", length: MiB, key: "rps" },
  probe: { name: "probe", file: BIG, connections: 64, mode: "probe", length: 2, key: "rps" },
  open: { name: "open", file: BIG, connections: 16, mode: "open", length: OPEN_CAP, key: "mbps" },
  full: { name: "full", file: MEDIUM, connections: 4, mode: "full", length: MEDIUM.size, key: "mbps" },
};

/** One measured run of a workload against a server. */
export interface Sample {
  /** The server's name. */
  server: string;
  /** The workload's name. */
  workload: string;
  /** From 0; the warm-up runs are -1 and not recorded. */
  round: number;
  /** Answers per second. */
  rps: number;
  /** Megabytes (10^6) read per second, heads included. */
  mbps: number;
  /** Median latency, in milliseconds. */
  p50ms: number;
  /** 99th percentile latency, in milliseconds. */
  p99ms: number;
  /** CPU seconds of the server's process tree during the run. */
  cpuSeconds: number;
  /** CPU milliseconds per answer. */
  cpuMsPerRequest: number;
  /** CPU seconds per gigabyte (10^9) read. */
  cpuSecondsPerGB: number;
  /** Every error `wrk` counted. */
  errors: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  /** Whether the run is void (any answer not 2xx): reported as such, never in a median or ratio. */
  void: boolean;
}

/** How one run is made. */
export interface RunPlan {
  /** Seconds of `wrk`. */
  seconds: number;
  /** The round it belongs to (-1 for warm-up). */
  round: number;
  /** `wrk` threads. */
  threads: number;
}

/**
 * Runs `workload` against `server` once.
 *
 * @param server The running server.
 * @param workload The workload.
 * @param plan Its length, round and `wrk` threads.
 * @returns The sample, `void` when any answer was not 2xx.
 * @throws {Error} When `wrk` fails.
 */
export async function measureWorkload(
  server: RunningServer,
  workload: Workload,
  plan: RunPlan,
): Promise<Sample> {
  const cpuBefore = cpuSeconds(server.pid);
  const run = await runWrk({
    url: server.base + server.spec.path(workload.file.name),
    mode: workload.mode,
    fileSize: workload.file.size,
    length: workload.length,
    closeOpen: server.spec.closeOpen,
    connections: workload.connections,
    seconds: plan.seconds,
    threads: plan.threads,
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return {
    server: server.spec.name,
    workload: workload.name,
    round: plan.round,
    rps: run.requests / run.seconds,
    mbps: run.bytes / run.seconds / 1e6,
    p50ms: run.p50ms,
    p99ms: run.p99ms,
    cpuSeconds: cpu,
    cpuMsPerRequest: (cpu * 1000) / Math.max(1, run.requests),
    cpuSecondsPerGB: cpu / Math.max(1e-9, run.bytes / 1e9),
    errors: run.errors,
    non2xx: run.non2xx,
    void: run.non2xx > 0,
  };
}
