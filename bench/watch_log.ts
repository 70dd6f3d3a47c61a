// The watch log's figures: events/s written to a file and to a real sqld, time from the
// database's return to the first written event, spool size per 10,000 events, and probe
// latency (p50/p99) of the CLI while its database file is locked vs not.
//
//   deno run -A bench/watch_log.ts [--events N] [--lock-seconds S] [--results FILE]
//   bun bench/watch_log.ts …
//
// Needs sqld (see tests/_sqld.ts for where it is looked for) and wrk. A probe run with any
// answer that is not 2xx is void: its row says so instead of giving figures.
import { appendFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { createWatchLogger } from "../src/watch_log/logger.ts";
import type { WatchLogger } from "../src/watch_log/types.ts";
import { closedPort, eventually, sleep, tempDir } from "../tests/_fixtures.ts";
import { CURRENT_RUNTIME, REPO, startScript } from "../tests/_process.ts";
import { startSqld } from "../tests/_sqld.ts";
import { lockDatabase, migrateDatabase, servedEvent } from "../tests/watch_log/_helpers.ts";
import { runWrk } from "./lib/wrk.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "20000" },
    "lock-seconds": { type: "string", default: "30" },
    results: { type: "string" },
  },
});
const EVENTS = Number(values.events);
const LOCK_SECONDS = Number(values["lock-seconds"]);
const SPOOL_EVENTS = 10_000;
/** Long enough for the writer's backoff to reach its cap before the database comes back. */
const BACKOFF_CAP_WAIT_MS = 10_000;
const PROBE_CONNECTIONS = 32;
const work = tempDir("sage-bench-log-");

function recordMany(logger: WatchLogger, n: number, offset = 0): void {
  for (let i = 0; i < n; i++) {
    logger.record(servedEvent({
      path: `/v/${(offset + i) % 50}.mp4`,
      clientAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
    }));
  }
}

/** A fresh path in the work directory. */
function workPath(name: string): string {
  return join(work.dir, `${name}-${Date.now()}.db`);
}

/** Events/s from the first record() to the last row written. */
async function throughput(url: string): Promise<number> {
  const logger = createWatchLogger({ url, spoolPath: workPath("spool") });
  await logger.flush(); // opened and migrated before the clock starts
  const started = performance.now();
  recordMany(logger, EVENTS);
  await eventually(() => logger.stats().written >= EVENTS, 300_000);
  const seconds = (performance.now() - started) / 1000;
  await logger.close();
  return EVENTS / seconds;
}

function sizeOrZero(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Bytes of spool [file, WAL] holding 10,000 events, with the database unreachable. */
async function spoolBytesPer10k(): Promise<[number, number]> {
  const spool = workPath("spool-size");
  const logger = createWatchLogger({
    url: `http://127.0.0.1:${await closedPort()}`,
    spoolPath: spool,
    closeTimeoutMs: 100,
    onError: () => {},
  });
  recordMany(logger, SPOOL_EVENTS);
  await logger.close();
  return [sizeOrZero(spool), sizeOrZero(`${spool}-wal`)];
}

/**
 * ms from the database's return to the first written event: events are recorded while the
 * database at `url` is away, and `bringBack` resolves once it is back.
 */
async function firstWriteAfter(url: string, bringBack: () => Promise<void>): Promise<number> {
  const logger = createWatchLogger({ url, spoolPath: workPath("spool-rec"), onError: () => {} });
  recordMany(logger, 100);
  await sleep(BACKOFF_CAP_WAIT_MS);
  await bringBack();
  const back = performance.now();
  await eventually(() => logger.stats().written > 0, 60_000);
  const ms = performance.now() - back;
  await logger.close();
  return ms;
}

/** ms from sqld ready (started after the events) to the first written event. */
async function recoveryFromSqld(): Promise<number> {
  const sqld = await startSqld({ deferred: true });
  try {
    return await firstWriteAfter(sqld.url("http"), () => sqld.start());
  } finally {
    await sqld.dispose();
  }
}

/** ms from a file lock released to the first written event. */
async function recoveryFromLock(): Promise<number> {
  const url = `file:${workPath("recovery")}`;
  await migrateDatabase(url);
  const lock = await lockDatabase(url);
  return await firstWriteAfter(url, () => lock.release());
}

/** `bytes=0-1` through a fresh CLI, optionally with its database file locked the whole run. */
async function probeLatency(locked: boolean): Promise<string> {
  const db = `file:${join(work.dir, `probe-${locked ? "locked" : "free"}.db`)}`;
  const samples = join(REPO, "samples");
  const file = readdirSync(samples).find((f) => f.endsWith(".mp4"))!;
  const cli = await startScript(join(REPO, "src/app/cli.ts"), [
    ...["--root", samples, "--port", "0", "--quiet", "--db", db, "--no-player"],
  ]);
  const lock = locked ? await lockDatabase(db) : null;
  try {
    const run = await runWrk({
      url: `${cli.origin}/stream?path=${file}`,
      mode: "probe",
      fileSize: statSync(join(samples, file)).size,
      length: 2,
      connections: PROBE_CONNECTIONS,
      seconds: LOCK_SECONDS,
    });
    if (run.non2xx > 0) return `void (${run.non2xx} non-2xx answers)`;
    const ms = (x: number) => `${x.toFixed(2)}ms`;
    return `${(run.requests / run.seconds).toFixed(0)}, ${ms(run.p50ms)}, ${ms(run.p99ms)}`;
  } finally {
    await lock?.release();
    await cli.stop();
  }
}

async function sqldThroughputRows(): Promise<string[]> {
  const sqld = await startSqld();
  try {
    return [
      row(
        `events/s written to sqld over HTTP (${EVENTS} events)`,
        (await throughput(sqld.url("http"))).toFixed(0),
      ),
      row(
        `events/s written to sqld over WebSocket (${EVENTS} events)`,
        (await throughput(sqld.url("ws"))).toFixed(0),
      ),
    ];
  } finally {
    await sqld.dispose();
  }
}

function row(figure: string, value: string): string {
  return `| ${figure} | ${value} |`;
}

/** Runs every measure in turn, printing each row as it comes. */
async function main(): Promise<string[]> {
  const lines: string[] = [];
  const say = (...more: string[]) => {
    lines.push(...more);
    for (const line of more) console.log(line);
  };
  const mib = (n: number) => (n / 2 ** 20).toFixed(2);
  say(`### Watch log on ${CURRENT_RUNTIME} (${new Date().toISOString().slice(0, 10)})`, "");
  say(`Command: \`${CURRENT_RUNTIME === "deno" ? "deno run -A" : "bun"} bench/watch_log.ts\``, "");
  say("| figure | value |", "| --- | ---: |");
  const fileUrl = `file:${join(work.dir, "t.db")}`;
  say(row(`events/s written to a file (${EVENTS} events)`, (await throughput(fileUrl)).toFixed(0)));
  say(...await sqldThroughputRows());
  const [spoolFile, spoolWal] = await spoolBytesPer10k();
  say(row("spool holding 10,000 events: file, WAL beside it", `${mib(spoolFile)} MiB, ${mib(spoolWal)} MiB`));
  say(row("sqld back → first event written", `${(await recoveryFromSqld()).toFixed(0)} ms`));
  say(row("file lock released → first event written", `${(await recoveryFromLock()).toFixed(0)} ms`));
  const free = await probeLatency(false);
  const locked = await probeLatency(true);
  say(row(
    `probe (\`bytes=0-1\`, ${PROBE_CONNECTIONS} connections, ${LOCK_SECONDS} s), database free: req/s, p50, p99`,
    free,
  ));
  say(row("the same while the database file is locked the whole time", locked), "");
  return lines;
}

try {
  const lines = await main();
  if (values.results) appendFileSync(values.results, lines.join("\n") + "\n");
} finally {
  work.cleanup();
}
process.exit(0);
