// The watch log's figures: events/s written to a file and to a real sqld, time from the
// database's return to the first written event, spool size per 10,000 events, and probe
// latency (p50/p99) of the CLI while its database file is locked vs not.
//
//   deno run -A bench/watch_log.ts [--events N] [--lock-seconds S] [--results FILE]
//   bun bench/watch_log.ts …
//
// Needs sqld (see tests/_sqld.ts for where it is looked for) and wrk.
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { createWatchLogger } from "../src/watch_log/logger.ts";
import type { WatchLogger } from "../src/watch_log/types.ts";
import { closedPort, eventually, sleep } from "../tests/_fixtures.ts";
import { lockDatabase, servedEvent } from "../tests/watch_log/_helpers.ts";
import { startSqld } from "../tests/_sqld.ts";
import { runtimeArgs } from "../tests/_process.ts";

const REPO = resolve(import.meta.dirname ?? ".", "..");
const { values } = parseArgs({
  options: {
    events: { type: "string", default: "20000" },
    "lock-seconds": { type: "string", default: "30" },
    results: { type: "string" },
  },
});
const EVENTS = Number(values.events);
const LOCK_SECONDS = Number(values["lock-seconds"]);
const runtimeName = "Bun" in globalThis ? "bun" : "deno";
const work = mkdtempSync(join(tmpdir(), "sage-bench-log-"));
const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};

function recordMany(logger: WatchLogger, n: number, offset = 0): void {
  for (let i = 0; i < n; i++) {
    logger.record(servedEvent({
      path: `/v/${(offset + i) % 50}.mp4`,
      clientAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
    }));
  }
}

/** Events/s from the first record() to the last row written. */
async function throughput(url: string, authToken?: string): Promise<number> {
  const logger = createWatchLogger({ url, authToken, spoolPath: join(work, `spool-${Date.now()}.db`) });
  await logger.flush(); // opened and migrated before the clock starts
  const started = performance.now();
  recordMany(logger, EVENTS);
  await eventually(() => logger.stats().written >= EVENTS, 300_000);
  const seconds = (performance.now() - started) / 1000;
  await logger.close();
  return EVENTS / seconds;
}

/** Bytes of spool [file, WAL] holding 10,000 events, with the database unreachable. */
async function spoolBytesPer10k(): Promise<[number, number]> {
  const spool = join(work, "spool-size.db");
  const logger = createWatchLogger({
    url: `http://127.0.0.1:${await closedPort()}`,
    spoolPath: spool,
    closeTimeoutMs: 100,
    onError: () => {},
  });
  recordMany(logger, 10_000);
  await logger.close();
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return [size(spool), size(`${spool}-wal`)];
}

/** ms from the database's return (sqld ready, or a lock released) to the first written event. */
async function recovery(kind: "sqld" | "lock"): Promise<number> {
  const sqld = kind === "sqld" ? await startSqld({ deferred: true }) : null;
  const file = `file:${join(work, `recovery-${Date.now()}.db`)}`;
  let lock: Awaited<ReturnType<typeof lockDatabase>> | null = null;
  if (sqld === null) {
    const c = createWatchLogger({ url: file, inWorker: false });
    await c.flush();
    await c.close();
    lock = await lockDatabase(file);
  }
  const logger = createWatchLogger({
    url: sqld?.url("http") ?? file,
    spoolPath: join(work, `spool-rec-${Date.now()}.db`),
    onError: () => {},
  });
  recordMany(logger, 100);
  await sleep(10_000); // long enough for the backoff to reach its cap
  const back = performance.now();
  if (sqld) await sqld.start();
  else await lock!.release();
  const readyAt = sqld ? performance.now() : back;
  await eventually(() => logger.stats().written > 0, 60_000);
  const ms = performance.now() - readyAt;
  await logger.close();
  await sqld?.dispose();
  return ms;
}

/** Runs wrk with `bytes=0-1` against a fresh CLI; optionally with its database file locked. */
async function probeLatency(locked: boolean): Promise<{ rps: number; p50: string; p99: string }> {
  const db = `file:${join(work, `probe-${locked ? "locked" : "free"}.db`)}`;
  const cli = spawn(
    process.execPath,
    [
      ...runtimeArgs(join(REPO, "src/app/cli.ts")),
      "--root",
      join(REPO, "samples"),
      "--port",
      "0",
      "--quiet",
      "--db",
      db,
      "--no-player",
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  let out = "";
  cli.stdout!.setEncoding("utf8").on("data", (s: string) => out += s);
  await eventually(() => /Listening on http:\/\/127\.0\.0\.1:\d+/.test(out), 30_000);
  const port = /127\.0\.0\.1:(\d+)/.exec(out)![1];
  const lock = locked ? await lockDatabase(db) : null;
  const file = (await import("node:fs")).readdirSync(join(REPO, "samples")).find((f) => f.endsWith(".mp4"))!;
  const wrk = spawn("wrk", [
    "-t1",
    "-c32",
    `-d${LOCK_SECONDS}s`,
    "--latency",
    "-H",
    "Range: bytes=0-1",
    `http://127.0.0.1:${port}/stream?path=${file}`,
  ]);
  let report = "";
  wrk.stdout.setEncoding("utf8").on("data", (s: string) => report += s);
  await new Promise((resolve) => wrk.on("exit", resolve));
  await lock?.release();
  process.kill(cli.pid!, "SIGTERM");
  await new Promise((resolve) => cli.on("exit", resolve));
  const pick = (label: string) => new RegExp(`^\\s+${label}\\s+(\\S+)`, "m").exec(report)?.[1] ?? "?";
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(report);
  if (non2xx) throw new Error(`void run: ${non2xx[1]} non-2xx answers`);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(report)?.[1]), p50: pick("50%"), p99: pick("99%") };
}

say(`### Watch log on ${runtimeName} (${new Date().toISOString().slice(0, 10)})`);
say("");
say(`Command: \`${runtimeName === "deno" ? "deno run -A" : "bun"} bench/watch_log.ts\``);
say("");
say("| figure | value |");
say("| --- | ---: |");
say(
  `| events/s written to a file (${EVENTS} events) | ${
    (await throughput(`file:${join(work, "t.db")}`)).toFixed(0)
  } |`,
);
const sqld = await startSqld();
say(
  `| events/s written to sqld over HTTP (${EVENTS} events) | ${
    (await throughput(sqld.url("http"))).toFixed(0)
  } |`,
);
say(
  `| events/s written to sqld over WebSocket (${EVENTS} events) | ${
    (await throughput(sqld.url("ws"))).toFixed(0)
  } |`,
);
await sqld.dispose();
const [spoolFile, spoolWal] = await spoolBytesPer10k();
const mib = (n: number) => (n / 2 ** 20).toFixed(2);
say(`| spool holding 10,000 events: file, WAL beside it | ${mib(spoolFile)} MiB, ${mib(spoolWal)} MiB |`);
say(`| sqld back → first event written | ${(await recovery("sqld")).toFixed(0)} ms |`);
say(`| file lock released → first event written | ${(await recovery("lock")).toFixed(0)} ms |`);
const free = await probeLatency(false);
const locked = await probeLatency(true);
say(
  `| probe (\`bytes=0-1\`, 32 connections, ${LOCK_SECONDS} s), database free: req/s, p50, p99 | ${
    free.rps.toFixed(0)
  }, ${free.p50}, ${free.p99} |`,
);
say(
  `| the same while the database file is locked the whole time | ${
    locked.rps.toFixed(0)
  }, ${locked.p50}, ${locked.p99} |`,
);
say("");
if (values.results) appendFileSync(values.results, lines.join("\n") + "\n");
rmSync(work, { recursive: true, force: true });
process.exit(0);
