// Seeded fuzzing of request headers and paths: whatever a client sends, the answer is a
// well-formed 2xx/3xx/4xx whose headers agree with its body, never a 500 or a rejection.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createStreamHandler } from "../../src/endpoint/handler.ts";
import { serveStream } from "../../src/serve/serve_stream.ts";
import { bodyBytes, patternBytes, seededRandom, tempDir } from "../_fixtures.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const SIZE = 5000;
const DATA = patternBytes(SIZE, 13);
const root = join(dir, "media");
mkdirSync(join(root, "sub"), { recursive: true });
writeFileSync(join(root, "movie.mp4"), DATA);
writeFileSync(join(root, "sub", "clip.webm"), DATA);
writeFileSync(join(dir, "secret.mp4"), new TextEncoder().encode("TOP SECRET"));
symlinkSync(join(dir, "secret.mp4"), join(root, "escape.mp4"));

const NUMBERS = [
  "0",
  "1",
  "2",
  "4999",
  "5000",
  "5001",
  "-1",
  "",
  " ",
  "99999999999999999999",
  "1e3",
  "0x10",
  "007",
];
const PIECES = ["bytes", "=", "-", ",", " ", "\t", "items", "BYTES", ";", '"', "W/", "*", "\\", "%00", "é"];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)];
}

function fuzzRange(rnd: () => number): string {
  if (rnd() < 0.5) {
    const specs = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
      const kind = rnd();
      if (kind < 0.4) return `${pick(rnd, NUMBERS)}-${pick(rnd, NUMBERS)}`;
      if (kind < 0.6) return `${pick(rnd, NUMBERS)}-`;
      if (kind < 0.8) return `-${pick(rnd, NUMBERS)}`;
      return pick(rnd, PIECES) + pick(rnd, NUMBERS);
    });
    return `${rnd() < 0.9 ? "bytes=" : pick(rnd, PIECES)}${
      specs.join(rnd() < 0.8 ? "," : pick(rnd, PIECES))
    }`;
  }
  return Array.from({ length: Math.floor(rnd() * 8) }, () => pick(rnd, [...PIECES, ...NUMBERS])).join("");
}

const DATES = [
  "Sun, 06 Nov 1994 08:49:37 GMT",
  "Sunday, 06-Nov-94 08:49:37 GMT",
  "Sun Nov  6 08:49:37 1994",
  "x",
  "",
  new Date(Date.now() + 1e9).toUTCString(),
];
const TAGS = ['"x"', "*", 'W/"x"', '"', "W/", '"a", "b"', "", ","];

function fuzzHeaders(rnd: () => number): Headers {
  const headers = new Headers();
  const set = (name: string, value: string) => {
    try {
      headers.set(name, value);
    } catch {
      // not a valid header value: a client could not send it either
    }
  };
  if (rnd() < 0.8) set("range", fuzzRange(rnd));
  if (rnd() < 0.2) set("if-range", rnd() < 0.5 ? pick(rnd, TAGS) : pick(rnd, DATES));
  if (rnd() < 0.15) set("if-match", pick(rnd, TAGS));
  if (rnd() < 0.15) set("if-none-match", pick(rnd, TAGS));
  if (rnd() < 0.15) set("if-modified-since", pick(rnd, DATES));
  if (rnd() < 0.15) set("if-unmodified-since", pick(rnd, DATES));
  if (rnd() < 0.3) set("sec-fetch-dest", pick(rnd, ["video", "audio", "track", "empty", "document"]));
  return headers;
}

async function checkResponse(res: Response, method: string, context: string): Promise<void> {
  assert.ok(
    [200, 206, 304, 400, 403, 404, 405, 412, 416].includes(res.status),
    `${res.status} for ${context}`,
  );
  const body = await bodyBytes(res);
  if (method === "HEAD" || res.status === 304) {
    assert.equal(body.byteLength, 0, context);
    return;
  }
  const length = res.headers.get("content-length");
  if (length !== null) assert.equal(body.byteLength, Number(length), `Content-Length for ${context}`);
  if (res.status === 200) assert.deepEqual(body, DATA, context);
  if (res.status === 206 && !res.headers.get("content-type")?.startsWith("multipart/")) {
    const m = /^bytes (\d+)-(\d+)\/5000$/.exec(res.headers.get("content-range") ?? "");
    assert.ok(m, `Content-Range for ${context}`);
    const start = Number(m[1]), end = Number(m[2]);
    assert.ok(start <= end && end < SIZE, context);
    assert.deepEqual(body, DATA.subarray(start, end + 1), context);
  }
  if (res.status === 416) assert.equal(res.headers.get("content-range"), "bytes */5000", context);
  assert.ok(!new TextDecoder().decode(body).includes("TOP SECRET"), `secret leaked for ${context}`);
}

test("serveStream() answers 3,000 seeded random header combinations correctly", async () => {
  const rnd = seededRandom(20261124);
  for (let i = 0; i < 3000; i++) {
    const method = rnd() < 0.85 ? "GET" : pick(rnd, ["HEAD", "POST", "OPTIONS", "PUT"]);
    const headers = fuzzHeaders(rnd);
    const context = `#${i} ${method} ${JSON.stringify([...headers])}`;
    const res = await serveStream(new Request("http://localhost/", { method, headers }), {
      path: join(root, "movie.mp4"),
      maxChunkSize: rnd() < 0.5 ? 1000 : 0,
    });
    await checkResponse(res, method, context);
  }
});

const SEGMENTS = [
  "movie.mp4",
  "sub",
  "clip.webm",
  "..",
  ".",
  "",
  "escape.mp4",
  "secret.mp4",
  "%2e%2e",
  "%2f",
  "\\",
  "/",
  "..%2f",
  "%252e%252e",
  "\u0000",
  "\n",
  "%00",
  "é",
  "~",
  "..\\..",
  "a".repeat(300),
  ".hidden",
];

test("createStreamHandler() answers 3,000 seeded random paths without leaking or failing", async () => {
  const handler = createStreamHandler({ root });
  const rnd = seededRandom(424242);
  for (let i = 0; i < 3000; i++) {
    const path = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(rnd, SEGMENTS)).join(
      rnd() < 0.8 ? "/" : pick(rnd, ["\\", "//", "%2F"]),
    );
    const raw = rnd() < 0.5 ? encodeURIComponent(path) : path.replaceAll("&", "%26").replaceAll("#", "%23");
    const method = rnd() < 0.9 ? "GET" : "HEAD";
    const context = `#${i} ${method} path=${JSON.stringify(path)}`;
    let req: Request;
    try {
      req = new Request(`http://localhost/stream?path=${raw}`, { method, headers: fuzzHeaders(rnd) });
    } catch {
      continue; // not a URL a client could send
    }
    await checkResponse(await handler(req), method, context);
  }
});
