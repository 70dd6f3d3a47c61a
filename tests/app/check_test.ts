// `sage-stream check DIR` and the media flags of the CLI.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main, pacingOf, parseArgs } from "../../src/app/cli.ts";
import { checkMediaDirectory } from "../../src/app/check.ts";
import { tempDir } from "../_fixtures.ts";
import { sample } from "../media/mp4/_samples.ts";

const { dir, cleanup } = tempDir("sage-check-");
after(cleanup);

function io() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: { write: (s: string) => out.stdout += s },
      stderr: { write: (s: string) => out.stderr += s },
    },
  };
}

test(
  "check DIR lists what does not stream well, says what to do, and exits 1",
  { timeout: 180_000 },
  async () => {
    const media = join(dir, "library");
    mkdirSync(join(media, "shows"), { recursive: true });
    copyFileSync(await sample("faststart"), join(media, "good.mp4"));
    copyFileSync(await sample("moovEnd"), join(media, "shows", "late.mp4"));
    copyFileSync(await sample("hevc"), join(media, "hevc.mp4"));
    writeFileSync(join(media, "broken.m4v"), "nothing here");
    const report = await checkMediaDirectory(media);
    const byPath = new Map(report.files.map((f) => [f.path, f.problems.map((p) => p.kind)]));
    assert.deepEqual(byPath.get("good.mp4"), []);
    assert.deepEqual(byPath.get("shows/late.mp4"), ["index-at-end"]);
    assert.deepEqual(byPath.get("hevc.mp4"), ["index-at-end", "codec"]); // the sample is made without +faststart
    assert.deepEqual(byPath.get("broken.m4v"), ["not-understood"]);

    const { out, io: streams } = io();
    assert.equal(await main(["check", media], streams), 1);
    assert.match(
      out.stdout,
      /^shows\/late\.mp4: the index \(moov\) is after the media data.*-movflags \+faststart/m,
    );
    assert.match(out.stdout, /^hevc\.mp4: video track 1 is hvc1\.[^,]+, which plays in Safari/m);
    assert.doesNotMatch(out.stdout, /^good\.mp4/m);
    assert.match(out.stdout, /^4 media files, 3 that do not stream well\n$/m);

    const good = join(dir, "good-only");
    mkdirSync(good);
    copyFileSync(await sample("faststart"), join(good, "a.mp4"));
    const second = io();
    assert.equal(await main(["check", good], second.io), 0);
    assert.equal(second.out.stdout, "1 media file, 0 that do not stream well\n");
  },
);

test("check refuses a missing directory or extra arguments with exit 2", async () => {
  const { out, io: streams } = io();
  assert.equal(await main(["check", join(dir, "missing")], streams), 2);
  assert.match(out.stderr, /check: not a directory/);
  assert.equal(await main(["check"], streams), 2);
  assert.equal(await main(["check", dir, "more"], streams), 2);
});

test("parseArgs: --fast-start, --no-clips, --pace and --pace-after", () => {
  const parsed = parseArgs(["--fast-start", "--no-clips", "--pace", "1.5x", "--pace-after=10s"]);
  assert.ok(parsed.ok);
  assert.equal(parsed.options.fastStart, true);
  assert.equal(parsed.options.clips, false);
  assert.deepEqual(parsed.options.paceRate, { bitrate: 1.5 });
  assert.deepEqual(parsed.options.paceAfter, { seconds: 10 });
  const absolute = parseArgs(["--pace=500000", "--pace-after", "4000000"]);
  assert.ok(absolute.ok);
  assert.equal(absolute.options.paceRate, 500000);
  assert.equal(absolute.options.paceAfter, 4000000);
  for (const bad of [["--pace", "fast"], ["--pace", "0"], ["--pace", "-2x"], ["--pace-after", "10m"]]) {
    const result = parseArgs(bad);
    assert.equal(result.ok, false, bad.join(" "));
  }
});

test("pacingOf: the app's default, tuned or replaced by --pace, --pace-after, --pace-for, or off", () => {
  const pacing = (...args: string[]) => {
    const parsed = parseArgs(args);
    assert.ok(parsed.ok, args.join(" "));
    return pacingOf(parsed.options);
  };
  assert.deepEqual(pacing(), { rate: { bitrate: 1.25 }, after: { seconds: 4 }, for: "media-elements" });
  assert.deepEqual(pacing("--pace-after", "10s"), {
    rate: { bitrate: 1.25 },
    after: { seconds: 10 },
    for: "media-elements",
  });
  assert.deepEqual(pacing("--pace", "500000"), { rate: 500000, after: 0, for: "media-elements" });
  assert.deepEqual(pacing("--pace", "2x", "--pace-for", "all"), {
    rate: { bitrate: 2 },
    after: 0,
    for: "all",
  });
  assert.equal(pacing("--pace", "off"), null);
  assert.equal(parseArgs(["--pace-for", "downloads"]).ok, false);
});
