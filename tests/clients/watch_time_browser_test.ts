/// <reference lib="dom" />
// Real playback as the test of watch time: Chromium plays a film to 40 %, seeks to 80 %, plays
// a second and stops; the watch log then holds a viewing whose seconds reached are within a
// few seconds of what was played, and the film's retention curve has the gap in between.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { createApp } from "../../src/app/app.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import { launchBrowser } from "../_browser.ts";
import { eventually, tempDir } from "../_fixtures.ts";
import { runCommand } from "../_process.ts";

const DURATION = 40;
const media = tempDir("sage-watch-time-");
// 40 s at about 6 Mbit/s: the jump from 40 % to 80 % is far more than a player waits for on
// the connection it has open, so it asks for the new position
const made = await runCommand("ffmpeg", [
  ..."-v error -y -f lavfi -i testsrc2=size=640x360:rate=25 -vf noise=alls=30:allf=t".split(" "),
  ..."-c:v libx264 -preset ultrafast -g 50 -b:v 6M -maxrate 6M -bufsize 6M -pix_fmt yuv420p".split(" "),
  ..."-movflags +faststart -t".split(" "),
  String(DURATION),
  join(media.dir, "film.mp4"),
]);
assert.equal(made.code, 0, made.stderr);
const logger = createWatchLogger({ url: `file:${join(media.dir, "log.db")}`, flushIntervalMs: 50 });
// the app's defaults: media elements paced, so the player fetches as it plays; the stream
// requests are counted as they arrive and as they end (some of Chromium's media requests are
// not reported to the page)
let streamsStarted = 0;
let streamsEnded = 0;
const app = createApp({ root: media.dir, watchLog: logger, onServed: () => streamsEnded++ });
const server = await runtime.listen({
  hostname: "127.0.0.1",
  port: 0,
  handler: (req, info) => {
    if (new URL(req.url).pathname === "/stream") streamsStarted++;
    return app(req, info);
  },
});
const browser: Browser = await launchBrowser();

after(async () => {
  await browser.close();
  await server.close({ force: true });
  await logger.close();
  media.cleanup();
});

test(
  "Chromium plays to 40 %, seeks to 80 %, stops: watch time within a few seconds, the gap in the curve",
  { timeout: 120_000 },
  async () => {
    const page = await browser.newPage();
    const wait = { timeout: 60_000, polling: 100 };
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.evaluate(() => {
      const video = document.createElement("video");
      video.muted = true;
      video.preload = "auto";
      video.src = "/stream?path=film.mp4";
      document.body.append(video);
      return video.play();
    });
    await page.waitForFunction(
      (d) => document.querySelector("video")!.currentTime >= 0.4 * d,
      DURATION,
      wait,
    );
    const firstPart = await page.evaluate(() => document.querySelector("video")!.currentTime);
    await page.evaluate((d) => document.querySelector("video")!.currentTime = 0.8 * d, DURATION);
    await page.waitForFunction(
      (d) => document.querySelector("video")!.currentTime >= 0.8 * d + 1,
      DURATION,
      wait,
    );
    const secondPart = await page.evaluate((d) => {
      const video = document.querySelector("video")!;
      video.pause();
      return video.currentTime - 0.8 * d;
    }, DURATION);
    assert.equal(await page.evaluate(() => document.querySelector("video")!.error), null);
    await page.close();
    const played = firstPart + secondPart;

    // the closed page's requests end, and each is written
    assert.ok(await eventually(() => streamsEnded === streamsStarted, 20_000), "every stream request ended");
    await logger.flush();
    const report = (await logger.videoReport("film.mp4"))!;
    const viewing = (await logger.listViewings({ path: "film.mp4" })).items[0];
    const events = (await logger.listEvents({ path: "film.mp4", sort: "startedAt", order: "asc" })).items;
    const requestsSeen = events.map((e) =>
      `${e.startedAt.getTime() % 100_000} ms: ${e.rangeStart}-${e.rangeEnd}, ${e.bytesDelivered} B in ` +
      `${e.durationMs} ms${e.aborted ? " (cut)" : ""}`
    );
    const message = `played ${played.toFixed(2)} s; reached ${JSON.stringify(viewing.watchedTime)}, ` +
      `buffered ${JSON.stringify(viewing.bufferedTime)}; requests: ${requestsSeen.join(" | ")}`;
    assert.ok(Math.abs(report.watchedSeconds - played) <= 3, message);
    assert.ok(viewing.seeks >= 1, message);
    assert.equal(report.retention.length, 100);
    const share = (percent: number) => report.retention[percent].share;
    for (const percent of [5, 20, 35]) assert.equal(share(percent), 1, `${percent} %: ${message}`);
    for (const percent of [45, 60, 75]) assert.equal(share(percent), 0, `${percent} % (the gap): ${message}`);
    assert.equal(share(80), 1, `80 %: ${message}`);
    assert.equal(report.completed, 0);
    const landed = report.seekTargets.filter((part) => part.seeks > 0).map((part) => part.start);
    assert.ok(landed.some((start) => start >= 0.75 * DURATION && start <= 0.8 * DURATION), message);
  },
);
