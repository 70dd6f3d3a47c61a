// The watch log under database faults on an embedded file: long locks, deleted, replaced and
// corrupted files, a foreign table; nothing is lost and the serving thread is never held up.
import { test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import { migrateWatchLog, WatchLogSchemaError } from "../../src/watch_log/schema.ts";
import type { WatchLoggerOptions } from "../../src/watch_log/types.ts";
import { eventually, openFdCount, sleep, tempDir } from "../_fixtures.ts";
import { countRows, lockDatabase, migrateDatabase, servedEvent } from "./_helpers.ts";

function setup() {
  const { dir, cleanup } = tempDir("watch-log-faults-");
  const db = join(dir, "log.db");
  return { dir, db, url: `file:${db}`, cleanup };
}

function loggerFor(url: string, over: WatchLoggerOptions = {}) {
  const errors: Error[] = [];
  const logger = createWatchLogger({
    url,
    flushIntervalMs: 20,
    retryBaseMs: 10,
    retryMaxMs: 100,
    busyTimeoutMs: 5,
    onError: (e) => errors.push(e as Error),
    ...over,
  });
  return { logger, errors };
}

function removeDatabase(db: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(db + suffix, { force: true });
}

test("close() keeps retrying for what is left of closeTimeoutMs, even after a long backoff", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  // the backoff grows past the deadline: close() must retry within it, not wait out one backoff
  const { logger } = loggerFor(s.url, { retryBaseMs: 400, retryMaxMs: 5000, closeTimeoutMs: 8000 });
  const lock = await lockDatabase(s.url);
  for (let i = 0; i < 50; i++) logger.record(servedEvent({ path: `/v/${i}.mp4` }));
  await eventually(() => logger.stats().failedWrites >= 3);
  const releaseAt = Date.now() + 1500;
  const releasing = sleep(1500).then(() => lock.release());
  const started = Date.now();
  await logger.close();
  await releasing;
  assert.ok(
    Date.now() >= releaseAt - 50,
    `close() returned ${releaseAt - Date.now()} ms before the lock ended`,
  );
  assert.ok(Date.now() - started < 8500);
  assert.equal(await countRows(s.url, "watch_events"), 50);
  assert.equal(logger.stats().dropped, 0);
  s.cleanup();
});

test("failed writes under a long lock do not leak file descriptors", { timeout: 30_000 }, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  const { logger } = loggerFor(s.url, { retryBaseMs: 5, retryMaxMs: 10 });
  logger.record(servedEvent());
  await eventually(() => logger.stats().written === 1);
  const lock = await lockDatabase(s.url);
  const before = openFdCount();
  logger.record(servedEvent());
  await eventually(() => logger.stats().failedWrites >= 40);
  const during = openFdCount();
  await lock.release();
  await logger.flush();
  await logger.close();
  // two descriptors leaked per failure would be 80 here
  assert.ok(during - before < 10, `descriptors ${before} -> ${during} after 40 failed writes`);
  assert.equal(await countRows(s.url, "watch_events"), 2);
  s.cleanup();
});

test("a database file deleted while running is created again, tables included, and gets every later event", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const { logger, errors } = loggerFor(s.url);
  for (let i = 0; i < 5; i++) logger.record(servedEvent());
  await logger.flush();
  removeDatabase(s.db);
  for (let i = 0; i < 7; i++) logger.record(servedEvent());
  await logger.flush();
  assert.equal(await countRows(s.url, "watch_events"), 7);
  assert.ok(errors.some((e) => /removed/.test(e.message)), "the reopening is reported");
  await logger.close();
  s.cleanup();
});

test("a database file restored (replaced) at its path while running gets the later events", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const { logger } = loggerFor(s.url);
  logger.record(servedEvent());
  await logger.flush();
  const backup = join(s.dir, "backup.db");
  const copier = createClient({ url: s.url });
  await copier.execute(`VACUUM INTO '${backup}'`);
  copier.close();
  removeDatabase(s.db);
  copyFileSync(backup, s.db); // the operator restores yesterday's copy
  for (let i = 0; i < 4; i++) logger.record(servedEvent());
  await logger.flush();
  assert.equal(await countRows(s.url, "watch_events"), 5);
  await logger.close();
  s.cleanup();
});

test("a corrupted file, then removed: events wait in the spool and reach the new file with its tables", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const { logger } = loggerFor(s.url);
  logger.record(servedEvent());
  await logger.flush();
  await logger.close();
  writeFileSync(s.db, "this is not a database ".repeat(500));
  rmSync(s.db + "-wal", { force: true });
  rmSync(s.db + "-shm", { force: true });
  const next = loggerFor(s.url);
  for (let i = 0; i < 6; i++) next.logger.record(servedEvent());
  await eventually(() => next.logger.stats().spooled === 6);
  assert.equal(next.logger.stats().available, false);
  removeDatabase(s.db);
  await eventually(() => next.logger.stats().written === 6);
  await next.logger.close();
  assert.equal(await countRows(s.url, "watch_events"), 6);
  assert.equal(next.logger.stats().dropped, 0);
  s.cleanup();
});

test("after a lock ends, writing resumes within retryMaxMs and nothing recorded meanwhile is lost", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  const { logger } = loggerFor(s.url, { retryBaseMs: 250, retryMaxMs: 1000, maxQueue: 200, batchSize: 50 });
  const lock = await lockDatabase(s.url);
  let recorded = 0;
  const load = setInterval(() => {
    for (let i = 0; i < 20; i++, recorded++) logger.record(servedEvent({ path: `/v/${recorded}.mp4` }));
  }, 5);
  await sleep(2000); // far more than maxQueue arrive during the lock
  await lock.release();
  const released = Date.now();
  await eventually(() => logger.stats().written > 0);
  const resumedAfter = Date.now() - released;
  clearInterval(load);
  await logger.close();
  assert.ok(resumedAfter < 1000 + 500, `writing resumed ${resumedAfter} ms after the lock ended`);
  assert.equal(logger.stats().dropped, 0);
  assert.equal(await countRows(s.url, "watch_events"), recorded);
  s.cleanup();
});

test("retries under a lock never hold up the thread that serves requests", { timeout: 30_000 }, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  // each attempt waits 300 ms for the lock: on the serving thread, that would stall every tick
  const { logger } = loggerFor(s.url, { busyTimeoutMs: 300, retryBaseMs: 10, retryMaxMs: 20 });
  const lock = await lockDatabase(s.url);
  let worst = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  for (let i = 0; i < 20; i++) logger.record(servedEvent());
  await eventually(() => logger.stats().failedWrites >= 4);
  clearInterval(ticker);
  await lock.release();
  await logger.close();
  assert.ok(worst < 200, `the event loop stalled ${worst.toFixed(0)} ms`);
  assert.equal(await countRows(s.url, "watch_events"), 20);
  s.cleanup();
});

test("a foreign table of the same name is refused with a clear error, never stamped as a watch log", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  const c = createClient({ url: s.url });
  await c.execute(
    "CREATE TABLE watch_events (id INTEGER PRIMARY KEY, started_at INTEGER, path TEXT, user_id TEXT, " +
      "authenticated INTEGER, client_ip TEXT, user_agent TEXT, status INTEGER, something_else TEXT)",
  );
  await assert.rejects(migrateWatchLog(c), (e: unknown) => {
    assert.ok(e instanceof WatchLogSchemaError);
    assert.match(
      (e as Error).message,
      /watch_events is not a sage-stream watch log.*missing columns: file_size/,
    );
    return true;
  });
  const stamped = await c.execute(
    "SELECT count(*) AS n FROM sqlite_master WHERE name = 'watch_log_schema'",
  );
  // the failed migration rolled back: no version recorded
  assert.equal(Number(stamped.rows[0].n), 0);
  c.close();
  // the logger keeps the events in the spool and says why
  const { logger, errors } = loggerFor(s.url, { closeTimeoutMs: 500 });
  logger.record(servedEvent());
  await eventually(() => logger.stats().spooled === 1);
  assert.ok(errors.some((e) => e.name === "WatchLogSchemaError"), errors.map(String).join("\n"));
  await logger.close();
  s.cleanup();
});

test("10,000 queued events with large headers cost a few MiB, not the requests they came from", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  await migrateDatabase(s.url);
  const { logger } = loggerFor(s.url, { spoolPath: null, maxQueue: 20_000 });
  const lock = await lockDatabase(s.url);
  const big = "x".repeat(8 * 1024);
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 10_000; i++) {
    logger.record(servedEvent({ headers: { cookie: big, "x-padding": big, "user-agent": "player" } }));
  }
  await sleep(300);
  const grown = (process.memoryUsage().rss - before) / 2 ** 20;
  assert.equal(logger.stats().queued, 10_000);
  await lock.release();
  await logger.close();
  assert.equal(await countRows(s.url, "watch_events"), 10_000);
  // each Request with 16 KiB of headers, kept, would be ~160 MiB
  assert.ok(grown < 60, `RSS grew ${grown.toFixed(0)} MiB`);
  s.cleanup();
});

test("a commit whose answer is lost is counted once when the retry finds its rows stored", {
  timeout: 30_000,
}, async () => {
  const s = setup();
  await migrateDatabase(s.url); // so the one commit that loses its answer is the events' own
  const real = createClient({ url: s.url });
  let lose = 1;
  // the first commit is carried out, then fails as if the connection died before its answer
  const client = new Proxy(real, {
    get(target, name, receiver) {
      if (name !== "transaction") {
        const value = Reflect.get(target, name, receiver);
        return typeof value === "function" ? value.bind(target) : value; // its private fields need it
      }
      return async (mode: "write" | "read" | "deferred") => {
        const tx = await target.transaction(mode);
        return new Proxy(tx, {
          get(t, key, r) {
            if (key !== "commit") {
              const value = Reflect.get(t, key, r);
              return typeof value === "function" ? value.bind(t) : value;
            }
            return async () => {
              await t.commit();
              if (lose-- > 0) throw new Error("connection reset before the commit's answer");
            };
          },
        });
      };
    },
  });
  const { logger } = loggerFor(s.url, { client });
  try {
    for (let i = 0; i < 10; i++) logger.record(servedEvent({ path: `/v/${i}.mp4` }));
    await assert.rejects(logger.flush(), /before the commit's answer/);
    assert.equal(await countRows(s.url, "watch_events"), 10, "the commit was carried out");
    assert.equal(logger.stats().written, 0, "not known to be written yet");
    await logger.flush();
    assert.equal(logger.stats().written, 10, "counted once, by the write that found them");
    assert.equal(await countRows(s.url, "watch_events"), 10, "and not written twice");
  } finally {
    await logger.close();
    real.close();
    s.cleanup();
  }
});
