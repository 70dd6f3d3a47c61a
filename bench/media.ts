/// <reference lib="dom" />
// The media layer's figures:
//  1. reading a two-hour film's index (517,500 samples, a ~3 MB moov) from a synthetic 1.2 GB
//     file written to bench/data once: time, bytes read, memory; planning a clip and a fast start;
//  2. pacing: the bytes a viewer who stops watching after 20 s has pulled, with and without
//     `--pace 1.5x --pace-after 10s` (each request of the viewer asks for the rest of the film,
//     as a <video> element does, and the server caps each answer at 8 MiB);
//  3. Chromium on a moov-at-end MP4 (28 MB), with and without fast start, its network slowed
//     to 50 ms and 25 Mbit/s (DevTools emulation): requests and time until the first frame.
//
//   deno run -A --v8-flags=--expose-gc bench/media.ts [--rounds N]
import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../src/app/app.ts";
import { openFileSource } from "../src/media/file_source.ts";
import { planMp4Clip, planMp4FastStart, readMp4Index } from "../src/media/mp4/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { launchBrowser } from "../tests/_browser.ts";
import { runCommand } from "../tests/_process.ts";
import { synthFile, TWO_HOURS } from "../tests/media/mp4/_synth.ts";
import { DATA_DIR } from "./lib/data.ts";
import { median } from "./lib/stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const ROUNDS = Number(values.rounds);

const rows: string[] = [];
const row = (figure: string, value: string) => rows.push(`| ${figure} | ${value} |`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

async function indexFigures(): Promise<void> {
  const file = synthFile(TWO_HOURS);
  const onDisk = await openFileSource(await filmOnDisk());
  let bytesRead = 0;
  const source = {
    size: onDisk.size,
    read: (offset: number, length: number) => {
      bytesRead += length;
      return onDisk.read(offset, length);
    },
  };
  const times: number[] = [];
  const heap: number[] = [];
  const kept: unknown[] = [];
  let tables = 0;
  for (let round = 0; round < ROUNDS; round++) {
    bytesRead = 0;
    (globalThis as { gc?: () => void }).gc?.();
    const before = memory();
    const started = performance.now();
    const result = await readMp4Index(source);
    times.push(performance.now() - started);
    if (!result.ok) throw new Error(result.message);
    (globalThis as { gc?: () => void }).gc?.(); // what stays is what the index holds
    heap.push(memory() - before);
    kept.push(result); // alive until measured
    tables = typedBytes(result.movie);
    if (round === 0) {
      const clipStarted = performance.now();
      const clip = planMp4Clip(result.movie, { start: 3600, end: 3660 });
      row(
        "plan a 60 s clip of it (new moov)",
        `${(performance.now() - clipStarted).toFixed(1)} ms, header ${
          clip.ok ? mib(clip.header.length) : clip.message
        }`,
      );
      const late = await readMp4Index(synthFile({ ...TWO_HOURS, moovAtEnd: true }).source);
      if (!late.ok) throw new Error(late.message);
      const fastStarted = performance.now();
      const moved = planMp4FastStart(late.movie);
      row(
        "plan a fast start of the moov-at-end variant",
        `${(performance.now() - fastStarted).toFixed(1)} ms${moved?.ok ? "" : " (failed)"}`,
      );
    }
  }
  await onDisk.close();
  rows.unshift(
    `| two-hour film's moov (517,500 samples) | ${mib(file.moovSize)} |`,
    `| read its index from the file (page cache warm): median of ${ROUNDS} | ${
      median(times).toFixed(1)
    } ms |`,
    `| bytes read for it | ${mib(bytesRead)} (of a ${(file.source.size / 1e9).toFixed(2)} GB file) |`,
    `| its model's typed arrays (sample tables, key frames), counted | ${mib(tables)} |`,
    `| memory held after the read (heap + array buffers after a GC, as the runtime reports it) | ${
      mib(median(heap))
    } |`,
  );
}

/** Bytes of every typed array reachable from `value` (each buffer once). */
function typedBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== "object" || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    if (seen.has(value.buffer)) return 0;
    seen.add(value.buffer);
    return value.buffer.byteLength;
  }
  let sum = 0;
  for (const child of Object.values(value)) sum += typedBytes(child, seen);
  return sum;
}

function memory(): number {
  const usage = (globalThis as { process?: { memoryUsage(): { heapUsed: number; arrayBuffers: number } } })
    .process!
    .memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Writes the synthetic two-hour film to bench/data once (1.1 GB, mostly the pattern). */
async function filmOnDisk(): Promise<string> {
  const path = join(DATA_DIR, "film-2h.mp4");
  const file = synthFile(TWO_HOURS);
  if (existsSync(path) && statSync(path).size === file.source.size) return path;
  const fd = openSync(path, "w");
  try {
    const step = 16 * 1024 * 1024;
    for (let at = 0; at < file.source.size; at += step) {
      const chunk = await file.source.read(at, step);
      writeSync(fd, chunk, 0, chunk.length, at); // Bun's writeSync ignores the position without a length
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Bytes a viewer pulls in `seconds`, asking for the rest of the film whenever an answer ends. */
async function viewerBytes(base: string, seconds: number): Promise<number> {
  const stopAt = Date.now() + seconds * 1000;
  let received = 0;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  try {
    while (Date.now() < stopAt) {
      const res = await fetch(`${base}/stream?path=film-2h.mp4`, {
        headers: { range: `bytes=${received}-`, "sec-fetch-dest": "video" },
        signal: controller.signal,
      });
      if (res.status === 416) break; // the whole film is in
      if (res.status !== 206) throw new Error(`Expected 206, got ${res.status}`);
      const reader = res.body!.getReader();
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return received;
}

async function pacingFigures(): Promise<void> {
  const bitrate = (synthFile(TWO_HOURS).source.size * 8) / 7200;
  for (const paced of [false, true]) {
    const handler = createApp({
      root: DATA_DIR,
      allowedHosts: true,
      pacing: paced ? { rate: { bitrate: 1.5 }, after: { seconds: 10 } } : undefined,
    });
    const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler });
    try {
      const bytes = await viewerBytes(`http://127.0.0.1:${server.port}`, 20);
      const watched = (bytes * 8) / bitrate;
      row(
        `a viewer who stops after 20 s, ${paced ? "`--pace 1.5x --pace-after 10s`" : "no pacing"}`,
        `${mib(bytes)} pulled (${watched.toFixed(0)} s of the film at ${(bitrate / 1e6).toFixed(2)} Mbit/s)`,
      );
    } finally {
      await server.close({ force: true });
    }
  }
}

async function fastStartFigures(): Promise<void> {
  const late = join(DATA_DIR, "late-28mb.mp4");
  if (!existsSync(late)) {
    const made = await runCommand("ffmpeg", [
      ..."-v error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000"
        .split(" "),
      ..."-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -g 50 -crf 20 -pix_fmt yuv420p -c:a aac -t 8"
        .split(" "),
      late,
    ]);
    if (made.code !== 0) throw new Error(made.stderr);
  }
  const browser = await launchBrowser();
  try {
    for (const fastStart of [false, true]) {
      const handler = createApp({ root: DATA_DIR, fastStart, allowedHosts: true });
      const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler });
      const times: number[] = [];
      const counts: number[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const page = await browser.newPage();
          let requests = 0;
          page.on("request", (req) => new URL(req.url()).pathname === "/stream" && requests++);
          await page.goto(`http://127.0.0.1:${server.port}/`);
          // a viewer 50 ms away on a 25 Mbit/s line: each extra request costs a round trip
          const cdp = await page.context().newCDPSession(page);
          await cdp.send("Network.emulateNetworkConditions", {
            offline: false,
            latency: 50,
            downloadThroughput: 25e6 / 8,
            uploadThroughput: 5e6 / 8,
          });
          const elapsed = await page.evaluate((src) =>
            new Promise<number>((resolve, reject) => {
              const video = document.createElement("video");
              video.muted = true;
              const started = performance.now();
              video.addEventListener("loadeddata", () => resolve(performance.now() - started), {
                once: true,
              });
              video.addEventListener("error", () => reject(new Error("video error")), { once: true });
              video.src = src;
              document.body.append(video);
            }), `/stream?path=late-28mb.mp4&round=${round}`);
          times.push(elapsed);
          counts.push(requests);
          await page.close();
        }
      } finally {
        await server.close({ force: true });
      }
      row(
        `Chromium 50 ms / 25 Mbit/s away, 28 MB moov-at-end MP4, ${
          fastStart ? "fast start" : "as it is"
        }: first frame`,
        `${median(times).toFixed(0)} ms, ${median(counts)} requests (median of ${ROUNDS})`,
      );
    }
  } finally {
    await browser.close();
  }
}

await indexFigures();
await pacingFigures(); // needs the film on disk, which indexFigures wrote
await fastStartFigures();
console.log(
  `Command: \`deno run -A --v8-flags=--expose-gc bench/media.ts --rounds ${ROUNDS}\` (${
    new Date().toISOString()
  })\n`,
);
console.log("| figure | value |\n| --- | --- |");
console.log(rows.join("\n"));
