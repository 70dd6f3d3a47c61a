import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { tempDir } from "../_fixtures.ts";
import { spawnScript } from "../_process.ts";
import { WATCH_LOG_SCHEMA_VERSION } from "../../src/watch_log/schema.ts";

const PROCESSES = 3;
const EVENTS = 1000;

const CHILD = join(import.meta.dirname!, "_writer_child.ts");
/** Longer than a child ever needs; a hung child is killed so the test fails with its output. */
const CHILD_LIMIT_MS = 50_000;

/** Runs one writer child to its end: its exit code, the last line of its stdout (its report) and all it printed. */
async function runChild(args: string[]): Promise<{ code: number | null; lastLine: string; out: string }> {
  const child = spawnScript(CHILD, args);
  // "close" comes after the output streams end, so the last line is there
  const closed = new Promise<void>((resolve) => child.child.once("close", () => resolve()));
  const timer = setTimeout(() => child.signal("SIGKILL"), CHILD_LIMIT_MS);
  const code = await child.exited;
  await closed;
  clearTimeout(timer);
  return { code, lastLine: child.stdout().trim().split("\n").at(-1)!, out: child.output() };
}

async function writeConcurrently(busyTimeoutMs: number, expectRetries: boolean): Promise<void> {
  const { dir, cleanup } = tempDir("watch-log-mp-");
  const url = `file:${join(dir, "log.db")}`;
  const base = Date.UTC(2024, 2, 3, 10);
  try {
    let retries = 0;
    let written = 0;
    // a fresh file: the processes also race to create the schema
    const results = await Promise.all(
      Array.from(
        { length: PROCESSES },
        (_, i) => runChild([url, String(i), String(EVENTS), String(base), String(busyTimeoutMs)]),
      ),
    );
    for (const { code, lastLine, out } of results) {
      assert.equal(code, 0, out);
      const report = JSON.parse(lastLine);
      // the spool is shared: a process may deliver events another one spooled
      written += report.stats.written;
      assert.equal(report.stats.dropped, 0, out);
      assert.equal(report.stats.queued, 0, out);
      retries += report.stats.retried;
    }
    assert.equal(written, PROCESSES * EVENTS);
    if (expectRetries) assert.ok(retries > 0, "the processes never contended: the test proves nothing");
    const client = createClient({ url });
    try {
      const n = async (sql: string) => Number((await client.execute(sql)).rows[0].n);
      assert.equal(await n("SELECT count(*) AS n FROM watch_events"), PROCESSES * EVENTS);
      assert.equal(await n("SELECT count(DISTINCT event_id) AS n FROM watch_events"), PROCESSES * EVENTS);
      assert.equal(await n("SELECT count(*) AS n FROM watch_log_schema"), WATCH_LOG_SCHEMA_VERSION);
      // one shared viewing for all processes, one own viewing per process
      const viewings = await client.execute(
        "SELECT id, user_id, request_count, bytes, covered_bytes, coverage FROM watch_viewings ORDER BY user_id",
      );
      assert.deepEqual(viewings.rows.map((r) => [r.user_id, Number(r.request_count)]), [
        ...Array.from({ length: PROCESSES }, (_, i) => [`p${i}`, EVENTS / 2]),
        ["shared", PROCESSES * EVENTS / 2],
      ]);
      const shared = viewings.rows.at(-1)!;
      assert.equal(Number(shared.bytes), PROCESSES * EVENTS / 2 * 10);
      assert.equal(Number(shared.covered_bytes), EVENTS / 2 * 10); // the union, not the sum
      assert.equal(shared.coverage, JSON.stringify([[0, EVENTS / 2 * 10 - 1]]));
      // every event points at its viewing, and the counts agree
      const perViewing = await client.execute(
        "SELECT v.id, v.request_count, count(e.id) AS n FROM watch_viewings v " +
          "LEFT JOIN watch_events e ON e.viewing_id = v.id GROUP BY v.id",
      );
      for (const r of perViewing.rows) assert.equal(Number(r.n), Number(r.request_count));
      assert.equal(await n("SELECT count(*) AS n FROM watch_events WHERE viewing_id IS NULL"), 0);
    } finally {
      client.close();
    }
    const spool = createClient({ url: `file:${join(dir, "log.db-spool")}` });
    try {
      const left = await spool.execute("SELECT count(*) AS n FROM spooled_events").catch(() => null);
      assert.equal(left === null ? 0 : Number(left.rows[0].n), 0, "events left in the shared spool");
    } finally {
      spool.close();
    }
  } finally {
    cleanup();
  }
}

test(`${PROCESSES} processes x ${EVENTS} events into one embedded file lose nothing and share viewings`, {
  timeout: 120_000,
}, async () => {
  await writeConcurrently(20, false);
});

test("with no busy timeout, processes contend, retry with backoff, and still lose nothing", {
  timeout: 120_000,
}, async () => {
  await writeConcurrently(0, true);
});
