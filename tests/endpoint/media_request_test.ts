// The endpoint's clips by time and fast start, checked with real MP4s made by ffmpeg and read
// back by ffprobe/ffmpeg.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createStreamHandler } from "../../src/endpoint/handler.ts";
import { parseClipSpan } from "../../src/endpoint/media_request.ts";
import type { StreamEvent } from "../../src/serve/serve_stream.ts";
import process from "node:process";
import { seededRandom, tempDir } from "../_fixtures.ts";
import { decodeErrors, probe, sample, streamHash } from "../media/mp4/_samples.ts";

const { dir: root, cleanup } = tempDir("sage-media-endpoint-");
after(cleanup);
const MEDIA_TIMEOUT = { timeout: 120_000 };

async function setUp(): Promise<void> {
  copyFileSync(await sample("faststart"), join(root, "film.mp4"));
  copyFileSync(await sample("moovEnd"), join(root, "late.mp4"));
  writeFileSync(join(root, "notes.webm"), "not a movie at all");
}
const ready = setUp();

function get(query: string, headers: Record<string, string> = {}, method = "GET") {
  return new Request(`http://localhost/stream?${query}`, { headers, method });
}

/** Writes a response's body to `name` under the root's parent and returns its path. */
async function saved(res: Response, name: string): Promise<string> {
  const path = join(root, "..", `${name}-${process.pid}.mp4`);
  writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
  return path;
}

/** The four-character types of the top-level boxes of an MP4 file, in order. */
function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.length && types.length < 20;) {
    let size = view.getUint32(at);
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    types.push(new TextDecoder().decode(bytes.subarray(at + 4, at + 8)));
    if (size < 8) break;
    at += size;
  }
  return types;
}

test("parseClipSpan(): seconds only, each once, the end after the start", () => {
  assert.deepEqual(parseClipSpan(new URLSearchParams("start=2.5")), { ok: true, span: { start: 2.5 } });
  assert.deepEqual(parseClipSpan(new URLSearchParams("end=60")), { ok: true, span: { end: 60 } });
  for (
    const bad of [
      "start=abc",
      "start=-1",
      "start=1e3",
      "start=",
      "end=0",
      "start=5&end=5",
      "start=9&end=3",
      "start=1&start=2",
      "start=%2030",
    ]
  ) {
    assert.equal(parseClipSpan(new URLSearchParams(bad)).ok, false, bad);
  }
});

test(
  "a clip by time is a valid MP4 of that span from the key frame before it, served like a file",
  MEDIA_TIMEOUT,
  async () => {
    await ready;
    const events: StreamEvent[] = [];
    const handler = createStreamHandler({ root, onServed: (e) => events.push(e) });
    const res = await handler(get("path=film.mp4&start=4.5&end=8"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "video/mp4");
    const length = Number(res.headers.get("content-length"));
    const etag = res.headers.get("etag");
    const clip = await saved(res, "clip");
    assert.equal(statSync(clip).size, length);
    const probed = await probe(clip);
    const duration = Number(probed.format.duration);
    // from the key frame at or before 4.5 s (one every 2 s) to 8 s: 3.5 to 5.5 s
    assert.ok(duration >= 3.4 && duration <= 5.6, `clip duration ${duration}`);
    assert.deepEqual(probed.streams.map((s) => s.codec_type).sort(), ["audio", "video"]);
    assert.equal(await decodeErrors(clip), "");
    assert.ok(length < statSync(join(root, "film.mp4")).size / 2, "a clip carries only its span");

    const whole = await handler(get("path=film.mp4", {}, "HEAD"));
    assert.notEqual(etag, whole.headers.get("etag"), "a clip's ETag is its own");
    const bytes = readFileSync(clip);
    const ranged = await handler(
      get("path=film.mp4&start=4.5&end=8", { range: "bytes=100-4099", "if-range": etag! }),
    );
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get("content-range"), `bytes 100-4099/${length}`);
    assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), new Uint8Array(bytes.subarray(100, 4100)));
    const head = await handler(get("path=film.mp4&start=4.5&end=8", {}, "HEAD"));
    assert.equal(head.headers.get("content-length"), String(length));
    assert.equal(head.body, null);
    assert.equal(events[0].path, "film.mp4#t=4.5,8", "the watch log names the clip");
    assert.equal(events[0].size, length);
  },
);

test(
  "clip spans the server refuses: 400 for what is no span or no MP4, 416 past the end",
  MEDIA_TIMEOUT,
  async () => {
    await ready;
    const handler = createStreamHandler({ root });
    const cases: [string, number][] = [
      ["path=film.mp4&start=abc", 400],
      ["path=film.mp4&start=9&end=3", 400],
      ["path=film.mp4&end=0", 400],
      ["path=film.mp4&start=500", 416],
      ["path=notes.webm&start=1", 400],
    ];
    for (const [query, status] of cases) {
      const res = await handler(get(query));
      assert.equal(res.status, status, query);
      const text = await res.text();
      assert.ok(text.length > 12, `a reason is given for ${query}: ${text}`);
    }
    const ignored = createStreamHandler({ root, clips: false });
    const whole = await ignored(get("path=film.mp4&start=abc"));
    assert.equal(whole.status, 200, "clips: false ignores start and end");
    await whole.body?.cancel();
  },
);

test(
  "fastStart serves an MP4 whose moov is at the end with its moov first, same frames",
  MEDIA_TIMEOUT,
  async () => {
    await ready;
    const original = join(root, "late.mp4");
    assert.deepEqual(
      topLevelBoxes(readFileSync(original)).slice(-1),
      ["moov"],
      "the sample has its moov last",
    );
    const handler = createStreamHandler({ root, fastStart: true });
    const res = await handler(get("path=late.mp4"));
    assert.equal(res.status, 200);
    const moved = await saved(res, "faststart");
    const boxes = topLevelBoxes(readFileSync(moved));
    assert.ok(boxes.indexOf("moov") < boxes.indexOf("mdat"), `boxes: ${boxes.join(" ")}`);
    assert.equal(await decodeErrors(moved), "");
    assert.equal(await streamHash(moved, "0:v"), await streamHash(original, "0:v"));
    assert.equal(await streamHash(moved, "0:a"), await streamHash(original, "0:a"));
    const plain = await createStreamHandler({ root })(get("path=late.mp4", {}, "HEAD"));
    assert.notEqual(res.headers.get("etag"), plain.headers.get("etag"));
    // a file already fast start is served as it is
    const first = await handler(get("path=film.mp4", {}, "HEAD"));
    const asIs = await createStreamHandler({ root })(get("path=film.mp4", {}, "HEAD"));
    assert.equal(first.headers.get("etag"), asIs.headers.get("etag"));
  },
);

test(
  "the clip's media bytes are the file's own: its mdat is one span of the original",
  MEDIA_TIMEOUT,
  async () => {
    await ready;
    const handler = createStreamHandler({ root });
    const clip = new Uint8Array(await (await handler(get("path=film.mp4&start=2&end=6"))).arrayBuffer());
    const original = readFileSync(join(root, "film.mp4"));
    const view = new DataView(clip.buffer);
    let at = 0;
    while (at + 8 <= clip.length && new TextDecoder().decode(clip.subarray(at + 4, at + 8)) !== "mdat") {
      at += view.getUint32(at);
    }
    assert.ok(at + 8 < clip.length, "the clip has an mdat");
    const headerSize = view.getUint32(at) === 1 ? 16 : 8;
    const media = clip.subarray(at + headerSize);
    const start = original.indexOf(media.subarray(0, 4096));
    assert.ok(start > 0, "the clip's media starts inside the file's mdat");
    assert.ok(original.subarray(start, start + media.length).equals(media), "and goes on as one span of it");
  },
);

test(
  "500 seeded random clip queries are answered 200, 206, 400 or 416, never 5xx",
  MEDIA_TIMEOUT,
  async () => {
    await ready;
    const handler = createStreamHandler({ root });
    const next = seededRandom(2026);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const value = () =>
      pick([
        () => String(Math.floor(next() * 20)),
        () => (next() * 14).toFixed(3),
        () => String(next() * 1e12),
        () =>
          pick([
            "",
            "-1",
            "abc",
            "1e3",
            "NaN",
            "Infinity",
            "0x10",
            " 5",
            "5 ",
            "%00",
            "12.",
            ".5",
            "99999999999",
          ]),
      ])();
    for (let i = 0; i < 500; i++) {
      const params = new URLSearchParams({ path: pick(["film.mp4", "late.mp4", "notes.webm"]) });
      if (next() < 0.8) params.append("start", value());
      if (next() < 0.8) params.append("end", value());
      if (next() < 0.1) params.append("start", value());
      const headers: Record<string, string> = next() < 0.3
        ? { range: `bytes=${Math.floor(next() * 5000)}-` }
        : {};
      const res = await handler(get(params.toString(), headers, next() < 0.2 ? "HEAD" : "GET"));
      assert.ok([200, 206, 400, 416].includes(res.status), `${params} → ${res.status}`);
      await res.body?.cancel();
    }
  },
);

test(
  "clips and fast-start bodies cut short by their clients release their files",
  MEDIA_TIMEOUT,
  async () => {
    await ready;
    const { runtime } = await import("../../src/runtime/mod.ts");
    const { openHandlesTo } = await import("../_fixtures.ts");
    const server = await runtime.listen({
      hostname: "127.0.0.1",
      port: 0,
      handler: createStreamHandler({ root, fastStart: true, stallTimeoutMs: 0 }),
    });
    try {
      const base = `http://127.0.0.1:${server.port}/stream?`;
      const queries = ["path=film.mp4&start=2&end=10", "path=late.mp4", "path=late.mp4&start=1"];
      for (let i = 0; i < 60; i++) {
        const controller = new AbortController();
        const res = await fetch(base + queries[i % queries.length], {
          signal: controller.signal,
          headers: i % 2 ? { range: `bytes=${i * 1000}-` } : {},
        });
        const reader = res.body!.getReader();
        await reader.read(); // some bytes, then the client goes away
        controller.abort();
        await reader.cancel().catch(() => {});
      }
      for (const name of ["film.mp4", "late.mp4"]) {
        const path = join(root, name);
        for (let tries = 0; tries < 60 && openHandlesTo(path) > 0; tries++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(openHandlesTo(path), 0, `handles left to ${name}`);
      }
    } finally {
      await server.close({ force: true });
    }
  },
);
