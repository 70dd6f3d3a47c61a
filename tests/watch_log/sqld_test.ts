// The watch logger against a real libSQL server (sqld), over Hrana on HTTP and on WebSocket,
// with and without a JWT: writes, an unreachable server at start, a server killed with
// SIGKILL mid-load, a server down at close(), and a refused token. sqld must be installed
// (see _sqld.ts): without it these tests fail and say how to install it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import type { WatchLoggerOptions } from "../../src/watch_log/types.ts";
import { eventually, sleep, tempDir } from "../_fixtures.ts";
import { servedEvent } from "./_helpers.ts";
import { disposeAllSqld, foreignJwt, type Sqld, startSqld } from "../_sqld.ts";

after(disposeAllSqld);
const { dir: base, cleanup } = tempDir("watch-log-sqld-");
after(cleanup);

type Scheme = "http" | "ws";
const SCHEMES: Scheme[] = ["http", "ws"];
let spools = 0;

/** A logger on `sqld` with its own spool file and fast timers, collecting what it reports. */
function loggerOn(sqld: Sqld, scheme: Scheme, over: WatchLoggerOptions = {}) {
  const errors: Error[] = [];
  const spoolPath = join(base, `spool-${++spools}.db`);
  const logger = createWatchLogger({
    url: sqld.url(scheme),
    authToken: sqld.token,
    spoolPath,
    flushIntervalMs: 20,
    onError: (e) => errors.push(e as Error),
    ...over,
  });
  return { logger, errors, spoolPath };
}

/** One number a query returns, read with a client of its own on `url`. */
async function scalar(url: string, authToken: string | undefined, sql: string): Promise<number> {
  const client = createClient({ url, authToken });
  try {
    return Number((await client.execute(sql)).rows[0][0]);
  } finally {
    client.close();
  }
}

/** Rows in watch_events and distinct event ids among them. */
async function eventCounts(sqld: Sqld): Promise<{ rows: number; ids: number }> {
  const url = sqld.url("http");
  return {
    rows: await scalar(url, sqld.token, "SELECT count(*) FROM watch_events"),
    ids: await scalar(url, sqld.token, "SELECT count(DISTINCT event_id) FROM watch_events"),
  };
}

/** Events in a spool file, read directly. */
async function spooledInFile(spoolPath: string): Promise<number> {
  return await scalar(pathToFileURL(spoolPath).href, undefined, "SELECT count(*) FROM spooled_events");
}

function events(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) =>
    servedEvent({
      path: `/videos/${tag}-${i % 7}.mp4`,
      ranges: [{ start: i * 10, end: i * 10 + 9 }],
      bytesPlanned: 10,
      bytesDelivered: 10,
    }));
}

for (const scheme of SCHEMES) {
  for (const auth of [false, true]) {
    const label = `${scheme}${auth ? " with a token" : ""}`;

    test(`sqld over ${label}: events are written once each, and stats().written counts them`, {
      timeout: 30_000,
    }, async () => {
      const sqld = await startSqld({ auth });
      const { logger, errors } = loggerOn(sqld, scheme);
      try {
        for (const e of events(450, "w")) logger.record(e);
        await logger.flush();
        assert.equal(logger.stats().written, 450);
        assert.deepEqual(await eventCounts(sqld), { rows: 450, ids: 450 });
        const viewings = await scalar(sqld.url(scheme), sqld.token, "SELECT count(*) FROM watch_viewings");
        assert.equal(viewings, 7, "one viewing per path for one viewer");
        // the logger's own read side answers from the same server
        const list = await logger.listEvents({ limit: 5 });
        assert.equal(list.total, 450);
        assert.deepEqual(errors.map((e) => e.message), []);
      } finally {
        await logger.close();
        await sqld.dispose();
      }
    });
  }
}

for (const scheme of SCHEMES) {
  test(`sqld over ${scheme} unreachable at start: events wait in the spool and arrive once when it starts`, {
    timeout: 30_000,
  }, async () => {
    const sqld = await startSqld({ deferred: true, auth: true }); // its port is closed for now
    const retryMaxMs = 2000;
    const { logger, errors } = loggerOn(sqld, scheme, { retryMaxMs });
    try {
      for (const e of events(120, "u")) logger.record(e);
      await eventually(() => logger.stats().spooled === 120, 10_000);
      assert.equal(logger.stats().available, false);
      assert.equal(logger.stats().written, 0);
      assert.ok(errors.length > 0, "the failures are reported");
      // let the backoff grow to its cap, the worst case for recovery
      await sleep(3000);
      await sqld.start();
      const ready = Date.now();
      await eventually(() => logger.stats().written > 0, 15_000);
      const recoveryMs = Date.now() - ready;
      console.log(`sqld over ${scheme}: first event delivered ${recoveryMs} ms after sqld was ready`);
      await eventually(() => logger.stats().written === 120 && logger.stats().spooled === 0, 10_000);
      assert.equal(logger.stats().available, true);
      assert.ok(
        recoveryMs <= retryMaxMs + 1000,
        `recovery took ${recoveryMs} ms, retryMaxMs is ${retryMaxMs}`,
      );
      assert.deepEqual(await eventCounts(sqld), { rows: 120, ids: 120 });
      assert.equal(logger.stats().dropped, 0);
    } finally {
      await logger.close();
      await sqld.dispose();
    }
  });
}

for (const scheme of SCHEMES) {
  test(`sqld over ${scheme} killed with SIGKILL mid-load and restarted: nothing lost, nothing twice`, {
    timeout: 40_000,
  }, async () => {
    const sqld = await startSqld();
    const { logger } = loggerOn(sqld, scheme, { retryBaseMs: 50, retryMaxMs: 500 });
    const rounds = 300;
    let recorded = 0;
    const load = (async () => {
      // about 3 s of load: 25 events every 10 ms
      for (let round = 0; round < rounds; round++) {
        for (const e of events(25, `k${round}`)) logger.record(e);
        recorded += 25;
        await sleep(10);
      }
    })();
    try {
      await eventually(() => logger.stats().written >= 500, 15_000);
      await sqld.kill9();
      const recordedAtKill = recorded;
      await sleep(800);
      assert.equal(logger.stats().available, false, "the writer noticed the server was gone");
      await sqld.start();
      await load;
      await logger.flush();
      const { written, dropped } = logger.stats();
      assert.ok(recordedAtKill < rounds * 25, "the kill happened during the load");
      assert.equal(dropped, 0);
      assert.equal(written, recorded);
      assert.deepEqual(await eventCounts(sqld), { rows: recorded, ids: recorded });
    } finally {
      await load.catch(() => {});
      await logger.close();
      await sqld.dispose();
    }
  });
}

// A failed flush() must schedule a retry: otherwise a spool left by an earlier run waits for the
// next record() or flush(), and the CLI flushes only once, at start-up.
test(
  "sqld down at close(): close() returns within closeTimeoutMs, the spool is delivered by the next logger after its failed start-up flush, with no further call",
  {
    timeout: 40_000,
  },
  async () => {
    const sqld = await startSqld({ auth: true });
    const closeTimeoutMs = 1500;
    const first = loggerOn(sqld, "http", { closeTimeoutMs, retryBaseMs: 100, retryMaxMs: 400 });
    let second: ReturnType<typeof createWatchLogger> | null = null;
    try {
      for (const e of events(30, "before")) first.logger.record(e);
      await first.logger.flush();
      await sqld.stop(1000);
      for (const e of events(70, "during")) first.logger.record(e);
      const started = Date.now();
      await first.logger.close();
      const closeMs = Date.now() - started;
      console.log(`close() with sqld down returned after ${closeMs} ms (closeTimeoutMs ${closeTimeoutMs})`);
      assert.ok(closeMs <= closeTimeoutMs + 1000, `close() took ${closeMs} ms`);
      assert.ok(
        closeMs >= closeTimeoutMs - 100,
        `close() gave up after ${closeMs} ms, before closeTimeoutMs`,
      );
      assert.equal(first.logger.stats().dropped, 0);
      assert.equal(await spooledInFile(first.spoolPath), 70);

      // the next run (as the CLI does at start-up: one flush, which fails while sqld is down)
      second = createWatchLogger({
        url: sqld.url("http"),
        authToken: sqld.token,
        spoolPath: first.spoolPath,
        flushIntervalMs: 20,
        retryBaseMs: 100,
        retryMaxMs: 400,
        onError: () => {},
      });
      await assert.rejects(second.flush());
      await sqld.start();
      // nothing else is recorded or flushed: the spool must be delivered on its own
      await eventually(async () => (await eventCounts(sqld)).rows === 100, 10_000);
      assert.deepEqual(await eventCounts(sqld), { rows: 100, ids: 100 });
      await eventually(() => second!.stats().spooled === 0, 5000);
    } finally {
      await first.logger.close();
      await second?.close();
      await sqld.dispose();
    }
  },
);

test("sqld down at close(): a new logger on the same spool delivers it at its first flush", {
  timeout: 30_000,
}, async () => {
  const sqld = await startSqld();
  const first = loggerOn(sqld, "ws", { closeTimeoutMs: 500 });
  let next: ReturnType<typeof createWatchLogger> | null = null;
  try {
    await sqld.kill9();
    for (const e of events(40, "c")) first.logger.record(e);
    await first.logger.close();
    assert.equal(await spooledInFile(first.spoolPath), 40);
    await sqld.start();
    next = createWatchLogger({ url: sqld.url("ws"), spoolPath: first.spoolPath, onError: () => {} });
    await next.flush();
    assert.equal(next.stats().written, 40);
    assert.equal(next.stats().spooled, 0);
    assert.deepEqual(await eventCounts(sqld), { rows: 40, ids: 40 });
  } finally {
    await first.logger.close();
    await next?.close();
    await sqld.dispose();
  }
});

for (const scheme of SCHEMES) {
  for (const kind of ["a token of another key", "no token"] as const) {
    test(
      `sqld over ${scheme} refusing ${kind}: a clear error, events spooled not dropped, no token in messages`,
      {
        timeout: 20_000,
      },
      async () => {
        const sqld = await startSqld({ auth: true });
        const badToken = kind === "no token" ? undefined : foreignJwt();
        const { logger, errors, spoolPath } = loggerOn(sqld, scheme, {
          authToken: badToken,
          closeTimeoutMs: 300,
        });
        try {
          for (const e of events(25, "t")) logger.record(e);
          await eventually(() => logger.stats().spooled === 25 && errors.length > 0, 10_000);
          assert.equal(logger.stats().available, false);
          assert.equal(logger.stats().written, 0);
          await assert.rejects(logger.flush(), (e: Error) => /401|auth|jwt|token/i.test(e.message));
          await logger.close();
          assert.equal(logger.stats().dropped, 0);
          assert.equal(await spooledInFile(spoolPath), 25);
          assert.equal(await scalar(sqld.url("http"), sqld.token, "SELECT count(*) FROM sqlite_master"), 0);
          const messages = errors.map((e) => `${e.name}: ${e.message}\n${e.stack ?? ""}`);
          assert.ok(
            messages.some((m) => /401|unauthori[sz]ed|auth|jwt|token/i.test(m)),
            `no error says the server refused the token:\n${messages.join("\n")}`,
          );
          for (const token of [badToken, sqld.token]) {
            if (token === undefined) continue;
            for (const m of messages) assert.ok(!m.includes(token), `a message holds the token: ${m}`);
          }
        } finally {
          await logger.close();
          await sqld.dispose();
        }
      },
    );
  }
}

for (const scheme of SCHEMES) {
  test(
    `sqld over ${scheme}: 10,000 events through the logger (timing printed)`,
    { timeout: 60_000 },
    async () => {
      const sqld = await startSqld({ auth: true });
      const { logger, errors } = loggerOn(sqld, scheme, { flushIntervalMs: 1000 });
      try {
        const batch = events(10_000, "perf");
        const started = performance.now();
        for (const e of batch) logger.record(e);
        await logger.flush();
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `sqld over ${scheme} with a token: 10000 events written in ${seconds.toFixed(2)} s, ` +
            `${Math.round(10_000 / seconds)} events/s (batchSize 200)`,
        );
        assert.equal(logger.stats().written, 10_000);
        assert.deepEqual(await eventCounts(sqld), { rows: 10_000, ids: 10_000 });
        assert.deepEqual(errors.map((e) => e.message), []);
      } finally {
        await logger.close();
        await sqld.dispose();
      }
    },
  );
}
