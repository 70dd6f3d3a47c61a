// The player shows what the media index says: durations in the list, and for the file playing
// its picture size, codecs and a <source type> with the RFC 6381 codecs string.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPlayerHandler } from "../../src/player/mod.ts";
import { tempDir } from "../_fixtures.ts";
import { sample } from "../media/mp4/_samples.ts";

const { dir: root, cleanup } = tempDir("sage-player-media-");
after(cleanup);

test(
  "the list shows durations and the page the codecs of the file playing",
  { timeout: 120_000 },
  async () => {
    copyFileSync(await sample("faststart"), join(root, "film.mp4"));
    writeFileSync(join(root, "broken.mp4"), "no movie in here");
    const player = createPlayerHandler({ root });
    const page = await (await player(new Request("http://localhost/?play=film.mp4"))).text();
    assert.match(
      page,
      /<source src="\/stream\?path=film\.mp4" type="video\/mp4; codecs=&quot;avc1\.[0-9a-f]{6}, mp4a\.40\.2&quot;">/,
    );
    assert.match(page, /id="media-details">0:12 · 320×240 · avc1\.[0-9a-f]{6}, mp4a\.40\.2</);
    assert.match(
      page,
      /<span>film\.mp4<\/span><small>0:12 · 320×240 · [\d.]+ KiB</,
      "the list shows duration and size",
    );
    assert.match(
      page,
      /<span>broken\.mp4<\/span><small>16 B<\/small>/,
      "a file the index does not read shows its size only",
    );
    const broken = await (await player(new Request("http://localhost/?play=broken.mp4"))).text();
    assert.match(
      broken,
      /<video [^>]*src="\/stream\?path=broken\.mp4"/,
      "without an index: the src attribute, no type",
    );
    assert.doesNotMatch(broken, /media-details/);
  },
);
