/// <reference lib="dom" />
// A video's page in headless Chromium with JavaScript off: the retention curve and the seek
// chart are drawn, named for assistive technology, and their table opens without a script.
// UPDATE_SCREENSHOTS=1 saves docs/video.png. Skipped when Chromium is not installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createAdminHandler } from "../../src/admin/mod.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import type { WatchRequestEntry } from "../../src/watch_log/types.ts";
import { CHROMIUM_PATH, launchBrowser } from "../_browser.ts";
import { tempDir } from "../_fixtures.ts";

const TOKEN = "browser-video-admin-token";
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(import.meta.dirname!, "..", "..", "docs") : null;
const DURATION = 480;
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
// how far each of twelve viewers got from the start; three of them then jump to 5:00 for a minute
const ENDS = [480, 470, 430, 380, 320, 260, 210, 170, 130, 95, 60, 25];
const SEEKERS = [5, 8, 10];

/** A request of the film whose bytes map linearly to time, `[from, to]` seconds played in real time. */
function watch(viewer: number, at: number, from: number, to: number): WatchRequestEntry {
  const bytesPerSecond = 1000;
  return {
    path: "films/harbour.mp4",
    userId: `viewer-${viewer}`,
    at: new Date(T0 + at * 1000),
    size: DURATION * bytesPerSecond,
    ranges: [{ start: from * bytesPerSecond, end: to * bytesPerSecond - 1 }],
    durationMs: (to - from) * 1000,
    media: { duration: DURATION, seconds: [[from, to]] },
  };
}

test("a video's page in Chromium without JavaScript: both charts, named, and the table opens", {
  skip: !existsSync(CHROMIUM_PATH) && "Chromium is not installed",
  timeout: 60_000,
}, async () => {
  const tmp = tempDir("sage-admin-video-browser-");
  const log = createWatchLogger({ url: `file:${join(tmp.dir, "log.db")}`, inWorker: false });
  for (const [viewer, end] of ENDS.entries()) {
    await log.logWatchRequest(watch(viewer, viewer * 3600, 0, end));
    if (SEEKERS.includes(viewer)) await log.logWatchRequest(watch(viewer, viewer * 3600 + end + 1, 300, 360));
  }
  await log.logWatchRequest({
    path: "films/harbour.mp4",
    userId: "old-player",
    at: new Date(T0),
    size: 1000,
  });
  await log.flush();
  const admin = createAdminHandler({
    queries: log,
    token: TOKEN,
    mediaInfo: () =>
      Promise.resolve({
        duration: DURATION,
        width: 1280,
        height: 720,
        codecs: ["avc1.64001f", "mp4a.40.2"],
        mimeType: 'video/mp4; codecs="avc1.64001f, mp4a.40.2"',
        fastStart: true,
        bitrate: 8000,
      }),
  });
  const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler: admin });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1100, height: 900 },
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const url = `http://127.0.0.1:${server.port}/admin/video?path=${encodeURIComponent("films/harbour.mp4")}`;
    const res = await page.goto(url);
    assert.equal(res?.status(), 200);
    assert.equal(await page.locator("#stat-viewings b").innerText(), "13");
    assert.equal(await page.locator("#stat-bytes-only b").innerText(), "1");
    assert.equal(await page.locator("#stat-seeks b").innerText(), "3");
    assert.equal(await page.locator("#stat-duration b").innerText(), "8:00");
    assert.match(
      await page.locator("#video-path").innerText(),
      /8:00 · 1280×720 · avc1\.64001f, mp4a\.40\.2/,
    );

    // both charts are laid out, and named for assistive technology by their <title>
    const retention = page.getByRole("img", { name: "Audience retention" });
    const seeks = page.getByRole("img", { name: "Where viewers seek to" });
    for (const chart of [retention, seeks]) {
      const box = await chart.boundingBox();
      assert.ok(box !== null && box.width > 500 && box.height > 150, `chart box ${JSON.stringify(box)}`);
    }
    assert.equal(await retention.locator("rect.retention").count(), 100);
    const heights = await retention.locator("rect.retention").evaluateAll((rects) =>
      rects.map((r) => r.getBoundingClientRect().height)
    );
    assert.ok(heights[0] > 0 && heights[0] >= heights[50] && heights[50] >= heights[99], heights.join(","));
    assert.match(
      await retention.getAttribute("aria-describedby") ?? "",
      /^retention-chart-desc$/,
    );
    assert.match(
      await page.locator("#retention-chart-desc").textContent() ?? "",
      /^Share of the 12 viewings/,
    );
    assert.equal(await seeks.locator("rect.seeks").count(), 1, "all three seeks landed at 5:00");
    if (SHOTS) await page.screenshot({ path: join(SHOTS, "video.png"), fullPage: true });

    // the table, collapsed, opens without a script and lists every part
    const table = page.locator("#video-parts table");
    assert.equal(await table.isVisible(), false);
    await page.click("#video-parts summary");
    assert.equal(await table.isVisible(), true);
    assert.equal(await table.locator("tbody tr").count(), 100);
    const atFive = await table.locator("tbody tr").nth(62).innerText();
    assert.match(atFive, /^62–63%\t4:58\t5:02\t8\t66\.7%\t3$/);
    assert.equal(await page.evaluate(() => document.querySelectorAll("script").length), 0);
    await context.close();
  } finally {
    await browser.close();
    await server.close({ force: true });
    await log.close();
    tmp.cleanup();
  }
});
