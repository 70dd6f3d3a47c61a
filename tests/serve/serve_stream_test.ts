import { after, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, utimesSync, writeSync } from "node:fs";
import { join } from "node:path";
import { serveStream, type ServeStreamOptions, type StreamEvent } from "../../src/serve/serve_stream.ts";
import { runtime } from "../../src/runtime/mod.ts";
import type { FileSource } from "../../src/runtime/types.ts";
import { bodyBytes, patternBytes, tempDir, writeFixture } from "../_fixtures.ts";

const { dir, cleanup } = tempDir();
after(cleanup);

const SIZE = 100_000;
const DATA = patternBytes(SIZE);
const MOVIE = writeFixture(dir, "movie.mp4", DATA);
const EMPTY = writeFixture(dir, "empty.webm", new Uint8Array(0));
mkdirSync(join(dir, "folder.mp4"));
const MTIME = new Date("2024-05-01T10:20:30Z");
utimesSync(MOVIE, MTIME, MTIME);

function request(headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request("http://localhost/movie.mp4", { method, headers });
}

function serve(
  headers: Record<string, string> = {},
  options: Partial<ServeStreamOptions> = {},
  method = "GET",
): Promise<Response> {
  return serveStream(request(headers, method), { path: MOVIE, ...options });
}

async function expectBody(res: Response, start: number, end: number): Promise<void> {
  const body = await bodyBytes(res);
  assert.equal(body.byteLength, end - start + 1);
  assert.deepEqual(body, DATA.subarray(start, end + 1));
}

test("serveStream() answers a plain GET with 200 and the whole file", async () => {
  const res = await serve();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), String(SIZE));
  assert.equal(res.headers.get("content-type"), "video/mp4");
  assert.equal(res.headers.get("accept-ranges"), "bytes");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("last-modified"), MTIME.toUTCString());
  assert.match(res.headers.get("etag") ?? "", /^"[^"]+"$/);
  assert.equal(res.headers.get("content-range"), null);
  await expectBody(res, 0, SIZE - 1);
});

test("serveStream() answers bytes=0-1 with exactly 2 bytes", async () => {
  const res = await serve({ range: "bytes=0-1" });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes 0-1/${SIZE}`);
  assert.equal(res.headers.get("content-length"), "2");
  assert.equal(res.headers.get("accept-ranges"), "bytes");
  await expectBody(res, 0, 1);
});

test("serveStream() serves the first byte, the last byte and a middle span exactly", async () => {
  for (
    const [header, start, end] of [
      ["bytes=0-0", 0, 0],
      [`bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1],
      ["bytes=4321-54321", 4321, 54321],
    ] as const
  ) {
    const res = await serve({ range: header });
    assert.equal(res.status, 206, header);
    assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${SIZE}`);
    assert.equal(res.headers.get("content-length"), String(end - start + 1));
    await expectBody(res, start, end);
  }
});

test("serveStream() serves an open-ended range to the end of the file", async () => {
  const res = await serve({ range: "bytes=99000-" });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes 99000-${SIZE - 1}/${SIZE}`);
  await expectBody(res, 99000, SIZE - 1);
});

test("serveStream() serves a suffix range as the last N bytes", async () => {
  const res = await serve({ range: "bytes=-500" });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes ${SIZE - 500}-${SIZE - 1}/${SIZE}`);
  await expectBody(res, SIZE - 500, SIZE - 1);
});

test("serveStream() clamps a range end past EOF", async () => {
  const res = await serve({ range: `bytes=${SIZE - 10}-${SIZE * 10}` });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
  await expectBody(res, SIZE - 10, SIZE - 1);
});

test("serveStream() answers an unsatisfiable range with 416 and bytes */SIZE", async () => {
  for (const header of [`bytes=${SIZE}-`, `bytes=${SIZE + 5}-${SIZE + 10}`, "bytes=-0"]) {
    const res = await serve({ range: header });
    assert.equal(res.status, 416, header);
    assert.equal(res.headers.get("content-range"), `bytes */${SIZE}`);
    await res.body?.cancel();
  }
});

test("serveStream() ignores invalid Range syntax and unknown units with a 200", async () => {
  for (const header of ["bytes=5-1", "bytes=abc", "items=0-1", "bytes", "bytes=1-2-3"]) {
    const res = await serve({ range: header });
    assert.equal(res.status, 200, header);
    assert.equal(res.headers.get("content-range"), null);
    await expectBody(res, 0, SIZE - 1);
  }
});

test("serveStream() ignores Range on an empty file", async () => {
  const res = await serveStream(request({ range: "bytes=0-1" }), { path: EMPTY });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), "0");
  assert.equal(res.headers.get("content-type"), "video/webm");
  assert.equal((await bodyBytes(res)).byteLength, 0);
});

// what Chromium, Firefox and Safari send for the requests of a <video> element
const VIDEO_ELEMENT = { "sec-fetch-dest": "video" };

test("serveStream() caps a media element's open-ended ranges at maxChunkSize but honours closed ranges", async () => {
  const capped = await serve({ range: "bytes=1000-", ...VIDEO_ELEMENT }, { maxChunkSize: 4096 });
  assert.equal(capped.status, 206);
  assert.equal(capped.headers.get("content-range"), `bytes 1000-5095/${SIZE}`);
  await expectBody(capped, 1000, 5095);

  const closed = await serve({ range: "bytes=1000-50999", ...VIDEO_ELEMENT }, { maxChunkSize: 4096 });
  assert.equal(closed.headers.get("content-range"), `bytes 1000-50999/${SIZE}`);
  await expectBody(closed, 1000, 50999);

  const suffix = await serve({ range: "bytes=-20000", ...VIDEO_ELEMENT }, { maxChunkSize: 4096 });
  assert.equal(suffix.headers.get("content-range"), `bytes ${SIZE - 20000}-${SIZE - 1}/${SIZE}`);
  await expectBody(suffix, SIZE - 20000, SIZE - 1);

  const whole = await serve(VIDEO_ELEMENT, { maxChunkSize: 4096 });
  assert.equal(whole.status, 200);
  await expectBody(whole, 0, SIZE - 1);
});

test("serveStream() caps audio and track element requests too, whatever the header's case", async () => {
  for (const dest of ["audio", "track", "VIDEO"]) {
    const res = await serve({ range: "bytes=0-", "sec-fetch-dest": dest }, { maxChunkSize: 4096 });
    assert.equal(res.headers.get("content-range"), `bytes 0-4095/${SIZE}`, dest);
    await expectBody(res, 0, 4095);
  }
});

test("serveStream() never shortens an open-ended range for clients that would not ask again", async () => {
  // wget -c, curl -C -, ffmpeg, GStreamer and HTTP libraries send no Sec-Fetch-Dest; fetch()
  // and a page's own scripts send "empty", downloads "document"
  const cases: Record<string, string>[] = [{}, { "sec-fetch-dest": "empty" }, {
    "sec-fetch-dest": "document",
  }];
  for (const extra of cases) {
    const res = await serve({ range: "bytes=1000-", ...extra }, { maxChunkSize: 4096 });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("content-range"), `bytes 1000-${SIZE - 1}/${SIZE}`, JSON.stringify(extra));
    assert.equal(res.headers.get("content-length"), String(SIZE - 1000));
    await expectBody(res, 1000, SIZE - 1);
  }
});

test('serveStream() caps every open-ended range with maxChunkSizeFor "all"', async () => {
  const res = await serve({ range: "bytes=1000-" }, { maxChunkSize: 4096, maxChunkSizeFor: "all" });
  assert.equal(res.headers.get("content-range"), `bytes 1000-5095/${SIZE}`);
  await expectBody(res, 1000, 5095);
  await assert.rejects(
    () => serve({}, { maxChunkSizeFor: "browsers" as ServeStreamOptions["maxChunkSizeFor"] }),
    /"maxChunkSizeFor" must be "media-elements" or "all", got "browsers"/,
  );
});

test("serveStream() disables the cap with maxChunkSize 0 or Infinity", async () => {
  for (const maxChunkSize of [0, Infinity]) {
    const res = await serve({ range: "bytes=0-", ...VIDEO_ELEMENT }, { maxChunkSize });
    assert.equal(res.headers.get("content-range"), `bytes 0-${SIZE - 1}/${SIZE}`);
    await expectBody(res, 0, SIZE - 1);
  }
});

test("serveStream() caps a media element's open-ended ranges at 8 MiB by default", async () => {
  const big = writeFixture(dir, "big.mp4", patternBytes(9 * 1024 * 1024, 3));
  const res = await serveStream(request({ range: "bytes=0-", ...VIDEO_ELEMENT }), { path: big });
  assert.equal(res.headers.get("content-range"), `bytes 0-${8 * 1024 * 1024 - 1}/${9 * 1024 * 1024}`);
  assert.equal((await bodyBytes(res)).byteLength, 8 * 1024 * 1024);
  const download = await serveStream(request({ range: "bytes=0-" }), { path: big });
  assert.equal(download.headers.get("content-range"), `bytes 0-${9 * 1024 * 1024 - 1}/${9 * 1024 * 1024}`);
  assert.equal((await bodyBytes(download)).byteLength, 9 * 1024 * 1024);
});

/** Splits a multipart/byteranges body into parts with their headers. */
function parseMultipart(body: Uint8Array, contentType: string) {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  assert.ok(boundary, "boundary present");
  const text = new TextDecoder("latin1").decode(body);
  assert.ok(text.startsWith(`--${boundary}\r\n`), "starts with the first delimiter");
  assert.ok(text.endsWith(`\r\n--${boundary}--\r\n`), "ends with the close delimiter");
  const parts = [];
  let at = 0;
  const delimiter = `--${boundary}\r\n`;
  while (true) {
    const start = text.indexOf(delimiter, at);
    if (start < 0) break;
    const headEnd = text.indexOf("\r\n\r\n", start);
    const head = text.slice(start + delimiter.length, headEnd);
    const range = /Content-Range: bytes (\d+)-(\d+)\/(\d+)/.exec(head);
    assert.ok(range, head);
    const first = Number(range[1]), last = Number(range[2]);
    const dataStart = headEnd + 4;
    parts.push({
      head,
      first,
      last,
      total: Number(range[3]),
      data: body.subarray(dataStart, dataStart + last - first + 1),
    });
    at = dataStart + last - first + 1;
    assert.equal(text.slice(at, at + 2), "\r\n");
  }
  return parts;
}

test("serveStream() answers several ranges with multipart/byteranges", async () => {
  const res = await serve({ range: "bytes=0-9, 500-599, -10" });
  assert.equal(res.status, 206);
  const type = res.headers.get("content-type") ?? "";
  assert.match(type, /^multipart\/byteranges; boundary=\S+$/);
  const body = await bodyBytes(res);
  assert.equal(res.headers.get("content-length"), String(body.byteLength));
  const parts = parseMultipart(body, type);
  assert.deepEqual(parts.map((p) => [p.first, p.last, p.total]), [[0, 9, SIZE], [500, 599, SIZE], [
    SIZE - 10,
    SIZE - 1,
    SIZE,
  ]]);
  for (const part of parts) {
    assert.match(part.head, /^Content-Type: video\/mp4\r\n/);
    assert.deepEqual(part.data, DATA.subarray(part.first, part.last + 1));
  }
});

test("serveStream() coalesces overlapping and adjacent ranges", async () => {
  const single = await serve({ range: "bytes=0-99,100-199,50-150" });
  assert.equal(single.status, 206);
  assert.equal(single.headers.get("content-range"), `bytes 0-199/${SIZE}`);
  await expectBody(single, 0, 199);

  const two = await serve({ range: "bytes=900-999,0-9,5-20" });
  const parts = parseMultipart(await bodyBytes(two), two.headers.get("content-type") ?? "");
  assert.deepEqual(parts.map((p) => [p.first, p.last]), [[0, 20], [900, 999]]);
});

test("serveStream() ignores abusive multi-range headers with a 200", async () => {
  const many = "bytes=" + Array.from({ length: 100 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",");
  const tooMany = await serve({ range: many });
  assert.equal(tooMany.status, 200);
  await expectBody(tooMany, 0, SIZE - 1);

  const overlapping = await serve({ range: `bytes=0-${SIZE - 1},0-${SIZE - 1},0-${SIZE - 1}` });
  assert.equal(overlapping.status, 200);
  await expectBody(overlapping, 0, SIZE - 1);

  const allowed = await serve({ range: many }, { maxRanges: 100 });
  assert.equal(allowed.status, 206);
  assert.equal(
    parseMultipart(await bodyBytes(allowed), allowed.headers.get("content-type") ?? "").length,
    100,
  );
});

test("serveStream() answers HEAD with exactly the status and headers of GET and no body", async () => {
  const cases: Record<string, string>[] = [
    {},
    { range: "bytes=0-1" },
    { range: "bytes=10-" },
    { range: `bytes=${SIZE}-` },
    { range: "bytes=0-0,10-10" },
    { "if-none-match": "*" },
    { "if-match": '"nope"' },
  ];
  for (const headers of cases) {
    const get = await serve(headers);
    const head = await serve(headers, {}, "HEAD");
    assert.equal(head.status, get.status, JSON.stringify(headers));
    // the multipart boundary is random per response, and the two may straddle a second
    const strip = (h: Headers) =>
      [...h].filter(([k, v]) => k !== "date" && !(k === "content-type" && v.startsWith("multipart/")));
    assert.deepEqual(strip(head.headers), strip(get.headers), JSON.stringify(headers));
    assert.ok(head.headers.has("date"));
    assert.equal(
      head.headers.get("content-type")?.startsWith("multipart/byteranges; boundary="),
      get.headers.get("content-type")?.startsWith("multipart/byteranges; boundary="),
    );
    assert.equal(head.body, null);
    await get.body?.cancel();
  }
});

test("serveStream() answers other methods with 405 and Allow: GET, HEAD", async () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const res = await serve({}, {}, method);
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
    assert.match(await res.text(), /Method Not Allowed/);
  }
});

test("serveStream() answers 404 for a missing file and for a directory", async () => {
  for (
    const path of [join(dir, "missing.mp4"), join(dir, "folder.mp4"), join(dir, "movie.mp4", "inside.mp4")]
  ) {
    const res = await serveStream(request(), { path });
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await res.text(), "Not Found");
  }
});

test("serveStream() answers 304 to a matching If-None-Match, keeping validators", async () => {
  const first = await serve();
  const etag = first.headers.get("etag") ?? "";
  await first.body?.cancel();
  const res = await serve({ "if-none-match": etag }, { cacheControl: "public, max-age=60" });
  assert.equal(res.status, 304);
  assert.equal(res.headers.get("etag"), etag);
  assert.equal(res.headers.get("last-modified"), MTIME.toUTCString());
  assert.equal(res.headers.get("cache-control"), "public, max-age=60");
  assert.equal(res.body, null);
});

test("serveStream() answers 304 to If-Modified-Since at or after Last-Modified", async () => {
  const res = await serve({ "if-modified-since": MTIME.toUTCString() });
  assert.equal(res.status, 304);
  const older = await serve({ "if-modified-since": new Date(MTIME.getTime() - 1000).toUTCString() });
  assert.equal(older.status, 200);
  await older.body?.cancel();
});

test("serveStream() answers 412 to a failed If-Match or If-Unmodified-Since", async () => {
  const mismatch = await serve({ "if-match": '"other"' });
  assert.equal(mismatch.status, 412);
  assert.equal(await mismatch.text(), "Precondition Failed");
  const old = await serve({ "if-unmodified-since": new Date(MTIME.getTime() - 1000).toUTCString() });
  assert.equal(old.status, 412);
  await old.body?.cancel();
  const ok = await serve({ "if-match": "*", range: "bytes=0-1" });
  assert.equal(ok.status, 206);
  await expectBody(ok, 0, 1);
});

test("serveStream() honours If-Range with the current ETag or date, else sends 200", async () => {
  const first = await serve();
  const etag = first.headers.get("etag") ?? "";
  await first.body?.cancel();
  const byTag = await serve({ range: "bytes=5-9", "if-range": etag });
  assert.equal(byTag.status, 206);
  await expectBody(byTag, 5, 9);
  const byDate = await serve({ range: "bytes=5-9", "if-range": MTIME.toUTCString() });
  assert.equal(byDate.status, 206);
  await expectBody(byDate, 5, 9);
  const stale = await serve({ range: "bytes=5-9", "if-range": '"stale"' });
  assert.equal(stale.status, 200);
  await expectBody(stale, 0, SIZE - 1);
  const staleDate = await serve({ range: "bytes=5-9", "if-range": new Date(0).toUTCString() });
  assert.equal(staleDate.status, 200);
  await expectBody(staleDate, 0, SIZE - 1);
});

test("serveStream() changes its ETag when the file changes", async () => {
  const path = writeFixture(dir, "changing.mp4", patternBytes(1000));
  const before = await serveStream(request(), { path });
  const etag = before.headers.get("etag");
  await before.body?.cancel();
  writeFixture(dir, "changing.mp4", patternBytes(1001));
  const after = await serveStream(request({ "if-none-match": etag ?? "" }), { path });
  assert.equal(after.status, 200);
  assert.notEqual(after.headers.get("etag"), etag);
  assert.equal((await bodyBytes(after)).byteLength, 1001);
});

test("serveStream() sends content types for streaming formats", async () => {
  const types: Record<string, string> = {
    "a.ts": "video/mp2t",
    "a.m3u8": "application/vnd.apple.mpegurl",
    "a.mpd": "application/dash+xml",
    "a.mkv": "video/x-matroska",
    "a.MP3": "audio/mpeg",
    "a.vtt": "text/vtt; charset=utf-8",
    "a.bin": "application/octet-stream",
  };
  for (const [name, type] of Object.entries(types)) {
    const path = writeFixture(dir, name, new Uint8Array(3));
    const res = await serveStream(request(), { path });
    assert.equal(res.headers.get("content-type"), type, name);
    await res.body?.cancel();
  }
  const custom = await serve({}, { contentType: "video/custom" });
  assert.equal(custom.headers.get("content-type"), "video/custom");
  await custom.body?.cancel();
});

test("serveStream() adds CORS headers and answers preflights when cors is set", async () => {
  const any = await serve({ origin: "https://a.example" }, { cors: "*" });
  assert.equal(any.headers.get("access-control-allow-origin"), "*");
  assert.match(
    any.headers.get("access-control-expose-headers") ?? "",
    /Content-Range.*Accept-Ranges.*Content-Length.*ETag/,
  );
  await any.body?.cancel();

  const listed = await serve({ origin: "https://b.example" }, {
    cors: ["https://a.example", "https://b.example"],
  });
  assert.equal(listed.headers.get("access-control-allow-origin"), "https://b.example");
  assert.equal(listed.headers.get("vary"), "Origin");
  await listed.body?.cancel();

  const unlisted = await serve({ origin: "https://evil.example" }, { cors: ["https://a.example"] });
  assert.equal(unlisted.headers.get("access-control-allow-origin"), null);
  // the answer depends on Origin, so a cache must not give this one to a listed origin
  assert.equal(unlisted.headers.get("vary"), "Origin");
  await unlisted.body?.cancel();

  const preflight = await serve({ origin: "https://a.example", "access-control-request-headers": "range" }, {
    cors: "*",
  }, "OPTIONS");
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-headers"), "range");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /GET/);

  const none = await serve({ origin: "https://a.example" });
  assert.equal(none.headers.get("access-control-allow-origin"), null);
  await none.body?.cancel();
});

test("serveStream() sends Content-Disposition, Cache-Control and extra headers", async () => {
  const res = await serve({ range: "bytes=0-1" }, {
    downloadName: 'clip "best" é.mp4',
    cacheControl: "private, max-age=10",
    headers: { "x-extra": "yes" },
  });
  assert.equal(
    res.headers.get("content-disposition"),
    `attachment; filename="clip _best_ _.mp4"; filename*=UTF-8''clip%20%22best%22%20%C3%A9.mp4`,
  );
  assert.equal(res.headers.get("cache-control"), "private, max-age=10");
  assert.equal(res.headers.get("x-extra"), "yes");
  await expectBody(res, 0, 1);
  const missing = await serveStream(request(), {
    path: join(dir, "nope.mp4"),
    headers: { "x-extra": "yes" },
  });
  assert.equal(missing.headers.get("x-extra"), "yes");
  await missing.body?.cancel();
});

test("serveStream() throws TypeError and RangeError for caller mistakes", async () => {
  await assert.rejects(() => serveStream(request(), { path: "" }), TypeError);
  await assert.rejects(() => serveStream(request(), {} as ServeStreamOptions), {
    name: "TypeError",
    message: 'Cannot serve stream: "path" must be a non-empty string',
  });
  await assert.rejects(() => serve({}, { maxChunkSize: -1 }), RangeError);
  await assert.rejects(() => serve({}, { maxChunkSize: NaN }), RangeError);
  await assert.rejects(() => serve({}, { stallTimeoutMs: -1 }), /"stallTimeoutMs" must be a number >= 0/);
  await assert.rejects(() => serve({}, { maxRanges: 0 }), RangeError);
});

test("serveStream() answers 404 when verifyFile() refuses the opened file", async () => {
  let seen: number | null = null;
  const res = await serve({}, { verifyFile: (stat) => (seen = stat.size, false) });
  assert.equal(res.status, 404);
  assert.equal(seen, SIZE);
  await res.body?.cancel();
});

test("serveStream() still takes the deprecated accept(), and prefers verifyFile()", async () => {
  const refused = await serve({}, { accept: () => false });
  assert.equal(refused.status, 404);
  await refused.body?.cancel();
  const accepted = await serve({ range: "bytes=0-1" }, { accept: () => false, verifyFile: () => true });
  assert.equal(accepted.status, 206);
  await expectBody(accepted, 0, 1);
});

/** A fake file source that counts opens and closes, with bodies that own the file as real ones do. */
function countingSource(size: number) {
  const counts = { opens: 0, closes: 0 };
  const source: FileSource = {
    open: () => {
      counts.opens++;
      let closed = false;
      const close = () => {
        if (!closed) counts.closes++;
        closed = true;
      };
      return Promise.resolve({
        stat: { size, mtime: new Date(0), isFile: true, dev: 1, ino: 2 },
        body: (range) =>
          new ReadableStream({
            start(controller) {
              controller.enqueue(DATA.slice(range.start, range.end + 1));
              controller.close();
              close();
            },
          }),
        async *read(ranges) {
          for (const range of ranges) yield DATA.slice(range.start, range.end + 1);
        },
        close,
      });
    },
  };
  return { source, counts };
}

test("serveStream() opens the file once and closes it once on every exit", async () => {
  const cases: [string, Record<string, string>, string, Partial<ServeStreamOptions>][] = [
    ["200", {}, "GET", {}],
    ["206", { range: "bytes=0-1" }, "GET", {}],
    ["multipart", { range: "bytes=0-1,10-11" }, "GET", {}],
    ["HEAD", { range: "bytes=0-1" }, "HEAD", {}],
    ["304", { "if-none-match": "*" }, "GET", {}],
    ["412", { "if-match": '"nope"' }, "GET", {}],
    ["416", { range: `bytes=${SIZE}-` }, "GET", {}],
    ["refused", {}, "GET", { verifyFile: () => false }],
  ];
  for (const [name, headers, method, options] of cases) {
    const { source, counts } = countingSource(SIZE);
    const res = await serveStream(request(headers, method), { path: "x.mp4", source, ...options });
    await res.arrayBuffer();
    assert.deepEqual(counts, { opens: 1, closes: 1 }, name);
  }
});

test("serveStream() closes the file when verifyFile() throws, and rethrows", async () => {
  const { source, counts } = countingSource(SIZE);
  await assert.rejects(
    () =>
      serveStream(request(), {
        path: "x.mp4",
        source,
        verifyFile: () => {
          throw new Error("verification failed");
        },
      }),
    /verification failed/,
  );
  assert.deepEqual(counts, { opens: 1, closes: 1 });
});

test("serveStream() closes the file of a multipart body cancelled before it is read", async () => {
  const { source, counts } = countingSource(SIZE);
  const res = await serveStream(request({ range: "bytes=0-1,10-11" }), { path: "x.mp4", source });
  assert.equal(res.status, 206);
  await res.body?.cancel();
  assert.deepEqual(counts, { opens: 1, closes: 1 });
});

test("serveStream() answers method exits without opening the file", async () => {
  const { source, counts } = countingSource(SIZE);
  const post = await serveStream(request({}, "POST"), { path: "x.mp4", source });
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const preflight = await serveStream(request({ origin: "https://a.example" }, "OPTIONS"), {
    path: "x.mp4",
    source,
    cors: "*",
  });
  assert.equal(preflight.status, 204);
  assert.deepEqual(counts, { opens: 0, closes: 0 });
});

test("serveStream() sets Date on bodiless responses only, once", async () => {
  const head = await serve({}, {}, "HEAD");
  assert.match(head.headers.get("date") ?? "", /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  const notModified = await serve({ "if-none-match": "*" });
  assert.equal(notModified.status, 304);
  assert.ok(notModified.headers.has("date"));
  // the runtimes stamp Date on responses with a body themselves
  const get = await serve({ range: "bytes=0-1" });
  assert.equal(get.headers.get("date"), null);
  await expectBody(get, 0, 1);
});

test("serveStream() serves bytes past 4 GiB of a sparse file", async () => {
  const path = join(dir, "huge.mkv");
  const size = 5 * 2 ** 30;
  const offset = 2 ** 32 + 12345; // past 2^32
  const marker = new TextEncoder().encode("sage-stream-marker");
  const fd = openSync(path, "w");
  writeSync(fd, marker, 0, marker.length, offset);
  writeSync(fd, new Uint8Array([0x42]), 0, 1, size - 1);
  closeSync(fd);

  const res = await serveStream(request({ range: `bytes=${offset}-${offset + marker.length - 1}` }), {
    path,
  });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes ${offset}-${offset + marker.length - 1}/${size}`);
  assert.deepEqual(await bodyBytes(res), marker);

  const last = await serveStream(request({ range: "bytes=-1" }), { path });
  assert.equal(last.headers.get("content-range"), `bytes ${size - 1}-${size - 1}/${size}`);
  assert.deepEqual(await bodyBytes(last), new Uint8Array([0x42]));

  const head = await serveStream(request({}, "HEAD"), { path });
  assert.equal(head.headers.get("content-length"), String(size));

  const capped = await serveStream(request({ range: `bytes=${offset}-`, ...VIDEO_ELEMENT }), { path });
  assert.equal(capped.headers.get("content-range"), `bytes ${offset}-${offset + 8 * 2 ** 20 - 1}/${size}`);
  const reader = capped.body!.getReader();
  const first = await reader.read();
  assert.deepEqual(first.value?.subarray(0, marker.length), marker);
  await reader.cancel();
});

test("serveStream() reports each response to onServed once, with delivered bytes", async () => {
  const events: StreamEvent[] = [];
  const onServed = (e: StreamEvent) => events.push(e);
  const res = await serve({ range: "bytes=10-19", "user-agent": "test" }, {
    onServed,
    clientAddress: "127.0.0.9",
  });
  await expectBody(res, 10, 19);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event.status, 206);
  assert.equal(event.path, MOVIE);
  assert.equal(event.size, SIZE);
  assert.deepEqual(event.ranges, [{ start: 10, end: 19 }]);
  assert.equal(event.bytesPlanned, 10);
  assert.equal(event.bytesDelivered, 10); // a short body fits the socket's buffer: reported at once
  assert.equal(event.aborted, false);
  assert.equal(event.clientAddress, "127.0.0.9");
  assert.ok(event.durationMs >= 0);

  const missing = await serveStream(request(), { path: join(dir, "gone.mp4"), onServed });
  await missing.body?.cancel();
  assert.equal(events.length, 2);
  assert.equal(events[1].status, 404);
  assert.equal(events[1].size, null);

  const multi = await serve({ range: "bytes=0-0,9-9" }, { onServed });
  const length = Number(multi.headers.get("content-length"));
  await multi.arrayBuffer();
  assert.equal(events.length, 3);
  assert.equal(events[2].bytesDelivered, length);
  assert.deepEqual(events[2].ranges, [{ start: 0, end: 0 }, { start: 9, end: 9 }]);
});

if (runtime.capabilities.countsDeliveredBytes) {
  test("serveStream() reports a cancelled body as aborted with the bytes sent so far", async () => {
    const events: StreamEvent[] = [];
    // larger than any adapter's chunk, so the body is several chunks
    const bigSize = 4 * 1024 * 1024;
    const path = writeFixture(dir, "cancelled.mp4", patternBytes(bigSize, 3));
    const res = await serve({}, { path, onServed: (e) => events.push(e) });
    const reader = res.body!.getReader();
    const first = await reader.read();
    await reader.read();
    await reader.cancel();
    assert.equal(events.length, 1);
    assert.equal(events[0].aborted, true);
    // the chunk held when the body was cancelled may never have reached the client
    assert.equal(events[0].bytesDelivered, first.value?.byteLength);
    assert.ok(events[0].bytesDelivered! < bigSize);
  });
}

test("serveStream() keeps streaming when onServed throws", async () => {
  const res = await serve({ range: "bytes=0-9" }, {
    onServed: () => {
      throw new Error("observer failed");
    },
  });
  await expectBody(res, 0, 9);
});

test("serveStream() errors the body, not the process, when the file fails mid-read", async () => {
  let closed = 0;
  const failing: FileSource = {
    open: () =>
      Promise.resolve({
        stat: { size: 1000, mtime: new Date(0), isFile: true, dev: null, ino: null },
        body: () => new ReadableStream({ pull: (c) => c.error(new Error("disk gone")) }),
        async *read() {
          yield new Uint8Array(3);
          throw new Error("disk gone");
        },
        close: () => void closed++,
      }),
  };
  const single = await serveStream(request({ range: "bytes=0-9" }), { path: "x.mp4", source: failing });
  assert.equal(single.status, 206);
  await assert.rejects(() => single.arrayBuffer());

  const multi = await serveStream(request({ range: "bytes=0-9,20-29" }), { path: "x.mp4", source: failing });
  assert.equal(multi.status, 206);
  await assert.rejects(() => multi.arrayBuffer());
  assert.equal(closed, 1, "multipart closes the file when reading fails");

  const forbidden: FileSource = { open: () => Promise.resolve("forbidden") };
  const res = await serveStream(request(), { path: "x.mp4", source: forbidden });
  assert.equal(res.status, 403);
  await res.body?.cancel();
});
