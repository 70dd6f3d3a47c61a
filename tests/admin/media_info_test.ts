// The admin shows what the media index says of each watched file: in the viewings listing and
// as `media` in the JSON API; a file it cannot read shows nothing.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { createAdminHandler } from "../../src/admin/mod.ts";
import { createMediaSummaryLookup } from "../../src/endpoint/media_summary.ts";
import { createMediaIndexCache } from "../../src/media/index_cache.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import { tempDir } from "../_fixtures.ts";
import { sample } from "../media/mp4/_samples.ts";

const TOKEN = "admin-media-token-0123456789";
const tmp = tempDir("sage-admin-media-");
const log = createWatchLogger({ url: `file:${join(tmp.dir, "log.db")}` });
after(async () => {
  await log.close();
  tmp.cleanup();
});

test("viewings carry the file's duration, picture size and codecs, in the page and the JSON", {
  timeout: 120_000,
}, async () => {
  copyFileSync(await sample("faststart"), join(tmp.dir, "film.mp4"));
  for (const path of ["film.mp4", "film.mp4#t=2,4", "gone.mp4"]) {
    await log.logWatchRequest({
      path,
      status: 206,
      size: 1000,
      ranges: [{ start: 0, end: 99 }],
      durationMs: 1,
    });
  }
  let lookups = 0;
  const lookup = createMediaSummaryLookup(tmp.dir, createMediaIndexCache());
  const admin = createAdminHandler({
    queries: log,
    token: TOKEN,
    mediaInfo: (path) => (lookups++, lookup(path)),
  });
  const get = (path: string) =>
    admin(new Request(`http://admin.test${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }));
  const json = await (await get("/admin/api/viewings?limit=100")).json();
  const byPath = new Map(json.items.map((v: { path: string; media: unknown }) => [v.path, v.media]));
  const film = byPath.get("film.mp4") as {
    duration: number;
    width: number;
    height: number;
    codecs: string[];
  };
  assert.ok(Math.abs(film.duration - 12) < 0.1, `duration ${film.duration}`);
  assert.deepEqual([film.width, film.height], [320, 240]);
  assert.match(film.codecs.join(","), /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
  assert.deepEqual(byPath.get("film.mp4#t=2,4"), film, "a clip shows its file's media");
  assert.equal(byPath.get("gone.mp4"), null);
  assert.equal(lookups, 3, "each path looked up once");
  const page = await (await get("/admin/viewings?limit=100")).text();
  assert.match(
    page,
    /film\.mp4<\/a><br><small class="media">0:12 · 320×240 · avc1\.[0-9a-f]{6}, mp4a\.40\.2<\/small>/,
  );
});

test("without mediaInfo the admin reads only the watch log: no media field", async () => {
  const admin = createAdminHandler({ queries: log, token: TOKEN });
  const res = await admin(
    new Request("http://admin.test/admin/api/viewings", { headers: { authorization: `Bearer ${TOKEN}` } }),
  );
  const json = await res.json();
  assert.ok(json.items.length > 0);
  assert.ok(json.items.every((v: object) => !("media" in v)));
});
