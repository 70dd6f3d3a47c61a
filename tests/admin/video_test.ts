// Watch time in the admin, through the real handler and a real watch log: a video's page, its
// JSON and CSV, refusals (400, 404, 401, never 5xx), the viewings list's watch-time columns,
// and the dashboard's watch time, completion rate and videos watched longest.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createAdminHandler } from "../../src/admin/mod.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import { createWatchLogQueries } from "../../src/watch_log/queries.ts";
import type { WatchRequestEntry } from "../../src/watch_log/types.ts";
import { tempDir } from "../_fixtures.ts";

const TOKEN = "admin-video-token-0123456789";
const BEARER = { authorization: `Bearer ${TOKEN}` };
const NOW = new Date("2026-11-21T12:00:00Z");
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const SIZE = 10_000;
const HOSTILE = `<script>alert(1)</script>"onload=x.mp4`;

const tmp = tempDir("sage-admin-video-");
const log = createWatchLogger({ url: `file:${join(tmp.dir, "log.db")}`, inWorker: false, onError: () => {} });

/** A request of a 100-second video whose bytes map linearly to time: `[from, to]` seconds, `ms` long. */
function watch(userId: string, at: number, from: number, to: number, ms: number, path = "film.mp4") {
  const entry: WatchRequestEntry = {
    path,
    userId,
    at: new Date(T0 + at * 1000),
    size: SIZE,
    ranges: [{ start: from * 100, end: to * 100 - 1 }],
    durationMs: ms,
    media: { duration: 100, seconds: [[from, to]] },
  };
  return entry;
}

/** A request logged without media time: counted in bytes only. */
function bytesOnly(userId: string, at: number, path: string): WatchRequestEntry {
  return { path, userId, at: new Date(T0 + at * 1000), size: SIZE, ranges: [{ start: 0, end: 999 }] };
}

// film.mp4: alice plays 0-40 s (her player holds 50 s), seeks to 80 s and plays 10 s; bob
// fetches it whole in a second (reaches 1 s); carol is counted in bytes only
await log.logWatchRequest(watch("alice", 0, 0, 50, 40_000));
await log.logWatchRequest(watch("alice", 40, 80, 95, 10_000));
await log.logWatchRequest(watch("bob", 0, 0, 100, 1000));
await log.logWatchRequest(bytesOnly("carol", 0, "film.mp4"));
// done.mp4: dave watches it all, the next day; bytes.webm: never mapped to time
await log.logWatchRequest(watch("dave", 86_400, 0, 100, 100_000, "done.mp4"));
await log.logWatchRequest(bytesOnly("erin", 86_400, "bytes.webm"));
await log.logWatchRequest(watch("mallory", 86_400, 0, 20, 20_000, HOSTILE));
await log.flush();

const admin = createAdminHandler({ queries: log, token: TOKEN, now: () => NOW });

after(async () => {
  await log.close();
  tmp.cleanup();
});

function get(path: string, headers: HeadersInit = BEARER, method = "GET"): Promise<Response> {
  return admin(new Request(`http://admin.test${path}`, { headers, method }));
}

async function page(path: string): Promise<string> {
  const res = await get(path);
  assert.equal(res.status, 200, path);
  return await res.text();
}

function videoUrl(route: string, path: string): string {
  return `/admin${route}?${new URLSearchParams({ path })}`;
}

function card(body: string, id: string): string {
  const match = new RegExp(`<div class="card" id="${id}"><b>([^<]*)</b>`).exec(body);
  assert.ok(match, `card ${id}`);
  return match[1];
}

/** The rows of the video page's parts table: [part, from, to, viewings, share, seeks]. */
function partRows(body: string): string[][] {
  const table = body.slice(body.indexOf('<details id="video-parts">'));
  return [...table.slice(0, table.indexOf("</tbody>")).matchAll(/<tr>(.*?)<\/tr>/gs)].slice(1).map((row) =>
    [...row[1].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((cell) => cell[1])
  );
}

test("a video's page shows its figures, the retention curve with the gap, and where viewers seek", async () => {
  const res = await get(videoUrl("/video", "film.mp4"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.match(res.headers.get("content-security-policy")!, /^default-src 'none'/);
  const body = await res.text();
  assert.doesNotMatch(body, /<script|\son[a-z]+=|\sstyle=|NaN|Infinity/i);
  assert.equal(card(body, "stat-viewings"), "3");
  assert.equal(card(body, "stat-viewers"), "3");
  assert.equal(card(body, "stat-watch-time"), "0:00:51");
  assert.equal(card(body, "stat-average-watch-time"), "0:00:26");
  assert.equal(card(body, "stat-completion"), "0%");
  assert.equal(card(body, "stat-seeks"), "1");
  assert.equal(card(body, "stat-duration"), "1:40");
  assert.equal(card(body, "stat-bytes-only"), "1");
  assert.match(body, /<svg class="chart" id="retention-chart" role="img"/);
  assert.match(body, /<svg class="chart" id="seek-chart" role="img"/);
  const rows = partRows(body);
  assert.equal(rows.length, 100);
  // part 0: both timed viewings; 30 %: alice only; 40-79 %: nobody (the gap); 85 %: alice
  assert.deepEqual(rows[0], ["0–1%", "0:00", "0:01", "2", "100%", "0"]);
  assert.deepEqual(rows[30], ["30–31%", "0:30", "0:31", "1", "50%", "0"]);
  for (const part of [40, 60, 79]) assert.deepEqual(rows[part].slice(3), ["0", "0%", "0"], `part ${part}`);
  assert.deepEqual(rows[85], ["85–86%", "1:25", "1:26", "1", "50%", "0"]);
  assert.deepEqual(rows.filter((row) => row[5] !== "0").map((row) => row[0]), ["80–81%"]);
  // the page is the same figures as the report
  const report = (await log.videoReport("film.mp4"))!;
  assert.deepEqual(rows.map((row) => Number(row[3])), report.retention.map((p) => p.viewings));
});

test("a video counted in bytes only shows the notice instead of the charts", async () => {
  const body = await page(videoUrl("/video", "bytes.webm"));
  assert.match(
    body,
    /id="bytes-only"[^>]*>\s*<p><strong>Counted in bytes only\.<\/strong> Its one viewing has no watch time/,
  );
  assert.doesNotMatch(body, /<svg|<details/);
  assert.equal(card(body, "stat-bytes-only"), "1");
  assert.equal(card(body, "stat-completion"), "–");
  const complete = await page(videoUrl("/video", "done.mp4"));
  assert.equal(card(complete, "stat-completion"), "100%");
  assert.equal(card(complete, "stat-watch-time"), "0:01:40");
});

test("a missing, empty or oversized path is 400, an unknown one 404, each as its route answers", async () => {
  const cases: [string, number, string][] = [
    ["", 400, '"path" must name a video, as logged (the Video column)'],
    ["?path=", 400, '"path" must name a video, as logged (the Video column)'],
    [`?path=${"a".repeat(1025)}`, 400, '"path" is longer than 1024 characters'],
    [`?${new URLSearchParams({ path: "nothing.mp4" })}`, 404, 'No viewing of "nothing.mp4" is logged'],
    [`?${new URLSearchParams({ path: "<b>x</b>" })}`, 404, 'No viewing of "<b>x</b>" is logged'],
  ];
  for (const [query, status, error] of cases) {
    for (const route of ["/api/video", "/video.csv"]) {
      const res = await get(`/admin${route}${query}`);
      assert.equal(res.status, status, `${route}${query.slice(0, 40)}`);
      assert.deepEqual(await res.json(), { error });
    }
    const res = await get(`/admin/video${query}`);
    assert.equal(res.status, status, query.slice(0, 40));
    const body = await res.text();
    assert.match(body, status === 404 ? /<h1>Not found<\/h1>/ : /<h1>Bad request<\/h1>/);
    assert.ok(
      body.includes(error.replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;")),
      error,
    );
    assert.doesNotMatch(body, /<b>x<\/b>/);
  }
  // exactly 1024 characters is looked up (and not found)
  const longest = await get(`/admin/api/video?path=${"a".repeat(1024)}`);
  assert.equal(longest.status, 404);
  await longest.body?.cancel();
  // the other query parameters are still checked
  const bad = await get("/admin/video?path=film.mp4&period=year");
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

test("the video's routes need credentials and are read-only", async () => {
  for (const route of ["/video", "/api/video", "/video.csv"]) {
    const res = await get(videoUrl(route, "film.mp4"), {});
    assert.equal(res.status, 401, route);
    assert.doesNotMatch(await res.text(), /0:00:51|viewings_reached/);
    const post = await get(videoUrl(route, "film.mp4"), BEARER, "POST");
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
    const head = await get(videoUrl(route, "film.mp4"), BEARER, "HEAD");
    assert.equal(head.status, 200, route);
    assert.equal(await head.text(), "");
  }
});

test("/api/video is the VideoReport; /api/summary and /api/viewings carry watch time", async () => {
  const res = await get(videoUrl("/api/video", "film.mp4"));
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  const json = await res.json();
  const report = (await log.videoReport("film.mp4"))!;
  assert.deepEqual(json, { available: true, ...JSON.parse(JSON.stringify(report)) });
  assert.equal(json.retention.length, 100);
  assert.equal(json.retention[60].share, 0);

  const summary = await (await get("/admin/api/summary")).json();
  assert.ok(Math.abs(summary.watchedSeconds - 171) < 1e-6, `watched ${summary.watchedSeconds}`);
  assert.equal(summary.completionRate, 1 / 4);
  assert.deepEqual(summary.viewsPerDay.map((d: { watchedSeconds: number }) => Math.round(d.watchedSeconds)), [
    51,
    120,
  ]);
  assert.deepEqual(summary.topVideosByWatchTime.map((v: { path: string }) => v.path), [
    "done.mp4",
    "film.mp4",
    HOSTILE,
    "bytes.webm",
  ]);

  const viewings = await (await get("/admin/api/viewings?user=alice")).json();
  const [alice] = viewings.items;
  assert.deepEqual(alice.watchedTime, [[0, 40], [80, 90]]);
  assert.equal(alice.seeks, 1);
  assert.equal(alice.completed, false);
  assert.equal(alice.mediaDuration, 100);
});

test("/video.csv has one row per part with the page's numbers; viewings.csv gains the watch-time columns", async () => {
  const res = await get(videoUrl("/video.csv", "film.mp4"));
  assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.equal(
    res.headers.get("content-disposition"),
    'attachment; filename="video-film.mp4-2026-11-21.csv"',
  );
  const lines = (await res.text()).split("\r\n");
  assert.equal(lines[0], "part,start,end,viewings_reached,share_reached,seeks");
  assert.equal(lines.length, 102);
  assert.equal(lines[101], "");
  assert.equal(lines[1], "0,0,1,2,1,0");
  assert.equal(lines[31], "30,30,31,1,0.5,0");
  assert.equal(lines[61], "60,60,61,0,0,0");
  assert.equal(lines[81], "80,80,81,1,0.5,1");
  const empty = await (await get(videoUrl("/video.csv", "bytes.webm"))).text();
  assert.equal(empty, "part,start,end,viewings_reached,share_reached,seeks\r\n");
  const hostile = await get(videoUrl("/video.csv", HOSTILE));
  assert.equal(
    hostile.headers.get("content-disposition"),
    'attachment; filename="video-script_onload_x.mp4-2026-11-21.csv"',
  );
  await hostile.body?.cancel();

  const csv = (await (await get("/admin/viewings.csv?sort=userId&order=asc")).text()).split("\r\n");
  const header = csv[0].split(",");
  const at = (name: string) => header.indexOf(name);
  const columns = [
    "media_duration",
    "watched_seconds",
    "buffered_seconds",
    "seeks",
    "completed",
    "last_position",
  ];
  assert.ok(columns.every((name) => at(name) > at("watched_share") && at(name) < at("user_agent")));
  const cells = (line: string) => columns.map((name) => line.split(",")[at(name)]);
  assert.deepEqual(cells(csv[1]), ["100", "50", "65", "1", "false", "90"], "alice");
  assert.deepEqual(cells(csv[3]), ["", "", "", "", "", ""], "carol, in bytes only");
  assert.deepEqual(cells(csv[4]), ["100", "100", "100", "0", "true", "100"], "dave");
});

test("the viewings list shows watch time of the media's length, completed and seeks, and links each video", async () => {
  const body = await page("/admin/viewings?sort=userId&order=asc");
  const rows = [...body.matchAll(/<tr>\s*<td>[^<]*<\/td>\s*<td class="wrap">(.*?)<\/tr>/gs)].map((m) => m[1]);
  const cells = (row: string) => [...row.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((m) => m[1].trim());
  const [alice, bob, carol, dave] = rows.map(cells);
  // [..., watched share, watch time, completed, seeks, last seen, user agent]
  assert.deepEqual(alice.slice(6, 9), ["0:50 of 1:40", "no", "1"]);
  assert.deepEqual(bob.slice(6, 9), ["0:01 of 1:40", "no", "0"]);
  assert.match(
    carol[6],
    /^<span class="muted bytes-only" title="Counted in bytes only[^"]*">bytes only<\/span>$/,
  );
  assert.deepEqual(carol.slice(7, 9), ["–", "–"]);
  assert.deepEqual(dave.slice(6, 9), ["1:40 of 1:40", "yes", "0"]);
  assert.match(rows[0], /^<a href="\/admin\/video\?path=film\.mp4">film\.mp4<\/a><\/td>/);
  assert.match(body, /<a href="\/admin\/viewings\?sort=watchedSeconds&amp;order=desc">Watch time<\/a>/);
  // sorted by watch time, longest first; bytes only last
  const sorted = await (await get("/admin/api/viewings?sort=watchedSeconds&order=desc")).json();
  const users = sorted.items.map((v: { userId: string }) => v.userId);
  assert.deepEqual(users.slice(0, 4), ["dave", "alice", "mallory", "bob"]);
  assert.deepEqual(users.slice(4).sort(), ["carol", "erin"]);
  // a hostile path is text in the list and its link is encoded
  const hostile = await page("/admin/viewings?user=mallory");
  assert.doesNotMatch(hostile, /<script|"onload=/);
  assert.ok(hostile.includes(`<a href="/admin/video?${new URLSearchParams({ path: HOSTILE })}">`));
  assert.ok(hostile.includes("&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=x.mp4</a>"));
});

test("the dashboard shows total watch time, completion rate, watch time per day and videos by watch time", async () => {
  const body = await page("/admin/");
  assert.equal(card(body, "stat-watch-time"), "0:02:51");
  assert.equal(card(body, "stat-completion"), "25%");
  const perDay = body.slice(body.indexOf('<details id="per-day">'), body.indexOf("</details>"));
  const days = [...perDay.matchAll(/<tr>\s*<td>([^<]*)<\/td>(.*?)<\/tr>/gs)].map((m) => [
    m[1],
    ...[...m[2].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((c) => c[1]),
  ]);
  // [day, viewings, viewers, bytes, watch time]
  assert.deepEqual(days.map((d) => [d[0], d[1], d[2], d[4]]), [
    ["2026-11-20", "3", "3", "0:00:51"],
    ["2026-11-21", "3", "3", "0:02:00"],
  ]);
  const byTime = body.slice(body.indexOf('id="top-videos-by-watch-time"'));
  const top = [
    ...byTime.slice(0, byTime.indexOf("</table>")).matchAll(
      /<td class="wrap"><a href="([^"]*)">([^<]*)<\/a><\/td>(.*?)<\/tr>/gs,
    ),
  ].map((
    m,
  ) => [m[1], m[2], ...[...m[3].matchAll(/<td class="num">(?:<a [^>]*>)?([^<]*)/g)].map((c) => c[1])]);
  assert.deepEqual(top[0], [
    "/admin/video?path=done.mp4",
    "done.mp4",
    "1",
    "1",
    "9.77 KiB",
    "100%",
    "0:01:40",
    "100%",
  ]);
  assert.deepEqual(top[1].slice(0, 2), ["/admin/video?path=film.mp4", "film.mp4"]);
  assert.deepEqual(top[1].slice(6), ["0:00:51", "0%"]);
  assert.deepEqual(top[3].slice(1).slice(-2), ["0:00:00", "–"], "bytes only: no completion rate");
  assert.match(body, /<table id="top-videos">.*?<a href="\/admin\/video\?path=film\.mp4">film\.mp4<\/a>/s);
});

test("while the watch log cannot be read, the video's routes answer as the others do, below 500", async () => {
  const foreign = join(tmp.dir, "foreign.db");
  writeFileSync(foreign, "not a database\n".repeat(100));
  const broken = createAdminHandler({
    queries: createWatchLogQueries({ url: `file:${foreign}` }),
    token: TOKEN,
    onQueryError: () => {},
  });
  const ask = (route: string) =>
    broken(new Request(`http://admin.test${videoUrl(route, "film.mp4")}`, { headers: BEARER }));
  const html = await ask("/video");
  assert.equal(html.status, 200);
  assert.equal(html.headers.get("retry-after"), "10");
  assert.match(await html.text(), /<div class="error" role="alert" id="watch-log-unavailable">/);
  const json = await ask("/api/video");
  assert.equal(json.status, 200);
  assert.deepEqual(await json.json(), {
    available: false,
    error: "watch log unavailable",
    reason: "failed",
    cause: "SQLITE_NOTADB",
    retryAfter: 10,
    logger: null,
  });
  const csv = await ask("/video.csv");
  assert.equal(csv.status, 424);
  assert.match(await csv.text(), /^watch log unavailable \(SQLITE_NOTADB\)/);
});
