// Real media clients against the endpoint: ffprobe reads the samples' metadata over HTTP and
// ffmpeg seeks near the end of each, which only works when ranges are answered exactly.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createStreamHandler } from "../../src/endpoint/handler.ts";
import { runtime } from "../../src/runtime/mod.ts";
import type { StreamEvent } from "../../src/serve/serve_stream.ts";
import { eventsSettled, tempDir } from "../_fixtures.ts";
import { runCommand } from "../_process.ts";

const SAMPLES = join(import.meta.dirname!, "..", "..", "samples");
const { dir, cleanup } = tempDir();
after(cleanup);

const run = runCommand;

// The shipped samples, and a 30 s MP4 with its index (moov) at the end, as encoders write it by
// default: ffprobe must fetch the end of the file first, and a seek cannot be read through.
const CASES = [
  { root: SAMPLES, name: "sample.mp4", duration: 8 },
  { root: SAMPLES, name: "sample.webm", duration: 8 },
  { root: dir, name: "long.mp4", duration: 30 },
];

test("ffmpeg makes a 30 s MP4 with its index at the end", { timeout: 60_000 }, async () => {
  const made = await run("ffmpeg", [
    ..."-v error -y -f lavfi -i testsrc2=size=320x180:rate=25 -t 30".split(" "),
    ..."-c:v libx264 -preset ultrafast -b:v 800k -pix_fmt yuv420p".split(" "),
    join(dir, "long.mp4"),
  ]);
  assert.equal(made.code, 0, made.stderr);
});

for (const { root, name, duration: expected } of CASES) {
  test(
    `ffprobe and ffmpeg read ${name} over HTTP and seek to its last second`,
    { timeout: 60_000 },
    async () => {
      const events: StreamEvent[] = [];
      const handler = createStreamHandler({ root, onServed: (e) => events.push(e) });
      const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler });
      try {
        const url = `http://127.0.0.1:${server.port}/stream?path=${name}`;
        const probe = await run("ffprobe", [
          "-v",
          "error",
          "-show_entries",
          "format=duration",
          "-of",
          "csv=p=0",
          url,
        ]);
        assert.equal(probe.code, 0, probe.stderr);
        const duration = Number(probe.stdout.trim());
        assert.ok(Math.abs(duration - expected) < 0.1, `duration ${duration}`);
        if (name === "long.mp4") {
          // the index is at the end: reading it took a range that does not start at 0
          await eventsSettled(events);
          assert.ok(
            events.some((e) => e.status === 206 && e.ranges[0].start > 0),
            "ffprobe fetched the moov box",
          );
        }

        events.length = 0;
        const seek = await run("ffmpeg", [
          "-v",
          "error",
          "-ss",
          String(duration - 1),
          "-i",
          url,
          "-frames:v",
          "1",
          "-f",
          "null",
          "-",
        ]);
        assert.equal(seek.code, 0, seek.stderr);
        assert.equal(seek.stderr.trim(), "", "no decoding errors");
        await eventsSettled(events);
        // every answer was a range (players never need the whole file in one response) …
        assert.ok(
          events.every((e) => e.status === 206),
          JSON.stringify(events.map((e) => [e.status, e.ranges])),
        );
        // … and for a file larger than ffmpeg's read-ahead, the seek was a new range near the end
        const size = events[0].size!;
        if (size > 1_000_000) {
          assert.ok(
            events.some((e) => e.ranges[0].start > size / 2),
            JSON.stringify(events.map((e) => e.ranges)),
          );
        }
      } finally {
        await server.close({ force: true });
      }
    },
  );
}
