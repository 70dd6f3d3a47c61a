// The admin while the watch-log database cannot be read: a foreign file, a closed port, a
// server that never answers. Every route answers promptly, below 500, and shows no secret.
import { servedEvent } from "../watch_log/_helpers.ts";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { csvExportBody } from "../../src/admin/csv_export.ts";
import { type AdminHandler, createAdminHandler, type WatchLogUnavailableError } from "../../src/admin/mod.ts";
import { createWatchLogger, type WatchLogger } from "../../src/watch_log/mod.ts";
import { closedPort, eventually, tempDir } from "../_fixtures.ts";

const TOKEN = "admin-test-token-0123456789";
const BEARER = { authorization: `Bearer ${TOKEN}` };
const DB_SECRET = "db-secret-in-the-url-4242";
const OPTION_SECRET = "db-secret-in-the-option-4343";
const QUERY_TIMEOUT_MS = 500;
const tmp = tempDir("sage-admin-unavailable-");

const PAGES = ["/admin/", "/admin/viewings", "/admin/requests"];
const APIS = ["/admin/api/summary", "/admin/api/viewings", "/admin/api/requests"];
const CSVS = ["/admin/viewings.csv", "/admin/requests.csv"];

/** A TCP server that accepts connections and never answers: a libSQL server that hangs. */
async function silentServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function adminFor(logger: WatchLogger, errors: WatchLogUnavailableError[] = []): AdminHandler {
  return createAdminHandler({
    queries: logger,
    token: TOKEN,
    queryTimeoutMs: QUERY_TIMEOUT_MS,
    onQueryError: (e) => errors.push(e),
  });
}

/** Asks `admin` for `path`, timing the answer and reading its whole body. */
async function ask(admin: AdminHandler, path: string, method = "GET") {
  const started = Date.now();
  const res = await admin(new Request(`http://admin.test${path}`, { method, headers: BEARER }));
  const body = await res.text();
  return { res, body, ms: Date.now() - started };
}

// a file that is not a database: every read fails at once with SQLITE_NOTADB
const foreignPath = join(tmp.dir, "foreign.db");
writeFileSync(foreignPath, "these are someone's notes, not a database\n".repeat(100));
const foreignErrors: WatchLogUnavailableError[] = [];
const foreign = createWatchLogger({
  url: `file:${foreignPath}`,
  spoolPath: join(tmp.dir, "foreign-spool.db"),
  flushIntervalMs: 10,
  retryBaseMs: 10,
  retryMaxMs: 50,
  closeTimeoutMs: 100,
  onError: () => {},
});
const foreignAdmin = adminFor(foreign, foreignErrors);
foreign.record(servedEvent({ path: "/videos/spooled.mp4" }));
await eventually(() => foreign.stats().spooled === 1 && !foreign.stats().available);

// a server that accepts and never answers, reached with a token in the URL and in the option
const silent = await silentServer();
const hanging = createWatchLogger({
  url: `http://127.0.0.1:${silent.port}?authToken=${DB_SECRET}`,
  authToken: OPTION_SECRET,
  spoolPath: join(tmp.dir, "hanging-spool.db"),
  closeTimeoutMs: 100,
  onError: () => {},
});
const hangingErrors: WatchLogUnavailableError[] = [];
const hangingAdmin = adminFor(hanging, hangingErrors);

// nothing listens: connection refused
const refused = createWatchLogger({
  url: `http://127.0.0.1:${await closedPort()}?authToken=${DB_SECRET}`,
  authToken: OPTION_SECRET,
  spoolPath: join(tmp.dir, "refused-spool.db"),
  closeTimeoutMs: 100,
  onError: () => {},
});
const refusedAdmin = adminFor(refused);

// a working database, for the delivered bytes the runtime could not observe
const working = createWatchLogger({ url: `file:${join(tmp.dir, "working.db")}` });
await working.logWatchRequest({ path: "/videos/unknown.mp4", size: 1000, ranges: [{ start: 0, end: 499 }] });
working.record(servedEvent({ path: "/videos/known.mp4", bytesDelivered: 60 }));
await working.flush();
const workingAdmin = createAdminHandler({ queries: working, token: TOKEN });

// a database whose writes fail (another connection holds the write lock) while reads still work
const lockedUrl = `file:${join(tmp.dir, "locked.db")}`;
const locked = createWatchLogger({
  url: lockedUrl,
  spoolPath: join(tmp.dir, "locked-spool.db"),
  flushIntervalMs: 10,
  retryBaseMs: 10,
  retryMaxMs: 50,
  busyTimeoutMs: 5,
  closeTimeoutMs: 100,
  onError: () => {},
});
await locked.logWatchRequest({ path: "/videos/before-the-lock.mp4" });
const lockHolder = createClient({ url: lockedUrl });
const lock = await lockHolder.transaction("write");
await lock.execute("CREATE TABLE IF NOT EXISTS _lock_probe (x)");
locked.record(servedEvent({ path: "/videos/during-the-lock.mp4" }));
await eventually(() => locked.stats().spooled === 1 && !locked.stats().available);
const lockedAdmin = createAdminHandler({ queries: locked, token: TOKEN });

after(async () => {
  await lock.rollback();
  lockHolder.close();
  await silent.stop(); // the hung reads fail now, so the logger's calls end
  await Promise.all([foreign.close(), hanging.close(), refused.close(), working.close(), locked.close()]);
  tmp.cleanup();
});

test("pages answer 200 with an alert notice, the layout and the spool count when the file is not a database", async () => {
  for (const path of PAGES) {
    const { res, body, ms } = await ask(foreignAdmin, path);
    assert.equal(res.status, 200, path);
    assert.ok(ms < 2000, `${path} took ${ms} ms`);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(res.headers.get("retry-after"), "10");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(body, /<div class="error" role="alert" id="watch-log-unavailable">/);
    assert.match(
      body,
      /The watch log database is\s+unavailable right now<\/strong> \(cause: SQLITE_NOTADB\)/,
    );
    assert.match(body, /events are kept in the spool\s+and will appear here when the database is back/);
    assert.match(body, /1 event waiting in the spool\./);
    assert.match(body, /<div class="card" id="writer-spooled"><b>1<\/b><span>waiting in the spool<\/span>/);
    assert.match(body, /The last write to the database failed/);
    // the layout stays: navigation with the current page, and a link to try again
    assert.match(body, /<nav>.*Dashboard.*Viewings.*Requests.*<\/nav>/s);
    assert.match(body, new RegExp(`<a href="${path}"\\s+aria-current="page"\\s*>`));
    assert.ok(body.includes(`<a href="${path}">Try again</a>`), path);
    assert.doesNotMatch(body, /not a database|someone&#39;s notes|foreign\.db/, path);
  }
  const head = await ask(foreignAdmin, "/admin/", "HEAD");
  assert.equal(head.res.status, 200);
  assert.equal(head.body, "");
  // the three pages and the HEAD, each one failed read
  assert.equal(foreignErrors.length, PAGES.length + 1);
  assert.equal(foreignErrors[0].name, "WatchLogUnavailableError");
  assert.match(String((foreignErrors[0].cause as Error).message), /SQLITE_NOTADB/);
});

test("the JSON API answers 200 with available: false, the cause and the logger's counters", async () => {
  for (const path of APIS) {
    const { res, body, ms } = await ask(foreignAdmin, `${path}?period=7d`);
    assert.equal(res.status, 200, path);
    assert.ok(ms < 2000, `${path} took ${ms} ms`);
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(res.headers.get("retry-after"), "10");
    const value = JSON.parse(body);
    assert.deepEqual(Object.keys(value), ["available", "error", "reason", "cause", "retryAfter", "logger"]);
    assert.equal(value.available, false);
    assert.equal(value.error, "watch log unavailable");
    assert.equal(value.reason, "failed");
    assert.equal(value.cause, "SQLITE_NOTADB");
    assert.equal(value.retryAfter, 10);
    assert.equal(value.logger.spooled, 1);
    assert.equal(value.logger.available, false);
    assert.equal(value.logger.dropped, 0);
  }
});

test("CSV exports answer 424 with a plain-text reason, never a CSV header", async () => {
  for (const path of CSVS) {
    const { res, body, ms } = await ask(foreignAdmin, path);
    assert.equal(res.status, 424, path);
    assert.ok(ms < 2000, `${path} took ${ms} ms`);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(res.headers.get("content-disposition"), null);
    assert.equal(res.headers.get("retry-after"), "10");
    assert.equal(
      body,
      "watch log unavailable (SQLITE_NOTADB): try again later; events are kept in the spool meanwhile\n",
    );
  }
  const head = await ask(foreignAdmin, "/admin/requests.csv", "HEAD");
  assert.equal(head.res.status, 424);
  assert.equal(head.body, "");
});

test(
  "a database server that never answers: every route gives up after queryTimeoutMs",
  { timeout: 30_000 },
  async () => {
    const paths = [...PAGES, ...APIS, ...CSVS];
    // all at once: each request has a deadline of its own
    const answers = await Promise.all(paths.map((path) => ask(hangingAdmin, path)));
    for (const [i, { res, body, ms }] of answers.entries()) {
      const path = paths[i];
      assert.ok(res.status < 500, `${path}: ${res.status}`);
      assert.ok(ms >= QUERY_TIMEOUT_MS - 50 && ms < QUERY_TIMEOUT_MS + 1500, `${path} took ${ms} ms`);
      if (path.endsWith(".csv")) {
        assert.equal(res.status, 424);
        assert.match(body, /^watch log unavailable \(the database did not answer in time\)/);
      } else if (path.includes("/api/")) {
        assert.equal(res.status, 200);
        assert.deepEqual({ ...JSON.parse(body), logger: null }, {
          available: false,
          error: "watch log unavailable",
          reason: "timeout",
          cause: "timeout",
          retryAfter: 10,
          logger: null,
        });
      } else {
        assert.equal(res.status, 200);
        assert.match(body, /unavailable right now<\/strong> \(it did not answer in time\)/);
      }
    }
    assert.equal(hangingErrors.length, PAGES.length + APIS.length + CSVS.length);
    assert.ok(hangingErrors.every((e) => e.reason === "timeout"));
  },
);

test("no answer holds the database URL, its token or the authToken option", { timeout: 30_000 }, async () => {
  const paths = [...PAGES, ...APIS, ...CSVS];
  for (const admin of [refusedAdmin, hangingAdmin]) {
    const answers = await Promise.all(paths.map((path) => ask(admin, path)));
    for (const [i, { res, body }] of answers.entries()) {
      const path = paths[i];
      assert.ok(res.status < 500, `${path}: ${res.status}`);
      for (const secret of [DB_SECRET, OPTION_SECRET, "authToken", "127.0.0.1:"]) {
        assert.ok(!body.includes(secret), `${path} shows ${secret}`);
        for (const [name, value] of res.headers) assert.ok(!value.includes(secret), `${path} ${name}`);
      }
    }
  }
  // the cause shown is the error's code (Bun) or its class name (Deno's fetch), never its text
  const { body } = await ask(refusedAdmin, "/admin/api/summary");
  const { reason, cause } = JSON.parse(body);
  assert.equal(reason, "failed");
  assert.match(cause, /^(ECONNREFUSED|TypeError)$/);
});

test("working database: JSON answers say available: true, the dashboard shows the writer's counters", async () => {
  const summary = JSON.parse((await ask(workingAdmin, "/admin/api/summary")).body);
  assert.equal(summary.available, true);
  assert.equal(summary.viewings, 2);
  assert.equal(summary.logger.written, 2);
  assert.equal(summary.logger.available, true);
  const list = JSON.parse((await ask(workingAdmin, "/admin/api/requests")).body);
  assert.equal(list.available, true);
  assert.equal(list.total, 2);
  const page = (await ask(workingAdmin, "/admin/")).body;
  assert.match(page, /<div class="card" id="writer-written"><b>2<\/b><span>written<\/span>/);
  assert.match(page, /<div class="card" id="writer-spooled"><b>0<\/b>/);
  assert.match(page, /The last write to the database succeeded\./);
  assert.doesNotMatch(page, /role="alert"|id="write-failing"/);
});

test("delivered bytes the runtime could not observe are shown as unknown, with a tooltip", async () => {
  const { res, body } = await ask(workingAdmin, "/admin/requests?sort=path&order=asc");
  assert.equal(res.status, 200);
  const rows = [...body.matchAll(/<tr>\s*<td>[^<]*<\/td>\s*<td class="wrap">([^<]*)<\/td>.*?<\/tr>/gs)];
  assert.deepEqual(rows.map((r) => r[1]), ["/videos/known.mp4", "/videos/unknown.mp4"]);
  assert.match(rows[0][0], /<td class="num">60 B<\/td>/);
  assert.doesNotMatch(rows[0][0], /unknown<\/span>/);
  assert.match(
    rows[1][0],
    /<td class="num"><span class="muted unknown" title="The runtime could not tell how many bytes the client received; 500 B were planned">unknown<\/span><\/td>/,
  );
  assert.match(body, /Delivered/);
});

test("while writes fail but reads work, the dashboard shows the data and a notice with the spool count", async () => {
  const { res, body } = await ask(lockedAdmin, "/admin/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("retry-after"), null);
  assert.match(body, /<div class="card" id="stat-viewings"><b>1<\/b>/);
  assert.match(
    body,
    /<p class="error" role="status" id="write-failing">Writes to the watch log database are failing/,
  );
  assert.match(body, /1 event waiting in the spool and in memory will appear here/);
  assert.match(body, /<div class="card" id="writer-spooled"><b>1<\/b>/);
  assert.doesNotMatch(body, /id="watch-log-unavailable"/);
});

test("a CSV export cut short by a failing read errors the body instead of ending it cleanly", async () => {
  const rows = Array.from({ length: 1000 }, (_, i) => i);
  const columns = [["n", (n: number) => n]] as const;
  let calls = 0;
  const failing = await csvExportBody(columns, () => {
    if (calls++ === 0) return Promise.resolve(rows);
    return Promise.reject(new Error("SQLITE_BUSY: database is locked"));
  }, 5000);
  await assert.rejects(new Response(failing).text(), /SQLITE_BUSY/);
  assert.equal(calls, 2);

  // exactly one full chunk: the next read finds nothing and the body ends
  calls = 0;
  const whole = await csvExportBody(columns, () => Promise.resolve(calls++ === 0 ? rows : []), 5000);
  const lines = (await new Response(whole).text()).split("\r\n");
  assert.equal(lines.length, 1002);
  assert.deepEqual([lines[0], lines[1], lines[1000], lines[1001]], ["n", "0", "999", ""]);
  assert.equal(calls, 2);

  await assert.rejects(csvExportBody(columns, () => Promise.reject(new Error("x")), 10), /x/);
});
