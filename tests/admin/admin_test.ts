import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createAdminHandler, csvCell } from "../../src/admin/mod.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import { tempDir } from "../_fixtures.ts";

const TOKEN = "admin-test-token-0123456789";
const NOW = new Date("2025-03-15T12:00:00Z");
const tmp = tempDir("sage-admin-");
const log = createWatchLogger({ url: `file:${join(tmp.dir, "log.db")}` });

// five viewings by different viewers; the dashboard's "today" is 2025-03-15 (UTC)
const seed = [
  { path: "shows/pilot.mp4", userId: "alice", clientIp: "10.0.0.1", at: "2025-03-15T10:00:00Z", end: 499 },
  { path: "shows/pilot.mp4", userId: null, clientIp: "10.0.0.2", at: "2025-03-10T08:00:00Z", end: 999 },
  { path: "movies/<b>x</b>.webm", userId: "bob", clientIp: "10.0.0.3", at: "2025-02-20T09:00:00Z", end: 99 },
  { path: "=cmd.mp4", userId: null, clientIp: "10.0.0.4", at: "2025-03-15T01:00:00Z", end: 9 },
  { path: "talks/keynote.webm", userId: null, clientIp: "10.0.0.5", at: "2025-03-02T20:00:00Z", end: 199 },
];
for (const s of seed) {
  await log.logWatchRequest({
    path: s.path,
    userId: s.userId,
    clientIp: s.clientIp,
    userAgent: `agent <i>${s.clientIp}</i>`,
    at: new Date(s.at),
    status: 206,
    size: 1000,
    ranges: [{ start: 0, end: s.end }],
    durationMs: 5,
  });
}

const admin = createAdminHandler({ queries: log, token: TOKEN, now: () => NOW, pageSize: 2 });
const BEARER = { authorization: `Bearer ${TOKEN}` };
const FORM = { "content-type": "application/x-www-form-urlencoded" };

after(async () => {
  await log.close();
  tmp.cleanup();
});

function get(path: string, headers: HeadersInit = BEARER, init: RequestInit = {}): Promise<Response> {
  return admin(new Request(`http://admin.test${path}`, { headers, ...init }));
}

async function paths(query: string): Promise<string[]> {
  const res = await get(`/admin/api/viewings?limit=100${query}`);
  assert.equal(res.status, 200);
  return ((await res.json()).items as { path: string }[]).map((v) => v.path).sort();
}

test("createAdminHandler refuses to run open, with a short token, or without queries", () => {
  assert.throws(() => createAdminHandler({ queries: log }), TypeError);
  assert.throws(() => createAdminHandler({ queries: log, token: "short" }), RangeError);
  assert.throws(
    () => createAdminHandler({ queries: undefined as never, token: TOKEN }),
    {
      name: "TypeError",
      message: 'Cannot create admin handler: "queries" must be a watch logger or watch-log queries',
    },
  );
});

test("without credentials pages answer 401 with the login form, CSV and API 401 without data", async () => {
  for (const path of ["/admin", "/admin/", "/admin/viewings", "/admin/requests"]) {
    const res = await get(path, {});
    assert.equal(res.status, 401, path);
    assert.match(res.headers.get("www-authenticate")!, /^Bearer realm=/);
    const body = await res.text();
    assert.match(body, /<form class="login" method="post" action="\/admin\/login">/);
    assert.doesNotMatch(body, /pilot/);
  }
  for (
    const path of ["/admin/viewings.csv", "/admin/requests.csv", "/admin/api/summary", "/admin/api/requests"]
  ) {
    const res = await get(path, {});
    assert.equal(res.status, 401, path);
    assert.equal(await res.text(), "Unauthorized");
  }
  for (
    const auth of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${btoa("admin:" + TOKEN)}`,
      TOKEN,
    ]
  ) {
    const res = await get("/admin/api/summary", { authorization: auth });
    assert.equal(res.status, 401, auth);
    await res.body?.cancel();
  }
  // a cookie holding the raw token is not a session
  const raw = await get("/admin/api/summary", { cookie: `sage_admin=${TOKEN}` });
  assert.equal(raw.status, 401);
  await raw.body?.cancel();
});

test("the login form sets an HttpOnly SameSite=Strict cookie holding a random session id, not the token", async () => {
  const form = (token: string, headers: HeadersInit = {}) =>
    get("/admin/login", headers, { method: "POST", body: new URLSearchParams({ token }) });
  const wrong = await form("admin-test-token-012345678X");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("set-cookie"), null);
  assert.match(await wrong.text(), /Wrong token\./);

  const ok = await form(TOKEN, { "sec-fetch-site": "same-origin", origin: "http://admin.test" });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/admin/");
  const cookie = ok.headers.get("set-cookie")!;
  const match = /^sage_admin=([A-Za-z0-9_-]{43}); Path=\/admin; Max-Age=43200; HttpOnly; SameSite=Strict$/
    .exec(cookie);
  assert.ok(match, cookie);
  assert.ok(!match[1].includes(TOKEN));
  const page = await get("/admin/", { cookie: `other=1; sage_admin=${match[1]}` });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<h1>Dashboard<\/h1>/);
  const flipped = match[1].slice(0, -1) + (match[1].endsWith("A") ? "B" : "A"); // one character changed
  const tampered = await get("/admin/", { cookie: `sage_admin=${flipped}` });
  assert.equal(tampered.status, 401);
  await tampered.body?.cancel();

  // each login is a session of its own
  const again = await form(TOKEN);
  const second = /^sage_admin=([^;]+);/.exec(again.headers.get("set-cookie")!)![1];
  assert.notEqual(second, match[1]);
  // logging out clears the cookie and ends that session on the server, not the other
  const out = await get("/admin/logout", { cookie: `sage_admin=${match[1]}` }, { method: "POST" });
  assert.equal(out.status, 303);
  assert.match(
    out.headers.get("set-cookie")!,
    /^sage_admin=; Path=\/admin; Max-Age=0; HttpOnly; SameSite=Strict$/,
  );
  const replayed = await get("/admin/", { cookie: `sage_admin=${match[1]}` });
  assert.equal(replayed.status, 401, "a logged-out cookie is refused");
  await replayed.body?.cancel();
  const still = await get("/admin/api/summary", { cookie: `sage_admin=${second}` });
  assert.equal(still.status, 200);
  await still.body?.cancel();
  // another process (a restart, another server with the same token) knows none of them
  const restarted = createAdminHandler({ queries: log, token: TOKEN });
  const elsewhere = await restarted(
    new Request("http://admin.test/admin/api/summary", {
      headers: { cookie: `sage_admin=${second}` },
    }),
  );
  assert.equal(elsewhere.status, 401);
  await elsewhere.body?.cancel();
});

test("a session ends when its max age has passed", async () => {
  const short = createAdminHandler({ queries: log, token: TOKEN, sessionMaxAge: 1 });
  const ok = await short(
    new Request("http://admin.test/admin/login", {
      method: "POST",
      headers: FORM,
      body: `token=${encodeURIComponent(TOKEN)}`,
    }),
  );
  const value = /^sage_admin=([^;]+);/.exec(ok.headers.get("set-cookie")!)![1];
  const ask = () =>
    short(new Request("http://admin.test/admin/api/summary", { headers: { cookie: `sage_admin=${value}` } }));
  const fresh = await ask();
  assert.equal(fresh.status, 200);
  await fresh.body?.cancel();
  await new Promise((r) => setTimeout(r, 1100));
  const expired = await ask();
  assert.equal(expired.status, 401);
  await expired.body?.cancel();
});

test("cross-site login and logout posts are refused", async () => {
  for (
    const headers of [
      { "sec-fetch-site": "cross-site" } as Record<string, string>,
      { "sec-fetch-site": "same-site" },
      { origin: "http://evil.test" },
      { origin: "null" },
    ]
  ) {
    const res = await get("/admin/login", headers, {
      method: "POST",
      body: new URLSearchParams({ token: TOKEN }),
    });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.equal(res.headers.get("set-cookie"), null);
    await res.body?.cancel();
    const out = await get("/admin/logout", headers, { method: "POST" });
    assert.equal(out.status, 403);
    await out.body?.cancel();
  }
});

test("the admin is read-only: writes get 405 with Allow, and unknown paths 404", async () => {
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
    for (const path of ["/admin/", "/admin/viewings", "/admin/api/viewings", "/admin/viewings.csv"]) {
      const res = await get(path, BEARER, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
      await res.body?.cancel();
    }
  }
  for (const path of ["/admin/viewings/1/delete", "/admin/api", "/administrator", "/"]) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
  assert.equal((await log.summary()).viewings, 5);
});

test("every page has a strict CSP, no script and no inline handler, and escapes client text", async () => {
  const csp =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  for (const path of ["/admin/", "/admin/viewings?limit=100", "/admin/requests?limit=100", "/admin/login"]) {
    const res = await get(path);
    assert.equal(res.headers.get("content-security-policy"), csp, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = await res.text();
    assert.doesNotMatch(body, /<script/i, path);
    assert.doesNotMatch(body, /\son[a-z]+=/i, path);
    assert.doesNotMatch(body, /\sstyle=/i, path);
    if (path !== "/admin/login") {
      assert.doesNotMatch(body, /<b>x<\/b>|<i>/, path);
      assert.match(body, /movies\/&lt;b&gt;x&lt;\/b&gt;\.webm/, path);
    }
  }
  const css = await get("/admin/style.css", {});
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.match(await css.text(), /^:root\{/);
});

test("period, authenticated, user, video and ip filters select the matching viewings", async () => {
  assert.deepEqual(await paths(""), [
    "=cmd.mp4",
    "movies/<b>x</b>.webm",
    "shows/pilot.mp4",
    "shows/pilot.mp4",
    "talks/keynote.webm",
  ]);
  assert.deepEqual(await paths("&period=today"), ["=cmd.mp4", "shows/pilot.mp4"]);
  assert.deepEqual(await paths("&period=7d"), ["=cmd.mp4", "shows/pilot.mp4", "shows/pilot.mp4"]);
  assert.deepEqual(await paths("&period=month"), [
    "=cmd.mp4",
    "shows/pilot.mp4",
    "shows/pilot.mp4",
    "talks/keynote.webm",
  ]);
  assert.deepEqual(await paths("&from=2025-02-01&to=2025-02-28"), ["movies/<b>x</b>.webm"]);
  assert.deepEqual(await paths("&period=custom&to=2025-03-02"), [
    "movies/<b>x</b>.webm",
    "talks/keynote.webm",
  ]);
  assert.deepEqual(await paths("&auth=yes"), ["movies/<b>x</b>.webm", "shows/pilot.mp4"]);
  assert.deepEqual(await paths("&auth=no"), ["=cmd.mp4", "shows/pilot.mp4", "talks/keynote.webm"]);
  assert.deepEqual(await paths("&user=alice"), ["shows/pilot.mp4"]);
  assert.deepEqual(await paths("&video=PILOT"), ["shows/pilot.mp4", "shows/pilot.mp4"]);
  assert.deepEqual(await paths("&video=pilot&auth=no"), ["shows/pilot.mp4"]);
  assert.deepEqual(await paths("&ip=10.0.0.5"), ["talks/keynote.webm"]);
});

test("bad query values are answered 400 with the reason", async () => {
  const cases: [string, string][] = [
    ["period=year", '"period" must be all, today, 7d, month or custom, got "year"'],
    ["from=2025-02-30", '"from" must be a day, YYYY-MM-DD, got "2025-02-30"'],
    ["auth=maybe", '"auth" must be "yes", "no" or empty, got "maybe"'],
    ["page=0", '"page" must be a whole number from 1, got "0"'],
    ["limit=5000", '"limit" must be a whole number from 1 to 1000, got "5000"'],
    ["order=up", '"order" must be asc or desc, got "up"'],
    [
      "sort=ip",
      '"sort" must be one of firstSeen, lastSeen, path, userId, requestCount, bytes, watchedShare, watchedSeconds, got "ip"',
    ],
  ];
  for (const [query, error] of cases) {
    const res = await get(`/admin/api/viewings?${query}`);
    assert.equal(res.status, 400, query);
    assert.deepEqual(await res.json(), { error });
    const page = await get(`/admin/viewings?${query}`);
    assert.equal(page.status, 400);
    assert.ok((await page.text()).includes(error.replace(/"/g, "&quot;")));
  }
});

test("sort and pages: links keep the filters, and the API pages the same way", async () => {
  const res = await get("/admin/api/viewings?sort=path&order=asc&page=2");
  const body = await res.json();
  assert.equal(body.total, 5);
  assert.equal(body.limit, 2);
  assert.equal(body.offset, 2);
  assert.deepEqual(body.items.map((v: { path: string }) => v.path), ["shows/pilot.mp4", "shows/pilot.mp4"]);

  const page = await (await get("/admin/viewings?auth=no&sort=path&order=asc&page=2")).text();
  assert.match(page, /Page 2 of 2 · 3 rows/);
  assert.match(page, /<a rel="prev" href="\/admin\/viewings\?auth=no&amp;sort=path&amp;order=asc">/);
  assert.doesNotMatch(page, /rel="next"/);
  // the active column's link flips the order
  assert.match(
    page,
    /aria-sort="ascending" ?><a href="\/admin\/viewings\?auth=no&amp;sort=path&amp;order=desc">Video ↑/,
  );
  const rows = [...page.matchAll(/<td class="wrap"><a href="[^"]*">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);
  assert.deepEqual(rows, ["talks/keynote.webm"]);
});

test("CSV export has every row of the current filter, quoted and formula-safe", async () => {
  const res = await get("/admin/viewings.csv?auth=no&sort=path&order=asc");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.equal(res.headers.get("content-disposition"), 'attachment; filename="viewings-2025-03-15.csv"');
  const lines = (await res.text()).split("\r\n");
  assert.equal(
    lines[0],
    "id,first_seen,last_seen,video,user,authenticated,ip,requests,bytes,file_size,watched_share," +
      "media_duration,watched_seconds,buffered_seconds,seeks,completed,last_position,user_agent",
  );
  // three rows although the page size is 2, then the final CRLF
  assert.equal(lines.length, 5);
  assert.equal(lines[4], "");
  assert.match(
    lines[1],
    /^\d+,2025-03-15T01:00:00\.000Z,2025-03-15T01:00:00\.\d{3}Z,'=cmd\.mp4,,false,10\.0\.0\.4,1,10,1000,0\.01,,,,,,,agent <i>10\.0\.0\.4<\/i>$/,
  );
  assert.match(lines[3], /,talks\/keynote\.webm,,false,10\.0\.0\.5,1,200,1000,0\.2,/);

  const events = await (await get("/admin/requests.csv?user=bob")).text();
  const [header, row, end] = events.split("\r\n");
  assert.equal(
    header,
    "id,time,video,user,authenticated,ip,status,range_start,range_end,range_count,file_size,bytes_planned,bytes_delivered,duration_ms,aborted,viewing_id,user_agent",
  );
  assert.match(
    row,
    /^\d+,2025-02-20T09:00:00\.000Z,movies\/<b>x<\/b>\.webm,bob,true,10\.0\.0\.3,206,0,99,1,1000,100,,5,false,\d+,agent <i>10\.0\.0\.3<\/i>$/,
  );
  assert.equal(end, "");
});

test("the dashboard shows totals, one chart bar per day of the period and the top videos", async () => {
  const page = await (await get("/admin/?period=7d")).text();
  assert.match(page, /<div class="card" id="stat-viewings"><b>3<\/b>/);
  assert.match(page, /<div class="card" id="stat-viewers"><b>3<\/b>/);
  const bars = [
    ...page.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"[^>]*>\s*<title>([^<]*)<\/title>/g),
  ];
  assert.equal(bars.length, 7);
  assert.deepEqual(bars.map((b) => b[2].slice(0, 10)), [
    "2025-03-09",
    "2025-03-10",
    "2025-03-11",
    "2025-03-12",
    "2025-03-13",
    "2025-03-14",
    "2025-03-15",
  ]);
  assert.equal(bars[6][2], "2025-03-15: 2 viewings, 2 viewers");
  assert.equal(bars[1][2], "2025-03-10: 1 viewing, 1 viewer");
  assert.equal(Number(bars[0][1]), 0);
  assert.equal(Number(bars[6][1]), 2 * Number(bars[1][1]));
  const top = page.slice(page.indexOf('id="top-videos"'));
  assert.match(
    top,
    /^id="top-videos">.*?<tbody>\s*<tr>\s*<td class="wrap"><a href="\/admin\/video\?path=shows%2Fpilot\.mp4">shows\/pilot\.mp4<\/a><\/td>\s*<td class="num"><a href="\/admin\/viewings\?period=7d&amp;video=shows%2Fpilot\.mp4">2<\/a><\/td>/s,
  );

  const summary = await (await get("/admin/api/summary?auth=yes")).json();
  assert.equal(summary.viewings, 2);
  assert.equal(summary.uniqueUsers, 2);
  assert.equal(summary.bytes, 600);
});

test("a custom authorize lets requests in, refuses them, or answers with its own Response", async () => {
  const custom = createAdminHandler({
    queries: log,
    authorize: (req) => {
      const who = req.headers.get("x-user");
      if (who === "admin") return true;
      if (who === null) return Response.redirect("http://admin.test/sso", 302);
      return false;
    },
  });
  const ok = await custom(
    new Request("http://admin.test/admin/api/summary", { headers: { "x-user": "admin" } }),
  );
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).viewings, 5);
  const no = await custom(new Request("http://admin.test/admin/", { headers: { "x-user": "eve" } }));
  assert.equal(no.status, 403);
  await no.body?.cancel();
  const redirect = await custom(new Request("http://admin.test/admin/"));
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get("location"), "http://admin.test/sso");
  // no token configured: the bearer header means nothing, and there is no login
  const bearer = await custom(
    new Request("http://admin.test/admin/", { headers: { ...BEARER, "x-user": "eve" } }),
  );
  assert.equal(bearer.status, 403);
  await bearer.body?.cancel();
});

/** A request body that never ends, counting the bytes the server pulled from it. */
function endlessBody(): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const chunk = new TextEncoder().encode("token=" + "a".repeat(16 * 1024));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { body, pulled: () => pulled };
}

test("the login form refuses a body past 4 KiB with 413 without reading it all (chunked framing)", async () => {
  const { body, pulled } = endlessBody();
  const res = await admin(
    new Request(
      "http://admin.test/admin/login",
      { method: "POST", headers: FORM, body, duplex: "half" } as RequestInit,
    ),
  );
  assert.equal(res.status, 413);
  assert.match(await res.text(), /at most 4096 bytes/);
  assert.ok(pulled() < 64 * 1024, `pulled ${pulled()} bytes`);
});

test("the login form refuses a declared Content-Length past 4 KiB before reading a byte", async () => {
  const { body, pulled } = endlessBody();
  const res = await admin(
    new Request("http://admin.test/admin/login", {
      method: "POST",
      headers: { ...FORM, "content-length": "300000000" },
      body,
      duplex: "half",
    } as RequestInit),
  );
  assert.equal(res.status, 413);
  assert.equal(res.headers.get("set-cookie"), null);
  assert.ok(pulled() <= 16 * 1024 + 6, `pulled ${pulled()} bytes`);
});

test("the login form takes only a URL-encoded body: other types get 415, bad UTF-8 400", async () => {
  const multipart = new FormData();
  multipart.set("token", TOKEN);
  const res = await get("/admin/login", {}, { method: "POST", body: multipart });
  assert.equal(res.status, 415);
  assert.equal(res.headers.get("set-cookie"), null);
  await res.body?.cancel();
  const bad = await get("/admin/login", FORM, {
    method: "POST",
    body: new Uint8Array([0x74, 0x3d, 0xff, 0xfe]),
  });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const ok = await get("/admin/login", FORM, { method: "POST", body: `token=${encodeURIComponent(TOKEN)}` });
  assert.equal(ok.status, 303);
  await ok.body?.cancel();
});

test("CSV cells a spreadsheet could evaluate are neutralised in every locale's separator", () => {
  const cases: [string, string][] = [
    ["=1+1", "'=1+1"],
    ["x;=cmd|' /C calc'!A0", `"'x;=cmd|' /C calc'!A0"`], // ";"-separated locales split here
    ["a,@SUM(A1)", `"'a,@SUM(A1)"`],
    ["\t=1", `"'\t=1"`],
    ["\r=1", `"'\r=1"`],
    ["\u0001=1", "'\u0001=1"],
    [" +1", "' +1"],
    ["\uFF1D1", "'\uFF1D1"], // full-width equals sign
    ["a;b", `"a;b"`],
    ["Mozilla/5.0 (X11; Linux x86_64)", `"Mozilla/5.0 (X11; Linux x86_64)"`],
    ["10.0.0.4", "10.0.0.4"],
    ["plain text", "plain text"],
  ];
  for (const [value, cell] of cases) assert.equal(csvCell(value), cell, JSON.stringify(value));
  assert.equal(csvCell(-3), "-3");
});

test("wrong tokens are throttled per client with 429 and Retry-After; other clients and the right token are not locked out", async () => {
  let address = "198.51.100.1";
  const guarded = createAdminHandler({ queries: log, token: TOKEN, clientAddress: () => address });
  const login = (token: string) =>
    guarded(
      new Request("http://admin.test/admin/login", { method: "POST", headers: FORM, body: `token=${token}` }),
    );
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) {
    const res = await login("wrong-token-0123456789");
    statuses.push(res.status);
    if (res.status === 429) assert.match(res.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    await res.body?.cancel();
  }
  // five free failures, the sixth sets a wait, the seventh is refused without being checked
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429]);
  // Bearer guesses from the throttled client are refused too
  const api = await guarded(new Request("http://admin.test/admin/api/summary", { headers: BEARER }));
  assert.equal(api.status, 429);
  await api.body?.cancel();
  // the owner elsewhere logs in at once
  address = "203.0.113.7";
  const owner = await login(encodeURIComponent(TOKEN));
  assert.equal(owner.status, 303);
  await owner.body?.cancel();
  // and the throttled client gets in once its wait is over
  address = "198.51.100.1";
  await new Promise((r) => setTimeout(r, 1100));
  const later = await login(encodeURIComponent(TOKEN));
  assert.equal(later.status, 303);
});

test("the session cookie is Secure over HTTPS, also behind a trusted TLS-terminating proxy", async () => {
  const form = { method: "POST", headers: FORM, body: `token=${encodeURIComponent(TOKEN)}` };
  // every login here succeeds, so a cookie without Secure is a real answer, not a failed login
  const secureOf = async (handler: typeof admin, url: string, headers: Record<string, string> = {}) => {
    const res = await handler(new Request(url, { ...form, headers: { ...FORM, ...headers } }));
    assert.equal(res.status, 303, url);
    const cookie = res.headers.get("set-cookie");
    assert.match(cookie ?? "", /^sage_admin=[A-Za-z0-9_-]{43}; /);
    return /; Secure$/.test(cookie!);
  };
  assert.equal(await secureOf(admin, "https://admin.test/admin/login"), true);
  assert.equal(
    await secureOf(admin, "http://admin.test/admin/login", { "x-forwarded-proto": "https" }),
    false,
  );
  const proxied = createAdminHandler({
    queries: log,
    token: TOKEN,
    isHttps: (req) => req.headers.get("x-forwarded-proto") === "https",
  });
  assert.equal(
    await secureOf(proxied, "http://admin.test/admin/login", { "x-forwarded-proto": "https" }),
    true,
  );
  assert.equal(await secureOf(proxied, "http://admin.test/admin/login"), false);
});
