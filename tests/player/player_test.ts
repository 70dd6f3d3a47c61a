import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPlayerHandler, listMediaFiles } from "../../src/player/mod.ts";
import { verifyStreamUrl } from "../../src/endpoint/signed_url.ts";
import { tempDir } from "../_fixtures.ts";

const outside = tempDir("sage-player-outside-");
const media = tempDir("sage-player-");
const root = media.dir;
const put = (path: string, size: number) => {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), new Uint8Array(size));
};
put("b.webm", 2048);
put("A talk.mp4", 10);
put("music/song.mp3", 3000);
put("music/notes.txt", 5);
put("music/song.vtt", 5);
put(".hidden.mp4", 5);
put(".private/secret.webm", 5);
put("deep/1/2/3/far.webm", 7);
put("<b>bold</b>.webm", 1);
writeFileSync(join(outside.dir, "leak.mp4"), new Uint8Array(9));
mkdirSync(join(outside.dir, "dir"));
writeFileSync(join(outside.dir, "dir", "leak2.webm"), new Uint8Array(9));
symlinkSync(join(outside.dir, "leak.mp4"), join(root, "link-out.mp4"));
symlinkSync(join(outside.dir, "dir"), join(root, "dir-out"));
symlinkSync(join(root, "b.webm"), join(root, "link-in.webm"));
symlinkSync(root, join(root, "music", "loop")); // a link back to the root: walked once
symlinkSync(join(root, ".private", "secret.webm"), join(root, "to-hidden.webm"));
symlinkSync(join(root, "music", "notes.txt"), join(root, "not-media.mp4")); // a media name on a text file

after(() => {
  media.cleanup();
  outside.cleanup();
});

const player = createPlayerHandler({ root });
async function page(
  path: string,
  handler = player,
): Promise<{ status: number; body: string; res: Response }> {
  const res = await handler(new Request(`http://player.test${path}`));
  return { status: res.status, body: await res.text(), res };
}

test("the listing has the audio and video files under the root, sorted, with sizes, and nothing else", async () => {
  const { files, truncated } = await listMediaFiles(root);
  assert.equal(truncated, false);
  assert.deepEqual(files, [
    { path: "<b>bold</b>.webm", size: 1, type: "video/webm" },
    { path: "A talk.mp4", size: 10, type: "video/mp4" },
    { path: "b.webm", size: 2048, type: "video/webm" },
    { path: "deep/1/2/3/far.webm", size: 7, type: "video/webm" },
    { path: "link-in.webm", size: 2048, type: "video/webm" },
    { path: "music/song.mp3", size: 3000, type: "audio/mpeg" },
  ]);
});

test("the walk stops at maxDepth and maxFiles, and says it was truncated", async () => {
  const listed = async (maxDepth: number) =>
    (await listMediaFiles(root, { maxDepth })).files.map((f) => f.path);
  // deep/1/2/3/far.webm is four levels below the root; music/song.mp3 and <b>bold</b>.webm one
  assert.deepEqual(await listed(0), ["A talk.mp4", "b.webm", "link-in.webm"]);
  assert.deepEqual(await listed(3), [
    "<b>bold</b>.webm",
    "A talk.mp4",
    "b.webm",
    "link-in.webm",
    "music/song.mp3",
  ]);
  assert.ok((await listed(4)).includes("deep/1/2/3/far.webm"));
  const few = await listMediaFiles(root, { maxFiles: 2 });
  assert.equal(few.truncated, true);
  assert.deepEqual(few.files.map((f) => f.path), ["<b>bold</b>.webm", "A talk.mp4"]);
});

test("the page lists files as escaped links to ?play= with human sizes, under a strict CSP and no script", async () => {
  const { status, body, res } = await page("/");
  assert.equal(status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(
    res.headers.get("content-security-policy"),
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; media-src 'self'",
  );
  assert.doesNotMatch(body, /<script|\son[a-z]+=|\sstyle=|<b>bold/i);
  assert.match(
    body,
    /<a href="\/\?play=%3Cb%3Ebold%3C%2Fb%3E\.webm"\s*><span>&lt;b&gt;bold&lt;\/b&gt;\.webm<\/span><small>1 B<\/small>/,
  );
  assert.match(body, /<span>b\.webm<\/span><small>2\.00 KiB<\/small>/);
  assert.match(body, /<span>music\/song\.mp3<\/span><small>2\.93 KiB<\/small>/);
  assert.match(body, /6 of 6 files/);
  assert.doesNotMatch(body, /leak|secret|hidden|notes|\.vtt/);
});

test("?q= narrows the list to paths containing the text, ignoring case", async () => {
  const { body } = await page("/?q=WEBM");
  const names = [...body.matchAll(/<span>([^<]*)<\/span>/g)].map((m) => m[1]);
  assert.deepEqual(names, ["&lt;b&gt;bold&lt;/b&gt;.webm", "b.webm", "deep/1/2/3/far.webm", "link-in.webm"]);
  assert.match(body, /4 of 6 files/);
  assert.match(body, /<input type="search" name="q" value="WEBM"/);
  const none = await page("/?q=%22%3E%3Cscript%3E");
  assert.match(none.body, /No file matches\./);
  assert.match(none.body, /value="&quot;&gt;&lt;script&gt;"/);
});

test("?play= puts a video or audio element on the stream URL", async () => {
  const video = await page("/?play=A%20talk.mp4");
  assert.equal(video.status, 200);
  assert.match(
    video.body,
    /<video id="player" controls autoplay playsinline preload="metadata" src="\/stream\?path=A\+talk\.mp4"><\/video>/,
  );
  assert.match(video.body, /<a href="\/\?play=A\+talk\.mp4" aria-current="true"\s*>/);
  const audio = await page("/?play=music/song.mp3");
  assert.match(
    audio.body,
    /<audio id="player" controls autoplay preload="metadata" src="\/stream\?path=music%2Fsong\.mp3"><\/audio>/,
  );
});

test("?play= of a path that is not a playable file under the root is a 404 with the list", async () => {
  for (
    const path of [
      "missing.webm",
      "../" + "x.mp4",
      "music/notes.txt",
      ".hidden.mp4",
      "link-out.mp4",
      "dir-out/leak2.webm",
      "to-hidden.webm",
      "not-media.mp4",
      "music",
    ]
  ) {
    const { status, body } = await page(`/?play=${encodeURIComponent(path)}`);
    assert.equal(status, 404, path);
    assert.doesNotMatch(body, /<video|<audio/, path);
    assert.match(body, /<ul class="files" id="files">/);
  }
  const hostile = await page("/?play=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.mp4");
  assert.equal(hostile.status, 404);
  assert.match(hostile.body, /Not found: &lt;img src=x onerror=alert\(1\)&gt;\.mp4/);
});

test("with a signing secret the player's URLs are signed for the configured endpoint", async () => {
  const secret = "player-test-secret-0123456789";
  const signed = createPlayerHandler({
    root,
    signingSecret: secret,
    streamPath: "/media",
    param: "file",
    signedUrlTtl: 60,
  });
  const { body } = await page("/?play=b.webm", signed);
  const src = /<video [^>]*src="([^"]+)"/.exec(body)![1].replace(/&amp;/g, "&");
  assert.match(src, /^\/media\?file=b\.webm&expires=\d+&sig=[\w-]{43}$/);
  const expires = Number(new URL(src, "http://x").searchParams.get("expires"));
  assert.ok(Math.abs(expires - (Date.now() / 1000 + 60)) < 5);
  assert.deepEqual((await verifyStreamUrl(src, { secret, param: "file" })).valid, true);
  assert.equal((await verifyStreamUrl(src, { secret: secret + "x", param: "file" })).valid, false);
});

test("the stylesheet is served, other methods get 405 and other paths 404", async () => {
  const css = await player(new Request("http://player.test/player/style.css"));
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.match(await css.text(), /\.player\{/);
  const post = await player(new Request("http://player.test/", { method: "POST", body: "x" }));
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
  const other = await player(new Request("http://player.test/index.html"));
  assert.equal(other.status, 404);
  await other.body?.cancel();
  const head = await player(new Request("http://player.test/", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
});

test("createPlayerHandler rejects a missing root and relative paths", () => {
  assert.throws(() => createPlayerHandler({ root: "" }), {
    name: "TypeError",
    message: 'Cannot create player handler: "root" must be a non-empty string',
  });
  assert.throws(() => createPlayerHandler({ root, streamPath: "stream" }), TypeError);
});

test("the listing is paged: ?page=N shows pageSize files with Previous/Next links, search first", async () => {
  const lib = tempDir("sage-player-pages-");
  try {
    for (let i = 0; i < 25; i++) writeFileSync(join(lib.dir, `clip-${String(i).padStart(2, "0")}.mp4`), "x");
    const paged = createPlayerHandler({ root: lib.dir, pageSize: 10 });
    const text = async (query: string) => await (await paged(new Request(`http://p.test/${query}`))).text();
    const names = (body: string) => [...body.matchAll(/<span>(clip-\d+\.mp4)<\/span>/g)].map((m) => m[1]);
    const first = await text("");
    assert.deepEqual(
      names(first),
      Array.from({ length: 10 }, (_, i) => `clip-${String(i).padStart(2, "0")}.mp4`),
    );
    assert.match(first, /Page 1 of 3/);
    assert.match(first, /<a rel="next" href="\/\?page=2">Next<\/a>/);
    assert.doesNotMatch(first, /rel="prev"/);
    const last = await text("?page=3");
    assert.deepEqual(names(last), [
      "clip-20.mp4",
      "clip-21.mp4",
      "clip-22.mp4",
      "clip-23.mp4",
      "clip-24.mp4",
    ]);
    assert.match(last, /<a rel="prev" href="\/\?page=2">Previous<\/a>/);
    // out-of-range and junk pages land on a real page, never an error
    assert.deepEqual(names(await text("?page=99")), names(last));
    assert.deepEqual(names(await text("?page=abc")), names(first));
    // the search narrows before paging, and the pager keeps it
    const found = await text("?q=clip-2&page=1");
    assert.deepEqual(names(found), [
      "clip-20.mp4",
      "clip-21.mp4",
      "clip-22.mp4",
      "clip-23.mp4",
      "clip-24.mp4",
    ]);
    assert.doesNotMatch(found, /Page 1 of/);
    const pagedSearch = await text("?q=clip&page=2");
    assert.match(pagedSearch, /<a rel="next" href="\/\?q=clip&amp;page=3">Next<\/a>/);
    assert.throws(() => createPlayerHandler({ root: lib.dir, pageSize: 0 }), RangeError);
  } finally {
    lib.cleanup();
  }
});

test("one walk of the root serves the requests of listingTtlMs; a change in the root shows at once", async () => {
  const lib = tempDir("sage-player-cache-");
  try {
    mkdirSync(join(lib.dir, "deep"));
    writeFileSync(join(lib.dir, "deep", "a.mp4"), "x");
    const cachedPlayer = createPlayerHandler({ root: lib.dir, listingTtlMs: 300 });
    const listed = async () =>
      [...(await (await cachedPlayer(new Request("http://p.test/"))).text()).matchAll(
        /<span>([^<]+)<\/span>/g,
      )]
        .map((m) => m[1]);
    assert.deepEqual(await listed(), ["deep/a.mp4"]);
    // a file in a subdirectory does not change the root's mtime: the cached walk is reused …
    writeFileSync(join(lib.dir, "deep", "b.mp4"), "x");
    assert.deepEqual(await listed(), ["deep/a.mp4"]);
    // … until the TTL ends
    await new Promise((r) => setTimeout(r, 350));
    assert.deepEqual(await listed(), ["deep/a.mp4", "deep/b.mp4"]);
    // a new entry in the root changes its mtime and ends the cached walk at once
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(lib.dir, "c.mp4"), "x");
    assert.deepEqual(await listed(), ["c.mp4", "deep/a.mp4", "deep/b.mp4"]);
  } finally {
    lib.cleanup();
  }
});

test("links are listed only where the stream endpoint would serve them; a linked directory inside is walked", async () => {
  const lib = tempDir("sage-player-links-");
  try {
    mkdirSync(join(lib.dir, "c-real"));
    mkdirSync(join(lib.dir, ".hidden"));
    writeFileSync(join(lib.dir, "c-real", "clip.mp4"), "xy");
    writeFileSync(join(lib.dir, ".hidden", "secret.mp4"), "x");
    writeFileSync(join(lib.dir, "notes.txt"), "x");
    symlinkSync(join(lib.dir, "c-real"), join(lib.dir, "b-linked")); // walked first, so c-real is not again
    symlinkSync(join(lib.dir, ".hidden"), join(lib.dir, "peek"));
    symlinkSync(outside.dir, join(lib.dir, "out"));
    symlinkSync(join(lib.dir, "notes.txt"), join(lib.dir, "fake.mp4"));
    symlinkSync(join(lib.dir, "c-real", "clip.mp4"), join(lib.dir, "alias.webm"));
    const { files, truncated } = await listMediaFiles(lib.dir);
    assert.equal(truncated, false);
    assert.deepEqual(files, [
      { path: "alias.webm", size: 2, type: "video/webm" },
      { path: "b-linked/clip.mp4", size: 2, type: "video/mp4" },
    ]);
    // and each listed file plays
    const linked = createPlayerHandler({ root: lib.dir });
    for (const file of files) {
      const res = await linked(new Request(`http://p.test/?play=${encodeURIComponent(file.path)}`));
      assert.equal(res.status, 200, file.path);
      assert.match(await res.text(), /<video id="player"/);
    }
  } finally {
    lib.cleanup();
  }
});
