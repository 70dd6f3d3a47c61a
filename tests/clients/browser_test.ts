/// <reference lib="dom" />
// End to end in headless Chromium: the player plays the samples and seeks, the admin shows the
// viewing it produced, and client-controlled text stays text. The server runs in the test's
// runtime (deno or bun) through runtime.listen + createApp.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Page } from "playwright-core";
import { createApp } from "../../src/app/app.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import { launchBrowser } from "../_browser.ts";
import { tempDir } from "../_fixtures.ts";

const TOKEN = "browser-test-admin-token";
const SAMPLES = join(import.meta.dirname!, "..", "..", "samples");
// a directory "<script>window.pwned=1<" holding "script>.webm": the path reads as a script tag
const SCRIPT_PATH = "<script>window.pwned=1</script>.webm";
const HOSTILE_AGENT = "Mozilla/5.0 (X11; Linux x86_64) <img src=x onerror=window.pwned=2> Chrome/1";
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(import.meta.dirname!, "..", "..", "docs") : null;

const media = tempDir("sage-browser-media-");
const data = tempDir("sage-browser-db-");
copyFileSync(join(SAMPLES, "sample.webm"), join(media.dir, "sample.webm"));
copyFileSync(join(SAMPLES, "sample.mp4"), join(media.dir, "sample.mp4"));
mkdirSync(join(media.dir, "<script>window.pwned=1<"));
copyFileSync(join(SAMPLES, "sample.webm"), join(media.dir, SCRIPT_PATH));

const watchLog = createWatchLogger({ url: `file:${join(data.dir, "log.db")}`, flushIntervalMs: 50 });
const app = createApp({ root: media.dir, watchLog, adminToken: TOKEN });
const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler: app });
const base = `http://127.0.0.1:${server.port}`;
const browser = await launchBrowser();
const TIMEOUT = 10_000;
const probe = await browser.newPage();
const mp4Support = await probe.evaluate(() =>
  document.createElement("video").canPlayType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"')
);
await probe.close();
const played: string[] = [];

after(async () => {
  await browser.close();
  await server.close({ force: true });
  await watchLog.close();
  media.cleanup();
  data.cleanup();
});

/** Opens the player on `file`, plays it, seeks to 1.5 s before the end, and checks it plays on. */
async function playAndSeek(file: string): Promise<void> {
  const page = await browser.newPage();
  const statuses: number[] = [];
  page.on("response", (res) => {
    if (new URL(res.url()).pathname === "/stream") statuses.push(res.status());
  });
  try {
    const res = await page.goto(`${base}/?play=${encodeURIComponent(file)}`);
    assert.equal(res?.status(), 200);
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video")!;
        return v.error !== null || (v.readyState >= 1 && Number.isFinite(v.duration));
      },
      undefined,
      { timeout: 10_000 },
    );
    const meta = await page.evaluate(() => {
      const v = document.querySelector("video")!;
      const ranges = [];
      for (let i = 0; i < v.seekable.length; i++) ranges.push([v.seekable.start(i), v.seekable.end(i)]);
      return { error: v.error?.code ?? null, duration: v.duration, seekable: ranges };
    });
    assert.equal(meta.error, null);
    assert.ok(Math.abs(meta.duration - 8) < 0.1, `duration ${meta.duration}`);
    // one seekable range from 0 to the end: the server answers ranges
    assert.equal(meta.seekable.length, 1);
    assert.equal(meta.seekable[0][0], 0);
    assert.ok(Math.abs(meta.seekable[0][1] - meta.duration) < 0.05, `seekable ${meta.seekable}`);

    const started = await page.evaluate(() =>
      document.querySelector("video")!.play().then(() => "ok", String)
    );
    assert.equal(started, "ok");
    await page.waitForFunction(() => document.querySelector("video")!.currentTime > 0.3, undefined, {
      timeout: 10_000,
    });
    if (SHOTS && file === "sample.webm") await page.screenshot({ path: join(SHOTS, "player.png") });

    const target = meta.duration - 1.5;
    await page.evaluate((t) => {
      document.querySelector("video")!.currentTime = t;
    }, target);
    await page.waitForFunction(
      (t) => {
        const v = document.querySelector("video")!;
        return !v.seeking && v.currentTime >= t;
      },
      target,
      { timeout: 10_000 },
    );
    const landed = await page.evaluate(() => document.querySelector("video")!.currentTime);
    assert.ok(landed >= target && landed < target + 1, `landed at ${landed}, wanted ${target}`);
    // keeps playing from there, to the end
    await page.waitForFunction(
      (t) => {
        const v = document.querySelector("video")!;
        return v.ended || v.currentTime > t + 0.6;
      },
      target,
      { timeout: 10_000 },
    );
    const after = await page.evaluate(() => {
      const v = document.querySelector("video")!;
      return { error: v.error?.code ?? null, currentTime: v.currentTime };
    });
    assert.equal(after.error, null);
    assert.ok(after.currentTime > target + 0.5, `stalled at ${after.currentTime}`);
    assert.ok(
      statuses.length > 0 && statuses.every((s) => s === 200 || s === 206),
      `stream statuses ${statuses}`,
    );
    assert.ok(statuses.includes(206), `no range response in ${statuses}`);
    played.push(file);
  } finally {
    await page.close();
  }
}

/** Waits until the watch log has written everything the browser caused. */
async function settleLog(viewings: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await watchLog.flush();
    if ((await watchLog.summary()).viewings >= viewings && watchLog.stats().queued === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rowsText(page: Page): Promise<string[]> {
  return await page.locator("#rows tbody tr").allInnerTexts();
}

test(
  "the player page plays the WebM sample over the whole seekable range, and a seek near the end plays on",
  { timeout: 60_000 },
  async () => {
    await playAndSeek("sample.webm");
  },
);

if (mp4Support !== "") {
  test("the player page plays the H.264 MP4 sample and seeks near the end", { timeout: 60_000 }, async () => {
    await playAndSeek("sample.mp4");
  });
}

test("the admin refuses without the token, on pages, CSV and API", { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  try {
    const res = await page.goto(`${base}/admin/`);
    assert.equal(res?.status(), 401);
    assert.equal(await page.locator("input[name=token]").count(), 1);
    assert.equal(await page.locator("#rows, #top-videos").count(), 0);
    for (const path of ["/admin/viewings", "/admin/viewings.csv", "/admin/api/summary"]) {
      const r = await context.request.get(base + path);
      assert.equal(r.status(), 401, path);
      assert.doesNotMatch(await r.text(), /sample/);
    }
    await page.fill("input[name=token]", "not-the-token-at-all");
    const wrong = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    assert.equal(wrong[0]?.status(), 401);
    assert.match(await page.locator(".error").innerText(), /Wrong token/);
    assert.deepEqual(await context.cookies(), []);
  } finally {
    await context.close();
  }
});

test("the admin shows the viewing playback produced; filters, search, CSV export and the chart work", {
  timeout: 60_000,
}, async () => {
  await settleLog(played.length);
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  try {
    await page.goto(`${base}/admin/login`);
    await page.fill("input[name=token]", TOKEN);
    await Promise.all([page.waitForURL(`${base}/admin/`), page.click("button[type=submit]")]);
    const [cookie] = await context.cookies();
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.notEqual(cookie.value, TOKEN);
    assert.ok(!cookie.value.includes(TOKEN));

    // dashboard: totals, chart, top videos
    assert.equal(await page.locator("#stat-viewings b").innerText(), String(played.length));
    assert.equal(await page.locator("#stat-viewers b").innerText(), "1");
    const top = await page.locator("#top-videos tbody tr").allInnerTexts();
    assert.equal(top.length, played.length);
    assert.ok(top.some((row) => row.startsWith("sample.webm")));
    const chart = page.locator("svg.chart");
    const box = await chart.boundingBox();
    assert.ok(box !== null && box.width > 300 && box.height > 100, `chart box ${JSON.stringify(box)}`);
    const today = new Date().toISOString().slice(0, 10);
    const bar = chart.locator("rect.bar", { has: page.locator(`title:text-matches("^${today}")`) });
    assert.equal(await bar.count(), 1);
    assert.ok(Number(await bar.getAttribute("height")) > 0);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, "admin.png"), fullPage: true });

    // viewings: the webm viewing, anonymous, from 127.0.0.1
    await page.click("nav >> text=Viewings");
    const rows = await rowsText(page);
    assert.equal(rows.length, played.length);
    const webm = rows.find((r) => r.includes("sample.webm"))!;
    assert.match(webm, /\tno\t127\.0\.0\.1\t/);

    // filters change the rows
    await page.selectOption("select[name=auth]", "yes");
    await Promise.all([page.waitForURL(/auth=yes/), page.click("form.filters button[type=submit]")]);
    assert.deepEqual(await rowsText(page), ["No viewings match"]);
    await page.selectOption("select[name=auth]", "no");
    await page.selectOption("select[name=period]", "today");
    await page.fill("input[name=video]", "WEBM");
    await Promise.all([page.waitForURL(/video=WEBM/), page.click("form.filters button[type=submit]")]);
    const searched = await rowsText(page);
    assert.equal(searched.length, 1);
    assert.match(searched[0], /sample\.webm/);
    await page.fill("input[name=user]", "someone");
    await Promise.all([page.waitForURL(/user=someone/), page.click("form.filters button[type=submit]")]);
    assert.deepEqual(await rowsText(page), ["No viewings match"]);
    await page.fill("input[name=user]", "");
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get("user") === ""),
      page.click("form.filters button[type=submit]"),
    ]);

    // CSV of the current filter
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
    assert.match(download.suggestedFilename(), /^viewings-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8").trimEnd().split("\r\n");
    assert.equal(csv.length, 2);
    assert.match(csv[0], /^id,first_seen,last_seen,video,user,authenticated,ip,/);
    assert.match(csv[1], /,sample\.webm,,false,127\.0\.0\.1,/);

    // requests: one row per response, each a 200 or 206 for the sample
    await page.click("nav >> text=Requests");
    const requests = await rowsText(page);
    assert.ok(requests.length >= played.length);
    for (const row of requests) assert.match(row, /\t(200|206)\t/);
  } finally {
    await context.close();
  }
});

test("a path and a user agent containing markup are shown as text in the player and the admin, never run", {
  timeout: 60_000,
}, async () => {
  const context = await browser.newContext({ userAgent: HOSTILE_AGENT });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  try {
    await page.goto(`${base}/?q=script`);
    assert.deepEqual(await page.locator("#files a span").allInnerTexts(), [SCRIPT_PATH]);
    await Promise.all([page.waitForURL(/play=/), page.click("#files a")]);
    assert.equal(await page.locator("#now-playing").innerText(), SCRIPT_PATH);
    await page.waitForFunction(() => document.querySelector("video")!.readyState >= 1, undefined, {
      timeout: 10_000,
    });
    assert.equal(await page.evaluate(() => document.querySelectorAll("script").length), 0);
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
    await page.close();
    await settleLog(played.length + 1);

    const admin = await context.newPage();
    await admin.setExtraHTTPHeaders({ authorization: `Bearer ${TOKEN}` });
    await admin.goto(`${base}/admin/viewings?video=script`);
    const rows = await rowsText(admin);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].includes(SCRIPT_PATH), rows[0]);
    assert.ok(rows[0].includes(HOSTILE_AGENT), rows[0]);
    assert.equal(await admin.evaluate(() => document.querySelectorAll("script, #rows img").length), 0);
    assert.equal(await admin.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
    await admin.goto(`${base}/admin/`);
    assert.equal(await admin.evaluate(() => document.querySelectorAll("script, #top-videos img").length), 0);
    assert.ok((await admin.locator("#top-videos").innerText()).includes(SCRIPT_PATH));
  } finally {
    await context.close();
  }
});
