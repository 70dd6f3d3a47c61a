import { test } from "node:test";
import assert from "node:assert/strict";
import { contentTypeOf, extensionOf, MEDIA_TYPES } from "../../src/core/content_type.ts";

test("contentTypeOf() covers video, audio, subtitles and streaming formats", () => {
  const expected: Record<string, string> = {
    mp4: "video/mp4",
    m4v: "video/mp4",
    mov: "video/quicktime",
    webm: "video/webm",
    mkv: "video/x-matroska",
    ogv: "video/ogg",
    avi: "video/x-msvideo",
    ts: "video/mp2t",
    m3u8: "application/vnd.apple.mpegurl",
    mpd: "application/dash+xml",
    m4s: "video/iso.segment",
    mp3: "audio/mpeg",
    m4a: "audio/mp4",
    aac: "audio/aac",
    ogg: "audio/ogg",
    opus: "audio/ogg",
    flac: "audio/flac",
    wav: "audio/wav",
    vtt: "text/vtt; charset=utf-8",
  };
  for (const [ext, type] of Object.entries(expected)) {
    assert.equal(contentTypeOf(`dir/file.${ext}`), type, ext);
  }
});

test("contentTypeOf() ignores case and unknown extensions", () => {
  assert.equal(contentTypeOf("MOVIE.WEBM"), "video/webm");
  assert.equal(contentTypeOf("notes.txt"), undefined);
  assert.equal(contentTypeOf("no-extension"), undefined);
  assert.equal(contentTypeOf(".mp4"), undefined, "a dotfile named .mp4 has no extension");
  assert.equal(contentTypeOf("x.constructor"), undefined, "no prototype lookups");
  assert.equal(contentTypeOf("x.__proto__"), undefined);
});

test("extensionOf() takes the last dot of the last segment", () => {
  assert.equal(extensionOf("a.b/c"), "");
  assert.equal(extensionOf("archive.tar.gz"), "gz");
  assert.equal(extensionOf("dir\\file.MP4"), "mp4");
  assert.ok(Object.isFrozen(MEDIA_TYPES));
});
