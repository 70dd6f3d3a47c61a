/**
 * The bench's report: the header (date, command, machine, versions), one markdown table per
 * workload with medians over the rounds and ratios to nginx and to the bare server of the same
 * runtime, the viewers' table, and the progress lines printed while it runs. Void runs (any
 * answer not 2xx) are counted in the `errors` cell and left out of every median and ratio.
 *
 * @module
 */

import { runCommand, runtimeBinary } from "../../tests/_process.ts";
import type { BenchOptions } from "./args.ts";
import { NGINX_BINARY, type ServerSpec } from "./servers.ts";
import { countable, median, roundRatio } from "./stats.ts";
import type { ViewerSample } from "./viewers.ts";
import type { Sample, Workload } from "./workloads.ts";

/**
 * A figure for the tables: whole numbers from 100 up, `digits` decimals below, `–` for none.
 *
 * @param x The figure.
 * @param digits Decimals below 100.
 * @returns The text.
 */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "–";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

/** What the header says about the run. */
export interface RunDescription {
  /** The parsed flags. */
  options: BenchOptions;
  /** The command line after `bench/run.ts`. */
  args: string[];
  /** Whether our server is the CLI (else `bench/servers/sage.ts`). */
  cli: boolean;
  /** Whether the watch-log variants are listed. */
  logging: boolean;
}

/**
 * The report's header lines: date, command, machine, versions and which server is ours.
 *
 * @param run The options and what was chosen.
 * @returns Markdown list items, one per line.
 */
export async function reportHeader(run: RunDescription): Promise<string[]> {
  const { options, args, cli, logging } = run;
  const cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  const memory = /MemTotal:\s*(\d+)/.exec(Deno.readTextFileSync("/proc/meminfo"))?.[1] ?? "0";
  const command = `deno run -A bench/run.ts ${args.join(" ")}`.trim();
  const ours = cli
    ? "src/app/cli.ts (`--no-log`; logging on: `--db file:…`)"
    : "bench/servers/sage.ts (runtime.listen + serveStream)";
  const versions = [
    `deno ${Deno.version.deno}`,
    `bun ${await _version(runtimeBinary("bun"), ["--version"])}`,
    await _version(NGINX_BINARY, ["-v"]),
    await _version("wrk", ["-v"]),
  ];
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\` (${options.duration} s per run, ${options.rounds} rounds interleaved, wrk -t${options.threads})`,
    `- Machine: ${cpu}, ${navigator.hardwareConcurrency} cores, ${
      Math.round(Number(memory) / 1024 / 1024)
    } GiB, Linux ${Deno.osRelease()}`,
    `- Versions: ${versions.join(", ")}`,
    `- Our server: ${ours}${logging ? "" : "; logging-on variants skipped (no src/watch_log yet)"}`,
  ];
}

/** Everything the report is made of. */
export interface ReportInput {
  /** The lines of {@linkcode reportHeader}. */
  header: string[];
  /** Every recorded run, void ones included. */
  samples: Sample[];
  /** The viewers' runs, one per server. */
  viewerSamples: ViewerSample[];
  /** The servers run, in the order of the tables' rows. */
  servers: ServerSpec[];
  /** The `wrk` workloads run, one table each. */
  workloads: Workload[];
  /** The parsed flags. */
  options: BenchOptions;
}

/**
 * The markdown report: the header, a table per workload, then the viewers' table.
 *
 * @param input The header, the samples and what was run.
 * @returns The markdown text.
 */
export function report(input: ReportInput): string {
  const lines = [...input.header, ""];
  const names = input.servers.map((s) => s.name);
  for (const workload of input.workloads) lines.push(..._workloadTable(input.samples, workload, names), "");
  if (input.viewerSamples.length > 0) lines.push(..._viewersTable(input.viewerSamples, input.options), "");
  return lines.join("\n");
}

/**
 * The progress line of one run, for stderr.
 *
 * @param s The sample.
 * @param rounds How many rounds the bench runs.
 * @returns One line.
 */
export function sampleLine(s: Sample, rounds: number): string {
  return `round ${s.round + 1}/${rounds} ${s.workload.padEnd(5)} ${s.server.padEnd(14)} ${
    fmt(s.rps).padStart(7)
  } req/s ${fmt(s.mbps).padStart(7)} MB/s p99 ${fmt(s.p99ms)} ms cpu ${fmt(s.cpuSeconds)} s${
    s.errors ? ` errors ${s.errors}` : ""
  }${s.void ? ` VOID (${s.non2xx} non-2xx)` : ""}`;
}

/**
 * The progress line of one viewers run, for stderr.
 *
 * @param v The sample.
 * @returns One line.
 */
export function viewerLine(v: ViewerSample): string {
  return `viewers ${v.server.padEnd(14)} ${v.connected}/${v.viewers} connected, RSS ${
    fmt(v.rssBeforeMiB, 1)
  } → ${fmt(v.rssDuringMiB, 1)} MiB, ${fmt(v.perViewerMiB, 3)} MiB per viewer${
    v.void ? ` VOID (${v.non2xx} non-2xx)` : ""
  }`;
}

/** The bare server of the same runtime as `name`, or `""` for none. */
function _bareOf(name: string): string {
  if (name.startsWith("sage-deno")) return "bare-deno";
  if (name.startsWith("sage-bun")) return "bare-bun";
  return "";
}

function _workloadTable(samples: Sample[], workload: Workload, names: string[]): string[] {
  const figure = workload.key === "rps" ? "requests/s" : "MB/s";
  const lines = [
    `### \`${workload.name}\` (${workload.connections} connections, ${workload.file.name}; ratios on ${figure})`,
    "",
    "| server | req/s | MB/s | p50 ms | p99 ms | CPU ms/req | CPU s/GB | × nginx | × bare | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const name of names) {
    const runs = samples.filter((s) => s.server === name && s.workload === workload.name);
    if (runs.length === 0) continue;
    const valid = countable(runs);
    const m = (k: keyof Sample, digits = 2) => fmt(median(valid.map((s) => s[k] as number)), digits);
    const ratioTo = (other: string) =>
      names.includes(other) ? fmt(roundRatio(samples, workload.name, workload.key, name, other)) : "–";
    lines.push(
      `| ${name} | ${m("rps")} | ${m("mbps")} | ${m("p50ms")} | ${m("p99ms")} | ${
        m("cpuMsPerRequest", 3)
      } | ${m("cpuSecondsPerGB", 3)} | ${ratioTo("nginx")} | ${
        _bareOf(name) ? ratioTo(_bareOf(name)) : "–"
      } | ${_errorsCell(runs)} |`,
    );
  }
  return lines;
}

/** The total of `wrk`'s errors, and which runs are void and why. */
function _errorsCell(runs: Sample[]): string {
  const errors = runs.reduce((sum, s) => sum + s.errors, 0);
  const voided = runs.filter((s) => s.void);
  if (voided.length === 0) return String(errors);
  const non2xx = voided.reduce((sum, s) => sum + s.non2xx, 0);
  return `${errors}; void: ${voided.length} of ${runs.length} runs (${non2xx} non-2xx answers)`;
}

function _viewersTable(viewerSamples: ViewerSample[], options: BenchOptions): string[] {
  const lines = [
    `### \`viewers\` (${options.viewers} slow clients holding open-ended streams for ${options.hold} s)`,
    "",
    "| server | connected | RSS before MiB | peak MiB | settled MiB | MiB per viewer (settled) | CPU s |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const v of viewerSamples) {
    if (v.void) {
      lines.push(`| ${v.server} | void: ${v.non2xx} non-2xx answers | – | – | – | – | – |`);
      continue;
    }
    lines.push(
      `| ${v.server} | ${v.connected} | ${fmt(v.rssBeforeMiB, 1)} | ${fmt(v.rssPeakMiB, 1)} | ${
        fmt(v.rssDuringMiB, 1)
      } | ${fmt(v.perViewerMiB, 3)} | ${fmt(v.cpuSeconds)} |`,
    );
  }
  return lines;
}

/** The first line a binary prints for its version, or `not installed`. */
async function _version(command: string, args: string[]): Promise<string> {
  const out = await runCommand(command, args, 10_000);
  const text = (out.stdout + out.stderr).trim();
  return text === "" ? "not installed" : text.split("\n")[0];
}
