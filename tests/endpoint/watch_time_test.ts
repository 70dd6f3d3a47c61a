// The stream endpoint hands the watch log the seconds each response covered (its default with
// a watch log), so viewings of media count in seconds; `mediaTime: false` keeps bytes only.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStreamHandler } from "../../src/endpoint/handler.ts";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { eventually, tempDir } from "../_fixtures.ts";

const media = tempDir("sage-endpoint-time-");
after(media.cleanup);
copyFileSync(
  fileURLToPath(new URL("../../samples/sample.mp4", import.meta.url)),
  join(media.dir, "sample.mp4"),
);

async function watchedThrough(mediaTime: boolean | undefined) {
  const logger = createWatchLogger({
    url: `file:${join(media.dir, `log-${mediaTime}.db`)}`,
    flushIntervalMs: 20,
  });
  const server = await runtime.listen({
    hostname: "127.0.0.1",
    port: 0,
    handler: createStreamHandler({ root: media.dir, watchLog: logger, mediaTime }),
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/stream?path=sample.mp4`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.ok(
      await eventually(async () => {
        await logger.flush();
        return (await logger.listViewings()).total === 1;
      }, 5000),
    );
    return (await logger.listViewings()).items[0];
  } finally {
    await server.close({ force: true });
    await logger.close();
  }
}

test("with a watch log, the endpoint's viewings of media count in seconds", async () => {
  const viewing = await watchedThrough(undefined);
  assert.ok(Math.abs(viewing.mediaDuration! - 8) < 0.1, `duration ${viewing.mediaDuration}`);
  assert.deepEqual(viewing.bufferedTime, [[0, viewing.mediaDuration]]);
  assert.ok(viewing.watchedSeconds! > 0 && viewing.watchedSeconds! <= 8);
});

test("mediaTime: false keeps the watch log in bytes", async () => {
  const viewing = await watchedThrough(false);
  assert.equal(viewing.mediaDuration, null);
  assert.equal(viewing.coveredBytes, viewing.fileSize);
});
