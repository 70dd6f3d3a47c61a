// The plan of serveStream's answers, from plain values: no file, no runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  planFileResponse,
  planMethodExit,
  type PlannedFile,
  planRefusal,
  type ResponsePlan,
  type ResponsePlanOptions,
} from "../../src/core/response_plan.ts";

const SIZE = 1000;
const MOVIE: PlannedFile = { path: "/media/movie.mp4", stat: { size: SIZE, mtime: new Date(1714558830000) } };
const EMPTY: PlannedFile = { path: "/media/empty.webm", stat: { size: 0, mtime: new Date(1714558830000) } };
const ETAG = '"3e8-18f33ab85b0"';
const LAST_MODIFIED = "Wed, 01 May 2024 10:20:30 GMT";
const OPTIONS: ResponsePlanOptions = {
  maxChunkSize: 100,
  maxChunkSizeFor: "media-elements",
  maxRanges: 32,
  boundary: "B",
};

/** The headers of every 200 and 206 for MOVIE, before its type, length and range. */
const ENTITY = {
  etag: ETAG,
  "last-modified": LAST_MODIFIED,
  "accept-ranges": "bytes",
  "x-content-type-options": "nosniff",
  "content-disposition": "inline",
};
const VALIDATORS = { etag: ETAG, "last-modified": LAST_MODIFIED };
function withoutLastModified(headers: Record<string, string>): Record<string, string> {
  const { "last-modified": _, ...rest } = headers;
  return rest;
}
const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

/** A plan with its headers as a plain object and a multipart body as its framing only. */
interface PlainPlan {
  status: number;
  headers: Record<string, string>;
  ranges: [number, number][];
  length: number;
  body: string;
}

function plain(plan: ResponsePlan): PlainPlan {
  const { body } = plan;
  return {
    status: plan.status,
    headers: Object.fromEntries(plan.headers),
    ranges: plan.ranges.map((r) => [r.start, r.end]),
    length: plan.length,
    body: body.kind === "none"
      ? "none"
      : body.kind === "text"
      ? `text ${body.text}`
      : body.kind === "multipart"
      ? `multipart ${body.layout.parts.map((p) => `${p.range.start}-${p.range.end}`).join(",")}`
      : `${body.kind} ${body.range.start}-${body.range.end}`,
  };
}

function request(headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request("http://localhost/movie.mp4", { method, headers });
}

/** The length of a multipart body of `ranges` of MOVIE with boundary B, counted by hand. */
function multipartLength(ranges: [number, number][], type = "video/mp4"): number {
  let length = "\r\n--B--\r\n".length;
  ranges.forEach(([start, end], i) => {
    const head = `${
      i === 0 ? "" : "\r\n"
    }--B\r\nContent-Type: ${type}\r\nContent-Range: bytes ${start}-${end}/${SIZE}\r\n\r\n`;
    length += head.length + end - start + 1;
  });
  return length;
}

interface Case {
  name: string;
  method?: string;
  headers?: Record<string, string>;
  file?: PlannedFile;
  options?: Partial<ResponsePlanOptions>;
  expected: PlainPlan;
}

const WHOLE: PlainPlan = {
  status: 200,
  headers: { ...ENTITY, "content-type": "video/mp4", "content-length": "1000" },
  ranges: [[0, 999]],
  length: 1000,
  body: "file 0-999",
};

function partial(start: number, end: number, body = `file ${start}-${end}`): PlainPlan {
  return {
    status: 206,
    headers: {
      ...ENTITY,
      "content-type": "video/mp4",
      "content-length": String(end - start + 1),
      "content-range": `bytes ${start}-${end}/${SIZE}`,
    },
    ranges: [[start, end]],
    length: end - start + 1,
    body,
  };
}

const MULTIPART_LENGTH = multipartLength([[0, 9], [500, 509]]);
const MULTIPART: PlainPlan = {
  status: 206,
  headers: {
    ...ENTITY,
    "content-type": "multipart/byteranges; boundary=B",
    "content-length": String(MULTIPART_LENGTH),
  },
  ranges: [[0, 9], [500, 509]],
  length: MULTIPART_LENGTH,
  body: "multipart 0-9,500-509",
};

const UNSATISFIABLE: PlainPlan = {
  status: 416,
  headers: { ...ENTITY, ...TEXT, "content-range": "bytes */1000", "content-length": "21" },
  ranges: [],
  length: 21,
  body: "text Range Not Satisfiable",
};

const EMPTY_FILE: PlainPlan = {
  status: 200,
  headers: { ...ENTITY, etag: '"0-18f33ab85b0"', "content-type": "video/webm", "content-length": "0" },
  ranges: [],
  length: 0,
  body: "none",
};

const CASES: Case[] = [
  { name: "a plain GET is a 200 with the whole file", expected: WHOLE },
  { name: "one range is a 206 from the file", headers: { range: "bytes=0-1" }, expected: partial(0, 1) },
  { name: "a suffix range is the last bytes", headers: { range: "bytes=-10" }, expected: partial(990, 999) },
  { name: "an end past EOF is clamped", headers: { range: "bytes=990-5000" }, expected: partial(990, 999) },
  {
    name: "several ranges are a multipart 206",
    headers: { range: "bytes=500-509,0-9" },
    expected: MULTIPART,
  },
  {
    name: "overlapping ranges are merged into one",
    headers: { range: "bytes=0-9,5-19" },
    expected: partial(0, 19),
  },
  {
    name: "a matching If-None-Match is a 304 with the validators only",
    headers: { "if-none-match": ETAG, range: "bytes=0-1" },
    expected: { status: 304, headers: VALIDATORS, ranges: [], length: 0, body: "none" },
  },
  {
    name: "a 304 keeps Cache-Control",
    headers: { "if-modified-since": LAST_MODIFIED },
    options: { cacheControl: "public, max-age=60" },
    expected: {
      status: 304,
      headers: { ...VALIDATORS, "cache-control": "public, max-age=60" },
      ranges: [],
      length: 0,
      body: "none",
    },
  },
  {
    name: "a failed If-Match is a 412 with a reason",
    headers: { "if-match": '"other"', range: "bytes=0-1" },
    expected: {
      status: 412,
      headers: { ...VALIDATORS, ...TEXT, "content-length": "19" },
      ranges: [],
      length: 19,
      body: "text Precondition Failed",
    },
  },
  {
    name: "an unsatisfiable range is a 416 with Content-Range: bytes */size",
    headers: { range: "bytes=1000-" },
    expected: UNSATISFIABLE,
  },
  {
    name: "a suffix of zero bytes is unsatisfiable",
    headers: { range: "bytes=-0" },
    expected: UNSATISFIABLE,
  },
  {
    name: "HEAD gets GET's 200 headers and no body",
    method: "HEAD",
    expected: { ...WHOLE, body: "none" },
  },
  {
    name: "HEAD gets GET's 206 headers and no body",
    method: "HEAD",
    headers: { range: "bytes=0-1" },
    expected: { ...partial(0, 1), body: "none" },
  },
  {
    name: "HEAD gets GET's multipart headers and no body",
    method: "HEAD",
    headers: { range: "bytes=0-9,500-509" },
    expected: { ...MULTIPART, body: "none" },
  },
  {
    name: "HEAD gets GET's 416 headers and no body",
    method: "HEAD",
    headers: { range: "bytes=2000-" },
    expected: { ...UNSATISFIABLE, body: "none" },
  },
  { name: "an invalid Range is ignored", headers: { range: "bytes=5-1" }, expected: WHOLE },
  { name: "another unit is ignored", headers: { range: "items=0-1" }, expected: WHOLE },
  {
    name: "an ignored Range is read through JavaScript where the server would apply it",
    headers: { range: "bytes=5-1" },
    options: { appliesRangeToFileBodies: true },
    expected: { ...WHOLE, body: "read 0-999" },
  },
  {
    name: "without a Range, such a server gets the file body",
    options: { appliesRangeToFileBodies: true },
    expected: WHOLE,
  },
  {
    name: "a satisfiable range on such a server is still a file body",
    headers: { range: "bytes=0-1" },
    options: { appliesRangeToFileBodies: true },
    expected: partial(0, 1),
  },
  {
    name: "a stale If-Range ETag sends the whole file",
    headers: { range: "bytes=5-9", "if-range": '"stale"' },
    expected: WHOLE,
  },
  {
    name: "a stale If-Range date sends the whole file, read through where the server would apply Range",
    headers: { range: "bytes=5-9", "if-range": "Thu, 01 Jan 1970 00:00:00 GMT" },
    options: { appliesRangeToFileBodies: true },
    expected: { ...WHOLE, body: "read 0-999" },
  },
  {
    name: "a current If-Range honours the range",
    headers: { range: "bytes=5-9", "if-range": ETAG },
    expected: partial(5, 9),
  },
  {
    name: 'cors "*" allows any origin without Vary',
    headers: { origin: "https://a.example" },
    options: { cors: "*" },
    expected: {
      ...WHOLE,
      headers: {
        ...WHOLE.headers,
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "Content-Range, Accept-Ranges, Content-Length, ETag",
      },
    },
  },
  {
    name: "a listed origin is echoed, with Vary: Origin",
    headers: { origin: "https://b.example", range: "bytes=0-1" },
    options: { cors: ["https://a.example", "https://b.example"] },
    expected: {
      ...partial(0, 1),
      headers: {
        ...partial(0, 1).headers,
        "access-control-allow-origin": "https://b.example",
        "access-control-expose-headers": "Content-Range, Accept-Ranges, Content-Length, ETag",
        vary: "Origin",
      },
    },
  },
  {
    name: "an unlisted origin gets no CORS headers, and Vary: Origin for caches",
    headers: { origin: "https://evil.example" },
    options: { cors: ["https://a.example"] },
    expected: { ...WHOLE, headers: { ...WHOLE.headers, vary: "Origin" } },
  },
  {
    name: "downloadName makes an attachment with ASCII and UTF-8 names",
    options: { downloadName: 'clip "best" é.mp4' },
    expected: {
      ...WHOLE,
      headers: {
        ...WHOLE.headers,
        "content-disposition":
          `attachment; filename="clip _best_ _.mp4"; filename*=UTF-8''clip%20%22best%22%20%C3%A9.mp4`,
      },
    },
  },
  {
    name: "a media element's open-ended range is capped at maxChunkSize",
    headers: { range: "bytes=100-", "sec-fetch-dest": "video" },
    expected: partial(100, 199),
  },
  {
    name: "the cap ignores the destination's case and covers audio",
    headers: { range: "bytes=0-", "sec-fetch-dest": "AUDIO" },
    expected: partial(0, 99),
  },
  {
    name: "a media element's closed range is honoured exactly",
    headers: { range: "bytes=100-899", "sec-fetch-dest": "video" },
    expected: partial(100, 899),
  },
  {
    name: "a download's open-ended range is not capped",
    headers: { range: "bytes=100-", "sec-fetch-dest": "document" },
    expected: partial(100, 999),
  },
  {
    name: "a client without Sec-Fetch-Dest gets the whole open-ended range",
    headers: { range: "bytes=100-" },
    expected: partial(100, 999),
  },
  {
    name: 'maxChunkSizeFor "all" caps every open-ended range',
    headers: { range: "bytes=100-" },
    options: { maxChunkSizeFor: "all" },
    expected: partial(100, 199),
  },
  {
    name: "maxChunkSize 0 disables the cap",
    headers: { range: "bytes=100-", "sec-fetch-dest": "video" },
    options: { maxChunkSize: 0 },
    expected: partial(100, 999),
  },
  {
    name: "more ranges than maxRanges make the header ignored",
    headers: { range: "bytes=0-0,10-10,20-20" },
    options: { maxRanges: 2 },
    expected: WHOLE,
  },
  {
    name: "as many ranges as maxRanges are served",
    headers: { range: "bytes=0-0,10-10,20-20" },
    options: { maxRanges: 3 },
    expected: {
      ...MULTIPART,
      headers: {
        ...MULTIPART.headers,
        "content-length": String(multipartLength([[0, 0], [10, 10], [20, 20]])),
      },
      ranges: [[0, 0], [10, 10], [20, 20]],
      length: multipartLength([[0, 0], [10, 10], [20, 20]]),
      body: "multipart 0-0,10-10,20-20",
    },
  },
  {
    name: "ranges asking for more bytes than the file holds are ignored",
    headers: { range: "bytes=0-999,0-999" },
    expected: WHOLE,
  },
  { name: "an empty file is a 200 without a body", file: EMPTY, expected: EMPTY_FILE },
  { name: "an empty file ignores Range", file: EMPTY, headers: { range: "bytes=0-1" }, expected: EMPTY_FILE },
  { name: "an empty file answers HEAD alike", file: EMPTY, method: "HEAD", expected: EMPTY_FILE },
  {
    name: "an unknown modification time sends no Last-Modified",
    file: { path: "/media/clip.mp4", stat: { size: SIZE, mtime: null } },
    expected: {
      ...WHOLE,
      headers: { ...withoutLastModified(WHOLE.headers), etag: '"3e8-0"' },
    },
  },
  {
    name: "the type comes from contentType, else the extension, else octet-stream",
    file: { path: "/media/data.bin", stat: MOVIE.stat },
    expected: { ...WHOLE, headers: { ...WHOLE.headers, "content-type": "application/octet-stream" } },
  },
  {
    name: "contentType overrides the extension, also in multipart parts",
    headers: { range: "bytes=0-9,500-509" },
    options: { contentType: "video/custom" },
    expected: {
      ...MULTIPART,
      headers: {
        ...MULTIPART.headers,
        "content-length": String(multipartLength([[0, 9], [500, 509]], "video/custom")),
      },
      length: multipartLength([[0, 9], [500, 509]], "video/custom"),
    },
  },
  {
    name: "extra headers override the computed ones",
    headers: { range: "bytes=0-1" },
    options: { headers: { "Content-Disposition": "attachment", "X-Extra": "yes" } },
    expected: {
      ...partial(0, 1),
      headers: { ...partial(0, 1).headers, "content-disposition": "attachment", "x-extra": "yes" },
    },
  },
];

for (const { name, method = "GET", headers = {}, file = MOVIE, options = {}, expected } of CASES) {
  test(`planFileResponse(): ${name}`, () => {
    const plan = planFileResponse(request(headers, method), file, { ...OPTIONS, ...options });
    assert.deepEqual(plain(plan), expected);
  });
}

test("planFileResponse(): a multipart layout frames each range with its Content-Range", () => {
  const plan = planFileResponse(request({ range: "bytes=0-9,500-509" }), MOVIE, OPTIONS);
  assert.equal(plan.body.kind, "multipart");
  if (plan.body.kind !== "multipart") return;
  const heads = plan.body.layout.parts.map((part) => new TextDecoder().decode(part.head));
  assert.deepEqual(heads, [
    "--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-9/1000\r\n\r\n",
    "\r\n--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 500-509/1000\r\n\r\n",
  ]);
  assert.equal(new TextDecoder().decode(plan.body.layout.tail), "\r\n--B--\r\n");
});

test("planFileResponse(): the multipart boundary is random unless given", () => {
  const { boundary: _, ...random } = OPTIONS;
  const a = planFileResponse(request({ range: "bytes=0-0,9-9" }), MOVIE, random);
  const b = planFileResponse(request({ range: "bytes=0-0,9-9" }), MOVIE, random);
  assert.match(a.headers.get("content-type") ?? "", /^multipart\/byteranges; boundary=[0-9a-f]{24}$/);
  assert.notEqual(a.headers.get("content-type"), b.headers.get("content-type"));
});

test("planMethodExit(): GET and HEAD need the file", () => {
  assert.equal(planMethodExit(request(), OPTIONS), null);
  assert.equal(planMethodExit(request({}, "HEAD"), OPTIONS), null);
});

test("planMethodExit(): other methods are a 405 with Allow: GET, HEAD", () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const plan = planMethodExit(request({ origin: "https://a.example" }, method), OPTIONS);
    assert.ok(plan !== null, method);
    assert.deepEqual(plain(plan), {
      status: 405,
      headers: { allow: "GET, HEAD", ...TEXT, "content-length": "18" },
      ranges: [],
      length: 18,
      body: "text Method Not Allowed",
    }, method);
  }
});

test("planMethodExit(): a preflight from an allowed origin is a 204 saying what may be sent", () => {
  const preflight = (headers: Record<string, string>, options: Partial<ResponsePlanOptions>) =>
    plain(planMethodExit(request(headers, "OPTIONS"), { ...OPTIONS, ...options })!);
  assert.deepEqual(
    preflight({ origin: "https://a.example", "access-control-request-headers": "range" }, { cors: "*" }),
    {
      status: 204,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "Content-Range, Accept-Ranges, Content-Length, ETag",
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-allow-headers": "range",
        "access-control-max-age": "86400",
      },
      ranges: [],
      length: 0,
      body: "none",
    },
  );
  const listed = preflight({ origin: "https://a.example" }, {
    cors: ["https://a.example"],
    headers: { "x-extra": "1" },
  });
  assert.equal(listed.status, 204);
  assert.equal(listed.headers["access-control-allow-origin"], "https://a.example");
  assert.equal(listed.headers["vary"], "Origin");
  assert.equal(listed.headers["access-control-allow-headers"], "Range, If-Range, If-Match, If-None-Match");
  assert.equal(listed.headers["x-extra"], "1");
  assert.equal(preflight({ origin: "https://evil.example" }, { cors: ["https://a.example"] }).status, 405);
});

test("planRefusal(): 403 and 404 are plain-text reasons with the CORS and extra headers", () => {
  const options = { ...OPTIONS, cors: "*", headers: { "x-extra": "yes" } };
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "Content-Range, Accept-Ranges, Content-Length, ETag",
  };
  assert.deepEqual(plain(planRefusal(request({ origin: "https://a.example" }), 404, options)), {
    status: 404,
    headers: { ...cors, ...TEXT, "content-length": "9", "x-extra": "yes" },
    ranges: [],
    length: 9,
    body: "text Not Found",
  });
  assert.deepEqual(plain(planRefusal(request({}, "HEAD"), 403, OPTIONS)), {
    status: 403,
    headers: { ...TEXT, "content-length": "9" },
    ranges: [],
    length: 9,
    body: "none",
  });
});
