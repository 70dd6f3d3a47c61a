/**
 * The flags of `bench/run.ts`: parsed once, checked, and returned as numbers and lists.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Every workload `--workloads` accepts, in the order they run. */
export const WORKLOAD_NAMES: readonly string[] = ["seek", "probe", "open", "full", "viewers"];

/** What one run of the bench measures, from its flags. */
export interface BenchOptions {
  /** Seconds per `wrk` run. @default 5 */
  duration: number;
  /** Interleaved rounds; the order of the servers rotates each round. @default 3 */
  rounds: number;
  /** The servers to run, by name; empty means every server available. @default [] */
  servers: string[];
  /** The workloads to run, by name. @default WORKLOAD_NAMES */
  workloads: string[];
  /** Slow viewers of the `viewers` workload. @default 200 */
  viewers: number;
  /** Seconds the viewers stay connected. @default 6 */
  hold: number;
  /** `wrk` threads. @default 1 */
  threads: number;
  /** Run `bench/servers/sage.ts` instead of the CLI. @default false */
  ownServer: boolean;
  /** Also write the markdown report to this file. */
  results?: string;
}

/**
 * Parses the bench's flags.
 *
 * @param args The command line after the script, e.g. `Deno.args`.
 * @returns The options, with defaults filled in.
 * @throws {TypeError} When a flag is unknown or a number flag is not a positive number.
 */
export function parseBenchArgs(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
      servers: { type: "string", default: "" },
      workloads: { type: "string", default: WORKLOAD_NAMES.join(",") },
      viewers: { type: "string", default: "200" },
      hold: { type: "string", default: "6" },
      threads: { type: "string", default: "1" },
      "own-server": { type: "boolean", default: false },
      results: { type: "string" },
    },
  });
  return {
    duration: _positive("duration", values.duration),
    rounds: _positive("rounds", values.rounds),
    servers: _list(values.servers),
    workloads: _list(values.workloads),
    viewers: _positive("viewers", values.viewers),
    hold: _positive("hold", values.hold),
    threads: _positive("threads", values.threads),
    ownServer: values["own-server"],
    results: values.results,
  };
}

function _positive(flag: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`Cannot run the bench: "--${flag}" must be a positive number, got "${text}"`);
  }
  return value;
}

function _list(text: string): string[] {
  return text.split(",").map((name) => name.trim()).filter((name) => name !== "");
}
