/**
 * Benchmarks this project's server against the bare runtimes and nginx, interleaved, with
 * `wrk` and a slow-viewer client. See `bench/README.md`; the parts live in `bench/lib/`.
 *
 * Usage: `deno task bench [--duration 5] [--rounds 3] [--servers a,b] [--workloads a,b]
 * [--viewers 200] [--hold 6] [--threads 1] [--own-server] [--results bench/RESULTS.md]`
 *
 * @module
 */

import { existsSync, writeFileSync } from "node:fs";
import { REPO } from "../tests/_process.ts";
import { type BenchOptions, parseBenchArgs } from "./lib/args.ts";
import { ensureData, OUT_DIR } from "./lib/data.ts";
import { report, reportHeader, sampleLine, viewerLine } from "./lib/report.ts";
import {
  checkServer,
  cliServes,
  removeWatchDatabases,
  type RunningServer,
  type ServerSpec,
  serverSpecs,
  startServer,
} from "./lib/servers.ts";
import { runViewers, type ViewerSample } from "./lib/viewers.ts";
import { measureWorkload, type Sample, type Workload, WORKLOADS } from "./lib/workloads.ts";

/** Seconds of each unrecorded warm-up run (JIT, page cache). */
const WARM_UP_SECONDS = 1;

async function main(args: string[]): Promise<void> {
  const options = parseBenchArgs(args);
  await ensureData();
  const cli = !options.ownServer && (await cliServes());
  const logging = cli || existsSync(`${REPO}/src/watch_log/mod.ts`);
  const specs = _pick("server", serverSpecs({ cli, logging }), options.servers);
  const workloads = _pick("workload", Object.values(WORKLOADS), options.workloads, ["viewers"]);
  removeWatchDatabases();
  const header = await reportHeader({ options, args, cli, logging });
  console.error(header.join("\n"));

  const servers: RunningServer[] = [];
  try {
    for (const spec of specs) servers.push(await _startChecked(spec));
    for (const server of servers) {
      for (const w of workloads) {
        await measureWorkload(server, w, { seconds: WARM_UP_SECONDS, round: -1, threads: options.threads });
      }
    }
    const samples = await _runRounds(servers, workloads, options);
    const viewerSamples = options.workloads.includes("viewers") ? await _runViewers(servers, options) : [];
    const markdown = report({ header, samples, viewerSamples, servers: specs, workloads, options });
    writeFileSync(`${OUT_DIR}/results.md`, markdown);
    writeFileSync(
      `${OUT_DIR}/results.json`,
      JSON.stringify({ meta: header, samples, viewerSamples }, null, 2),
    );
    if (options.results) writeFileSync(options.results, `# Benchmark results\n\n${markdown}`);
    console.log(markdown);
  } finally {
    for (const server of servers) await server.stop();
  }
}

/** The entries of `all` named in `wanted` (all of them when it is empty), warning of the others. */
function _pick<T extends { name: string }>(
  what: string,
  all: T[],
  wanted: string[],
  known: string[] = [],
): T[] {
  if (wanted.length === 0) return all;
  const names = all.map((x) => x.name);
  for (const name of wanted) {
    if (!names.includes(name) && !known.includes(name)) console.error(`no ${what} "${name}" here; skipped`);
  }
  return all.filter((x) => wanted.includes(x.name));
}

/** Starts `spec` and checks its answers; a server that fails the check is stopped. */
async function _startChecked(spec: ServerSpec): Promise<RunningServer> {
  const server = await startServer(spec);
  try {
    await checkServer(server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  console.error(`started ${spec.name} at ${server.base} (pid ${server.pid})`);
  return server;
}

/** Every workload on every server, round after round, the servers' order rotating each round. */
async function _runRounds(
  servers: RunningServer[],
  workloads: Workload[],
  options: BenchOptions,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const w of workloads) {
      // rotate the order each round so no server always runs first or last
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const server of order) {
        const sample = await measureWorkload(server, w, {
          seconds: options.duration,
          round,
          threads: options.threads,
        });
        samples.push(sample);
        console.error(sampleLine(sample, options.rounds));
      }
    }
  }
  return samples;
}

async function _runViewers(servers: RunningServer[], options: BenchOptions): Promise<ViewerSample[]> {
  const viewerSamples: ViewerSample[] = [];
  for (const server of servers) {
    const sample = await runViewers(server, options.viewers, options.hold);
    viewerSamples.push(sample);
    console.error(viewerLine(sample));
  }
  return viewerSamples;
}

if (import.meta.main) await main(Deno.args);
