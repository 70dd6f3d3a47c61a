// Child process for multiprocess_test.ts: records COUNT events into the shared log, closes the
// logger and prints its stats as JSON. Args: URL INDEX COUNT BASE_MS [BUSY_TIMEOUT_MS]
import process from "node:process";
import { createWatchLogger } from "../../src/watch_log/logger.ts";
import { sleep } from "../_fixtures.ts";

const [url, indexArg, countArg, baseArg, busyArg = "20"] = process.argv.slice(2);
const index = Number(indexArg);
const count = Number(countArg);
const base = Number(baseArg);
const errors: string[] = [];

const logger = createWatchLogger({
  url,
  batchSize: 50,
  flushIntervalMs: 5,
  busyTimeoutMs: Number(busyArg),
  retryBaseMs: 5,
  retryMaxMs: 50,
  closeTimeoutMs: 60_000,
  identify: (req) => ({ userId: req.headers.get("x-user"), authenticated: true }),
  onError: (e) => errors.push(String(e)),
});

for (let i = 0; i < count; i++) {
  const shared = i % 2 === 0;
  const k = Math.floor(i / 2);
  logger.record({
    request: new Request("http://localhost/stream", {
      headers: { "x-user": shared ? "shared" : `p${index}` },
    }),
    path: shared ? "/shared.mp4" : `/own-${index}.mp4`,
    status: 206,
    size: 10 * (count / 2),
    ranges: [{ start: k * 10, end: k * 10 + 9 }],
    bytesPlanned: 10,
    bytesDelivered: 10,
    startedAt: new Date(base + i),
    durationMs: 1,
    aborted: false,
    clientAddress: "127.0.0.1",
  });
  if (i % 25 === 24) await sleep(1);
}
await logger.close();
console.log(
  JSON.stringify({
    stats: logger.stats(),
    errors: errors.length,
    dropErrors: errors.filter((e) => e.includes("dropped")),
  }),
);
