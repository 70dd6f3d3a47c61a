// Several sage-stream CLIs, on Deno and on Bun, sharing one watch log on a real libSQL server
// (sqld): one viewer's requests spread over the servers make one viewing, concurrent load is
// written once per request, also across a SIGKILL of sqld, the CLI serves while sqld is down,
// and the database token is never printed. sqld must be installed (see tests/_sqld.ts).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import { eventually, patternBytes, sleep, tempDir } from "../_fixtures.ts";
import { type ChildServer, CURRENT_RUNTIME, REPO, RUNTIME_NAMES, startScript } from "../_process.ts";
import { disposeAllSqld, type Sqld, startSqld } from "../_sqld.ts";

const CLI = join(REPO, "src/app/cli.ts");
/** How long a CLI may take to write or spool its watch log after SIGTERM before it is killed. */
const STOP_GRACE_MS = 20_000;
const { dir: base, cleanup } = tempDir("sage-several-");
const running = new Set<ChildServer>();
after(async () => {
  await Promise.all([...running].map((cli) => cli.stop(STOP_GRACE_MS)));
  await disposeAllSqld();
  cleanup();
});

const root = join(base, "videos");
const VIDEO = patternBytes(200_000);
mkdirSync(root);
writeFileSync(join(root, "film.mp4"), VIDEO);

const HERE = CURRENT_RUNTIME;
const OTHER = RUNTIME_NAMES.find((name) => name !== HERE);
if (OTHER === undefined) throw new Error(`tests/_process.ts knows no runtime besides ${HERE}`);
/** Two CLIs on the runtime running the tests, one on the other. */
const RUNTIMES: readonly string[] = [HERE, OTHER, HERE];

/** The CLI on `runtime`, serving the test media on any free port, once its banner is out. */
async function startCli(
  runtime: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const cli = await startScript(CLI, ["--root", root, "--port", "0", ...args], { runtime, cwd: base, env });
  running.add(cli);
  return cli;
}

/**
 * Three CLIs on `sqld`, each with its own spool, reaching it by http://, ws:// and
 * libsql://…?tls=0; the first takes the token as --db-token, the others from SAGE_STREAM_DB_TOKEN.
 */
async function startThree(sqld: Sqld, tag: string): Promise<ChildServer[]> {
  const urls = [sqld.url("http"), sqld.url("ws"), sqld.url("libsql")];
  return await Promise.all(RUNTIMES.map((runtime, i) => {
    const args = ["--db", urls[i], "--db-spool", join(base, `${tag}-spool-${i}.db`), "--quiet"];
    if (i === 0) return startCli(runtime, [...args, "--db-token", sqld.token!]);
    return startCli(runtime, args, { SAGE_STREAM_DB_TOKEN: sqld.token! });
  }));
}

async function stopAll(clis: ChildServer[]): Promise<void> {
  const codes = await Promise.all(clis.map((cli) => cli.stop(STOP_GRACE_MS)));
  clis.forEach((cli, i) => {
    running.delete(cli);
    assert.equal(codes[i], 0, `${cli.runtime} CLI exited with ${codes[i]}:\n${cli.stderr()}`);
  });
}

/** Asserts that no CLI printed the token (whole, or its signature alone). */
function assertTokenNeverPrinted(clis: ChildServer[], token: string): void {
  const signature = token.split(".")[2];
  for (const cli of clis) {
    for (const [name, text] of [["stdout", cli.stdout()], ["stderr", cli.stderr()]]) {
      assert.ok(
        !text.includes(token) && !text.includes(signature),
        `${cli.runtime} ${name} holds the token:\n${text}`,
      );
    }
  }
}

const USER_AGENT = "several-servers-test/1.0";

/** GET one range of film.mp4 and checks its bytes exactly. */
async function getRange(origin: string, start: number, end: number, userAgent = USER_AGENT): Promise<void> {
  const res = await fetch(`${origin}/stream?path=film.mp4`, {
    headers: { range: `bytes=${start}-${end}`, "user-agent": userAgent },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${VIDEO.length}`);
  assert.deepEqual(body, VIDEO.subarray(start, end + 1));
}

/** `count` small range requests to `origin`, at most `parallel` at a time. */
async function load(
  origin: string,
  from: number,
  count: number,
  userAgent: string,
  parallel = 8,
): Promise<void> {
  let next = from;
  const end = from + count;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < end) {
      const i = next++;
      const start = (i * 97) % (VIDEO.length - 64);
      await getRange(origin, start, start + 15, userAgent);
    }
  }));
}

async function query(sqld: Sqld, sql: string): Promise<Record<string, unknown>[]> {
  const client = createClient({ url: sqld.url("http"), authToken: sqld.token });
  try {
    return (await client.execute(sql)).rows as unknown as Record<string, unknown>[];
  } finally {
    client.close();
  }
}

async function eventCounts(sqld: Sqld): Promise<{ rows: number; ids: number }> {
  const [row] = await query(
    sqld,
    "SELECT count(*) AS rows, count(DISTINCT event_id) AS ids FROM watch_events",
  );
  return { rows: Number(row.rows), ids: Number(row.ids) };
}

async function spooled(spoolPath: string): Promise<number> {
  const client = createClient({ url: pathToFileURL(spoolPath).href });
  try {
    return Number((await client.execute("SELECT count(*) AS n FROM spooled_events")).rows[0].n);
  } catch {
    return 0; // never created: nothing ever waited in it
  } finally {
    client.close();
  }
}

test(
  `one viewer's ranges round-robin over three servers (${
    RUNTIMES.join(", ")
  }) make one viewing with the merged coverage`,
  {
    timeout: 60_000,
  },
  async () => {
    const sqld = await startSqld({ auth: true });
    const clis = await startThree(sqld, "viewing");
    for (const cli of clis) assert.match(cli.stdout(), /Watch log: \S+\n/, cli.stdout());
    // overlapping, touching and separate ranges: merged [0, 2999], [5000, 6499], [9000, 9099]
    const ranges: [number, number][] = [
      [0, 999],
      [1000, 1999],
      [500, 2999],
      [5000, 5999],
      [6000, 6499],
      [5500, 5600],
      [9000, 9099],
      [9050, 9099],
      [2000, 2100],
    ];
    for (const [i, [start, end]] of ranges.entries()) await getRange(clis[i % 3].origin, start, end);
    await stopAll(clis);
    const viewings = await query(
      sqld,
      "SELECT path, client_ip, user_agent, request_count, coverage, covered_bytes, file_size FROM watch_viewings",
    );
    assert.equal(viewings.length, 1, JSON.stringify(viewings));
    const [v] = viewings;
    assert.equal(v.client_ip, "127.0.0.1");
    assert.equal(v.user_agent, USER_AGENT);
    assert.equal(Number(v.request_count), ranges.length);
    assert.equal(Number(v.file_size), VIDEO.length);
    assert.deepEqual(JSON.parse(String(v.coverage)), [[0, 2999], [5000, 6499], [9000, 9099]]);
    assert.equal(Number(v.covered_bytes), 3000 + 1500 + 100);
    assert.deepEqual(await eventCounts(sqld), { rows: ranges.length, ids: ranges.length });
    const [{ n }] = await query(sqld, "SELECT count(DISTINCT viewing_id) AS n FROM watch_events");
    assert.equal(Number(n), 1);
    assertTokenNeverPrinted(clis, sqld.token!);
    await sqld.dispose();
  },
);

test(
  "3 × 1,000 concurrent requests over three servers: 3,000 rows, no event twice",
  { timeout: 90_000 },
  async () => {
    const sqld = await startSqld({ auth: true });
    const clis = await startThree(sqld, "load");
    const started = Date.now();
    await Promise.all(clis.map((cli, i) => load(cli.origin, 0, 1000, `load-${i}`)));
    const served = Date.now() - started;
    await stopAll(clis);
    console.log(
      `3000 requests over 3 servers in ${served} ms; all written ${Date.now() - started} ms after the first`,
    );
    assert.deepEqual(await eventCounts(sqld), { rows: 3000, ids: 3000 });
    const perServer = await query(
      sqld,
      "SELECT user_agent, count(*) AS n FROM watch_events GROUP BY user_agent",
    );
    assert.deepEqual(
      perServer.map((r) => [r.user_agent, Number(r.n)]).sort(),
      [["load-0", 1000], ["load-1", 1000], ["load-2", 1000]],
    );
    for (let i = 0; i < 3; i++) assert.equal(await spooled(join(base, `load-spool-${i}.db`)), 0);
    assertTokenNeverPrinted(clis, sqld.token!);
    await sqld.dispose();
  },
);

test(
  "3 × 1,000 requests with sqld killed (SIGKILL) and restarted mid-load: the spools deliver, 3,000 rows once each",
  {
    timeout: 90_000,
  },
  async () => {
    const sqld = await startSqld({ auth: true });
    const clis = await startThree(sqld, "kill");
    const phase = (from: number, count: number) =>
      Promise.all(clis.map((cli, i) => load(cli.origin, from, count, `kill-${i}`)));
    await phase(0, 400);
    await sqld.kill9();
    await phase(400, 300); // served while the database is gone
    await sleep(1500); // every CLI's writer tries (flushIntervalMs 1 s) and fails at least once
    for (let i = 0; i < 3; i++) {
      assert.ok(await spooled(join(base, `kill-spool-${i}.db`)) > 0, `nothing waits in CLI ${i}'s spool`);
    }
    await sqld.start();
    await phase(700, 300);
    await stopAll(clis); // after sqld is back: close() delivers what waits
    for (const cli of clis) {
      assert.match(
        cli.stderr(),
        /watch log \(\S+\): /,
        `${cli.runtime} CLI never saw the outage:\n${cli.stderr()}`,
      );
    }
    assert.deepEqual(await eventCounts(sqld), { rows: 3000, ids: 3000 });
    for (let i = 0; i < 3; i++) assert.equal(await spooled(join(base, `kill-spool-${i}.db`)), 0);
    assertTokenNeverPrinted(clis, sqld.token!);
    await sqld.dispose();
  },
);

test(
  "a CLI starts and streams while sqld is down; the events arrive once sqld starts",
  { timeout: 60_000 },
  async () => {
    const sqld = await startSqld({ auth: true, deferred: true });
    const clis = await Promise.all([
      startCli(HERE, ["--db", sqld.url("http"), "--db-spool", join(base, "down-spool-0.db")], {
        SAGE_STREAM_DB_TOKEN: sqld.token!,
      }),
      startCli(OTHER, [
        "--db",
        sqld.url("ws"),
        "--db-spool",
        join(base, "down-spool-1.db"),
        "--db-token",
        sqld.token!,
      ]),
    ]);
    for (const cli of clis) {
      assert.match(
        cli.stdout(),
        /Watch log: \S+ is unavailable \(.+\); events wait in the spool/,
        cli.stdout(),
      );
    }
    for (const cli of clis) {
      for (let i = 0; i < 5; i++) await getRange(cli.origin, i * 100, i * 100 + 99, `down-${cli.runtime}`);
    }
    await sqld.start();
    await eventually(async () => (await eventCounts(sqld).catch(() => ({ rows: 0 }))).rows === 10, 20_000);
    await stopAll(clis);
    assert.deepEqual(await eventCounts(sqld), { rows: 10, ids: 10 });
    // the access log is on here: it must not hold the token either
    for (const cli of clis) assert.match(cli.stderr(), /GET \/stream/, cli.stderr());
    assertTokenNeverPrinted(clis, sqld.token!);
    await sqld.dispose();
  },
);
