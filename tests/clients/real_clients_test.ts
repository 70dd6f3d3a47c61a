/// <reference lib="dom" />
// Real clients against a file far larger than the volume cap (a 22 MB MP4 with its index at the
// end, served with maxChunkSize = 1 MiB): downloaders resuming, ffmpeg, GStreamer and Python's
// urllib must get the whole file, because none of them asks again after a short 206; Chromium
// must still be answered in capped pieces and play to the end. Then the answers that Bun's
// server used to rewrite, read byte for byte off the socket on both runtimes.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { createStreamHandler } from "../../src/endpoint/handler.ts";
import { runtime } from "../../src/runtime/mod.ts";
import type { Listener } from "../../src/runtime/types.ts";
import type { StreamEvent } from "../../src/serve/serve_stream.ts";
import { launchBrowser } from "../_browser.ts";
import { eventsSettled, tempDir } from "../_fixtures.ts";
import { runCommand } from "../_process.ts";

const CAP = 1024 * 1024;
const SECONDS = 6;
const FRAMES = SECONDS * 25;
const { dir, cleanup } = tempDir("sage-clients-");
const CLIP = join(dir, "clip.mp4");
const events: StreamEvent[] = [];
const handler = createStreamHandler({ root: dir, maxChunkSize: CAP, onServed: (e) => events.push(e) });

const run = runCommand;

// constant 30 Mb/s, so the media data dwarfs the cap and GStreamer's demuxer seeks to the index
const made = await run("ffmpeg", [
  ..."-v error -y -f lavfi -i testsrc2=size=640x360:rate=25".split(" "),
  "-t",
  String(SECONDS),
  ..."-c:v libx264 -preset ultrafast -pix_fmt yuv420p -b:v 30M -minrate 30M -maxrate 30M -bufsize 2M".split(
    " ",
  ),
  ..."-x264-params nal-hrd=cbr".split(" "),
  CLIP,
]);
assert.equal(made.code, 0, made.stderr);
const original = new Uint8Array(readFileSync(CLIP));
assert.ok(original.byteLength > 16 * CAP, `clip is ${original.byteLength} bytes`);
// the page Chromium opens, with a <video> element, served beside the stream
const PAGE = '<!doctype html><video muted preload="auto" src="/stream?path=clip.mp4"></video>';
const server: Listener = await runtime.listen({
  hostname: "127.0.0.1",
  port: 0,
  handler: (req) =>
    new URL(req.url).pathname === "/page"
      ? new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } })
      : handler(req),
});
const url = `http://127.0.0.1:${server.port}/stream?path=clip.mp4`;

after(async () => {
  await server.close({ force: true });
  cleanup();
});

/** The open-ended ranges the server answered since `from`, as [start, end]. */
function openEndedAnswers(from: number): [number, number][] {
  return events.slice(from)
    .filter((e) => e.status === 206 && /=\s*\d+-\s*$/.test(e.request.headers.get("range") ?? ""))
    .map((e) => [e.ranges[0].start, e.ranges[0].end]);
}

function sameBytes(path: string): void {
  const got = new Uint8Array(readFileSync(path));
  assert.equal(got.byteLength, original.byteLength, "length");
  assert.ok(Buffer.compare(got, original) === 0, "bytes differ");
}

test("wget -c resumes a download past the cap to the whole file", { timeout: 60_000 }, async () => {
  const out = join(dir, "wget.part");
  writeFileSync(out, original.subarray(0, 3 * CAP));
  const from = events.length;
  const got = await run("wget", ["-q", "-c", "-O", out, url]);
  assert.equal(got.code, 0, got.stderr);
  sameBytes(out);
  await eventsSettled(events, from);
  assert.deepEqual(openEndedAnswers(from), [[3 * CAP, original.byteLength - 1]]);
});

test("curl -C - resumes a download past the cap to the whole file", { timeout: 60_000 }, async () => {
  const out = join(dir, "curl.part");
  writeFileSync(out, original.subarray(0, 3 * CAP));
  const got = await run("curl", ["-sS", "-C", "-", "-o", out, url]);
  assert.equal(got.code, 0, got.stderr);
  sameBytes(out);
});

test("ffmpeg reads every frame over HTTP, not the first cap's worth", { timeout: 60_000 }, async () => {
  const got = await run("ffmpeg", [
    "-v",
    "error",
    "-i",
    url,
    "-map",
    "0:v",
    "-c",
    "copy",
    "-f",
    "framemd5",
    "-",
  ]);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stderr.trim(), "", "ffmpeg reported an error");
  const frames = got.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  assert.equal(frames.length, FRAMES);
});

test("GStreamer souphttpsrc + qtdemux seeks to the index and back and demuxes every frame", {
  timeout: 60_000,
}, async () => {
  const from = events.length;
  const got = await run("gst-launch-1.0", [
    "souphttpsrc",
    `location=${url}`,
    "!",
    "qtdemux",
    "!",
    "fakesink",
    "silent=false",
    "-v",
  ]);
  assert.equal(got.code, 0, got.stderr);
  const buffers = got.stdout.split("\n").filter((line) => line.includes("last-message = chain"));
  assert.equal(buffers.length, FRAMES, got.stdout.slice(-2000));
  // it really seeked: open-ended ranges, each answered to the end of the file
  await eventsSettled(events, from);
  const answers = openEndedAnswers(from);
  assert.ok(answers.length >= 2, JSON.stringify(answers));
  for (const [, end] of answers) assert.equal(end, original.byteLength - 1);
});

test("Python's urllib gets the whole open-ended range in one read()", { timeout: 60_000 }, async () => {
  const script = [
    "import sys, urllib.request",
    "req = urllib.request.Request(sys.argv[1], headers={'Range': 'bytes=10485760-'})",
    "res = urllib.request.urlopen(req)",
    "body = res.read()",
    "sys.stdout.write('%d %d %s' % (res.status, len(body), res.headers['Content-Range']))",
    "open(sys.argv[2], 'wb').write(body)",
  ].join("\n");
  const out = join(dir, "python.part");
  const got = await run("python3", ["-c", script, url, out]);
  assert.equal(got.code, 0, got.stderr);
  const size = original.byteLength;
  assert.equal(got.stdout, `206 ${size - 10485760} bytes 10485760-${size - 1}/${size}`);
  assert.ok(Buffer.compare(new Uint8Array(readFileSync(out)), original.subarray(10485760)) === 0);
});

test('maxChunkSizeFor "all" is the original behaviour: the same urllib read comes back short', {
  timeout: 60_000,
}, async () => {
  const capped = createStreamHandler({ root: dir, maxChunkSize: CAP, maxChunkSizeFor: "all" });
  const res = await capped(new Request(url, { headers: { range: "bytes=10485760-" } }));
  assert.equal(res.headers.get("content-length"), String(CAP));
  await res.body?.cancel();
});

test("Chromium gets capped pieces for its <video>, asks again, and plays past the first cap to the end", {
  timeout: 60_000,
}, async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const from = events.length;
    await page.goto(`http://127.0.0.1:${server.port}/page`);
    await page.waitForFunction(() => document.querySelector("video")!.readyState >= 1, undefined, {
      timeout: 20_000,
    });
    const target = SECONDS - 1.5;
    await page.evaluate((t) => {
      const v = document.querySelector("video")!;
      v.currentTime = t;
      return v.play();
    }, target);
    await page.waitForFunction(() => document.querySelector("video")!.ended, undefined, { timeout: 20_000 });
    const error = await page.evaluate(() => document.querySelector("video")!.error?.code ?? null);
    assert.equal(error, null);

    await eventsSettled(events, from);
    const served = events.slice(from);
    const shown = JSON.stringify(
      served.map((e) => [e.request.headers.get("range"), e.status, e.bytesPlanned]),
    );
    assert.ok(served.every((e) => e.request.headers.get("sec-fetch-dest") === "video"), shown);
    // ranges, or a 304 when it revalidates what its media cache holds (If-None-Match)
    assert.ok(served.every((e) => e.status === 206 || e.status === 304), shown);
    // its open-ended ranges were capped (closed ones are honoured exactly, as for everyone) …
    const open = served.filter((e) => /^bytes=\d+-$/.test(e.request.headers.get("range") ?? ""));
    assert.ok(open.length > 0, shown);
    assert.ok(open.every((e) => e.bytesPlanned <= CAP), shown);
    assert.ok(open.some((e) => e.bytesPlanned === CAP), shown);
    // … and it asked again for what lies past the first capped answer
    assert.ok(served.some((e) => e.ranges[0].start >= CAP), shown);
  } finally {
    await browser.close();
  }
});

/** Sends `head` (a request without its final blank line) and returns the raw response head and body length. */
function rawRequest(head: string): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      resolve({ head: all.subarray(0, split).toString("latin1"), body: all.subarray(split + 4) });
    });
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

function headerValues(head: string, name: string): string[] {
  return head.split("\r\n").slice(1)
    .filter((line) => line.toLowerCase().startsWith(`${name}:`))
    .map((line) => line.slice(name.length + 1).trim());
}

const path = "/stream?path=clip.mp4";

// Bun's server drops a stream body's Content-Length: bodies read through JavaScript keep it up
// to 1 MiB (one buffer) and are sent chunked beyond, rather than held in memory
const keepsLength = (size: number) => runtime.files.streamsKeepLength !== false || size <= CAP;

for (const [name, size] of [["small.mp4", 300_000], ["clip.mp4", 0]] as const) {
  test(
    `a Range header that serveStream ignores gets a 200 of all of ${name} on the wire, headers sent once`,
    { timeout: 60_000 },
    async () => {
      if (size > 0) writeFileSync(join(dir, name), original.subarray(0, size));
      const bytes = size > 0 ? original.subarray(0, size) : original;
      // invalid syntax (spaces around "="), a stale If-Range, more ranges than maxRanges
      const cases = [
        "Range: bytes = 0-1",
        'Range: bytes=0-1\r\nIf-Range: "stale"',
        `Range: ${"bytes=" + Array.from({ length: 40 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",")}`,
      ];
      for (const extra of cases) {
        const { head, body } = await rawRequest(`GET /stream?path=${name} HTTP/1.1\r\n${extra}`);
        assert.match(head, /^HTTP\/1\.1 200 /, extra);
        assert.deepEqual(headerValues(head, "accept-ranges"), ["bytes"], extra);
        assert.deepEqual(headerValues(head, "content-range"), [], extra);
        if (keepsLength(bytes.byteLength)) {
          assert.deepEqual(headerValues(head, "transfer-encoding"), [], extra);
          assert.deepEqual(headerValues(head, "content-length"), [String(bytes.byteLength)], extra);
          assert.ok(Buffer.compare(body, Buffer.from(bytes)) === 0, extra);
        } else {
          assert.deepEqual(headerValues(head, "transfer-encoding"), ["chunked"], extra);
          assert.ok(Buffer.compare(dechunk(body), Buffer.from(bytes)) === 0, extra);
        }
      }
    },
  );
}

/** Decodes a chunked transfer-coded body. */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    const length = parseInt(body.subarray(at, eol).toString("latin1"), 16);
    if (!(length > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + length));
    at = eol + 2 + length + 2;
  }
}

test("a multipart/byteranges answer keeps its Content-Length on the wire", { timeout: 60_000 }, async () => {
  const { head, body } = await rawRequest(`GET ${path} HTTP/1.1\r\nRange: bytes=0-99,1000-1999,-50`);
  assert.match(head, /^HTTP\/1\.1 206 /);
  assert.match(headerValues(head, "content-type")[0], /^multipart\/byteranges; boundary=/);
  assert.deepEqual(headerValues(head, "transfer-encoding"), []);
  assert.deepEqual(headerValues(head, "content-length"), [String(body.byteLength)]);
  const text = body.toString("latin1");
  assert.equal(text.match(/Content-Range: bytes /g)?.length, 3);
  assert.ok(text.includes(`Content-Range: bytes ${original.byteLength - 50}-${original.byteLength - 1}/`));
});

test("HEAD with an ignored Range header matches GET's status and length", { timeout: 60_000 }, async () => {
  const { head, body } = await rawRequest(`HEAD ${path} HTTP/1.1\r\nRange: bytes = 0-1`);
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.deepEqual(headerValues(head, "content-length"), [String(original.byteLength)]);
  assert.equal(body.byteLength, 0);
});
