// Watch time at scale: a film with 100,000 viewings (and other films beside it), written
// through the real logger into an embedded file and into a real sqld; then how long a video's
// report and its admin page take (p50, p95), and the dashboard's summary.
//
//   deno run -A bench/watch_time.ts [--viewings N] [--rounds N] [--results FILE]
//   bun bench/watch_time.ts …
//
// Needs sqld (see tests/_sqld.ts for where it is looked for).
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { createAdminHandler } from "../src/admin/mod.ts";
import { createWatchLogger } from "../src/watch_log/logger.ts";
import { createWatchLogQueries } from "../src/watch_log/queries.ts";
import type { WatchLogger, WatchLogQueries } from "../src/watch_log/types.ts";
import { eventually, seededRandom, tempDir } from "../tests/_fixtures.ts";
import { CURRENT_RUNTIME } from "../tests/_process.ts";
import { startSqld } from "../tests/_sqld.ts";
import { servedEvent } from "../tests/watch_log/_helpers.ts";

const { values } = parseArgs({
  options: {
    viewings: { type: "string", default: "100000" },
    rounds: { type: "string", default: "50" },
    results: { type: "string" },
  },
});
const VIEWINGS = Number(values.viewings);
const ROUNDS = Number(values.rounds);
const FILM = "/v/film.mp4";
const DURATION = 5400; // a 90-minute film
const OTHER_FILMS = 50;
const SIZE = 2_000_000_000;
const ADMIN_TOKEN = "bench-admin-token-0123456789";
const work = tempDir("sage-bench-time-");

/**
 * Records the viewings: for each, a run from the start to a random point (cut short when the
 * viewer seeks), then a seek and a second run; one viewing in five is of another film.
 */
async function recordViewings(logger: WatchLogger): Promise<number> {
  const random = seededRandom(100);
  const t0 = Date.UTC(2026, 10, 1);
  let recorded = 0;
  const total = VIEWINGS + Math.floor(VIEWINGS / 4);
  for (let viewing = 0; viewing < total; viewing++) {
    const path = viewing < VIEWINGS ? FILM : `/v/other-${viewing % OTHER_FILMS}.mp4`;
    const at = t0 + viewing * 20_000; // about 30 days of viewings
    const address = `10.${(viewing >> 16) & 255}.${(viewing >> 8) & 255}.${viewing & 255}`;
    const first = random() * DURATION * 0.6;
    const seekTo = Math.min(DURATION - 60, first + random() * DURATION * 0.4);
    const watch = (start: number, seconds: number, startedAt: number) => {
      const end = Math.min(DURATION, start + seconds + 20);
      const byte = (t: number) => Math.floor((t / DURATION) * SIZE);
      logger.record(servedEvent({
        path,
        clientAddress: address,
        size: SIZE,
        ranges: [{ start: byte(start), end: byte(end) - 1 }],
        bytesPlanned: byte(end) - byte(start),
        bytesDelivered: byte(end) - byte(start),
        aborted: true,
        startedAt: new Date(startedAt),
        durationMs: seconds * 1000,
        media: { duration: DURATION, seconds: [[start, end]] },
      }));
      recorded++;
    };
    watch(0, first, at);
    watch(seekTo, random() * 600, at + first * 1000);
    // keep the queue short: the spool is not what this measures
    if (recorded % 5000 === 0) await eventually(() => logger.stats().written >= recorded - 5000, 600_000);
  }
  await eventually(() => logger.stats().written >= recorded, 600_000);
  return recorded;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** p50 and p95 of `work`, in ms, over the rounds (after one warm-up). */
async function timed(work: () => Promise<unknown>): Promise<string> {
  await work();
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return `${percentile(times, 0.5).toFixed(1)} ms, ${percentile(times, 0.95).toFixed(1)} ms`;
}

/** The admin's page of the film, as a browser with the token asks for it. */
function adminPage(queries: WatchLogQueries): () => Promise<unknown> {
  const admin = createAdminHandler({ queries, token: ADMIN_TOKEN });
  const url = `http://localhost/admin/video?path=${encodeURIComponent(FILM)}`;
  return async () => {
    const res = await admin(new Request(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    const body = await res.text();
    if (res.status !== 200) throw new Error(`the video page answered ${res.status}: ${body.slice(0, 200)}`);
    return body;
  };
}

async function measure(label: string, url: string, authToken?: string): Promise<string[]> {
  const logger = createWatchLogger({
    url,
    authToken,
    batchSize: 1000,
    spoolPath: join(work.dir, `spool-${label}.db`),
  });
  try {
    const writeStarted = performance.now();
    const events = await recordViewings(logger);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const queries = createWatchLogQueries({ url, authToken });
    const report = await queries.videoReport(FILM);
    if (report?.viewings !== VIEWINGS) {
      throw new Error(`expected ${VIEWINGS} viewings, got ${report?.viewings}`);
    }
    return [
      row(`${label}: ${events} events written (events/s)`, (events / writeSeconds).toFixed(0)),
      row(`${label}: videoReport() of the film, p50 / p95`, await timed(() => queries.videoReport(FILM))),
      row(`${label}: the admin's page of the film, p50 / p95`, await timed(adminPage(queries))),
      row(
        `${label}: summary() over every viewing (the dashboard), p50 / p95`,
        await timed(() => queries.summary()),
      ),
    ];
  } finally {
    await logger.close();
  }
}

function row(figure: string, value: string): string {
  return `| ${figure} | ${value} |`;
}

async function main(): Promise<string[]> {
  const lines: string[] = [];
  const say = (...more: string[]) => {
    lines.push(...more);
    for (const line of more) console.log(line);
  };
  say(`### Watch time on ${CURRENT_RUNTIME} (${new Date().toISOString().slice(0, 10)})`, "");
  say(`Command: \`${CURRENT_RUNTIME === "deno" ? "deno run -A" : "bun"} bench/watch_time.ts\``, "");
  say(
    `${VIEWINGS} viewings of one film (two requests each: a run, a seek and a second run) and ` +
      `${Math.floor(VIEWINGS / 4)} of ${OTHER_FILMS} other films; ${ROUNDS} rounds after a warm-up.`,
    "",
  );
  say("| figure | value |", "| --- | ---: |");
  say(...await measure("file", `file:${join(work.dir, "log.db")}`));
  const sqld = await startSqld({ auth: true });
  try {
    say(...await measure("sqld (HTTP)", sqld.url("http"), sqld.token));
  } finally {
    await sqld.dispose();
  }
  say("");
  return lines;
}

try {
  const lines = await main();
  if (values.results) appendFileSync(values.results, lines.join("\n") + "\n");
} finally {
  work.cleanup();
}
process.exit(0);
