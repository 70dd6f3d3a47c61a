/// <reference lib="dom" />
// Chromium plays what the media layer makes: a clip by time (plays, has the span's duration,
// seeks), and a moov-at-end MP4 served with fast start (first frame from one request, where
// without it Chromium must ask for the end of the file first).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { createApp } from "../../src/app/app.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { launchBrowser } from "../_browser.ts";
import { tempDir } from "../_fixtures.ts";
import { runCommand } from "../_process.ts";
import { sample } from "../media/mp4/_samples.ts";

const media = tempDir("sage-media-browser-");
copyFileSync(await sample("faststart"), join(media.dir, "film.mp4"));
// 8 s of noise at about 28 MB, moov last: larger than the first answer Chromium reads, so
// without fast start it must ask for the end of the file to find the index
const made = await runCommand("ffmpeg", [
  ..."-v error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000"
    .split(" "),
  ..."-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -g 50 -crf 20 -pix_fmt yuv420p -c:a aac -t 8"
    .split(" "),
  join(media.dir, "late.mp4"),
]);
assert.equal(made.code, 0, made.stderr);
const plain = await runtime.listen({
  hostname: "127.0.0.1",
  port: 0,
  handler: createApp({ root: media.dir }),
});
const fast = await runtime.listen({
  hostname: "127.0.0.1",
  port: 0,
  handler: createApp({ root: media.dir, fastStart: true }),
});
const browser: Browser = await launchBrowser();
const WAIT = { timeout: 15_000 };

after(async () => {
  await browser.close();
  await plain.close({ force: true });
  await fast.close({ force: true });
  media.cleanup();
});

/** A page on `port` with a muted `<video>` on `src`, and the stream requests it makes. */
async function videoPage(port: number, src: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on("request", (req) => {
    if (new URL(req.url()).pathname === "/stream") requests.push(req.headers()["range"] ?? "(no range)");
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate((url) => {
    const video = document.createElement("video");
    video.muted = true;
    video.preload = "auto";
    video.src = url;
    document.body.append(video);
  }, src);
  return { page, requests };
}

test("Chromium plays a clip by time: the span's duration, from a key frame, and it seeks", WAIT, async () => {
  const { page, requests } = await videoPage(plain.port, "/stream?path=film.mp4&start=4&end=8");
  try {
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video")!;
        return v.error !== null || (v.readyState >= 1 && Number.isFinite(v.duration));
      },
      undefined,
      WAIT,
    );
    const meta = await page.evaluate(() => {
      const v = document.querySelector("video")!;
      return { error: v.error?.code ?? null, duration: v.duration, width: v.videoWidth };
    });
    assert.equal(meta.error, null);
    // the sample has a key frame every 2 s, so 4 s is one: the clip is 4 to 8 s
    assert.ok(Math.abs(meta.duration - 4) < 0.25, `clip duration ${meta.duration}`);
    assert.equal(meta.width, 320);
    assert.equal(
      await page.evaluate(() => document.querySelector("video")!.play().then(() => "ok", String)),
      "ok",
    );
    await page.waitForFunction(() => document.querySelector("video")!.currentTime > 0.3, undefined, WAIT);
    await page.evaluate(() => document.querySelector("video")!.currentTime = 2.5);
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video")!;
        return !v.seeking && v.currentTime >= 2.5;
      },
      undefined,
      WAIT,
    );
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video")!;
        return v.ended || v.currentTime > 3.2;
      },
      undefined,
      WAIT,
    );
    assert.equal(await page.evaluate(() => document.querySelector("video")!.error?.code ?? null), null);
    assert.ok(requests.length >= 1, "the clip was fetched");
  } finally {
    await page.close();
  }
});

/** The stream requests Chromium makes before the first frame of `src` can be shown. */
async function requestsBeforeFirstFrame(port: number, src: string): Promise<string[]> {
  const { page, requests } = await videoPage(port, src);
  try {
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video")!;
        return v.error !== null || v.readyState >= 2; // HAVE_CURRENT_DATA: a frame to show
      },
      undefined,
      WAIT,
    );
    assert.equal(await page.evaluate(() => document.querySelector("video")!.error?.code ?? null), null);
    return [...requests];
  } finally {
    await page.close();
  }
}

/** The requests that jump ahead: a range that does not continue where an 8 MiB answer ended. */
function jumps(ranges: readonly string[]): string[] {
  const CAP = 8 * 1024 * 1024; // the CLI's default cap on a media element's open-ended answer
  return ranges.filter((range) => {
    const start = Number(/^bytes=(\d+)-/.exec(range)?.[1] ?? 0);
    return start % CAP !== 0;
  });
}

test(
  "a moov-at-end MP4 with fast start plays from its first bytes, without a jump to its end",
  WAIT,
  async () => {
    const without = await requestsBeforeFirstFrame(plain.port, "/stream?path=late.mp4");
    const withFastStart = await requestsBeforeFirstFrame(fast.port, "/stream?path=late.mp4");
    assert.ok(
      jumps(without).length >= 1,
      `without fast start Chromium asks for the end first: ${without.join(" | ")}`,
    );
    assert.deepEqual(jumps(withFastStart), [], `with fast start: ${withFastStart.join(" | ")}`);
  },
);
