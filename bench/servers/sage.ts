/**
 * The bench's own server for this project: `runtime.listen` + `serveStream` on
 * `GET /stream?path=REL`, used until (or instead of) the real CLI. With `--db URL` it records
 * every response with the watch logger, when that module exists.
 *
 * Usage: `deno run -A bench/servers/sage.ts --root DIR [--port N] [--db URL]` (or `bun ...`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { serveStream, type StreamEvent } from "../../mod.ts";
import { runtime } from "../../src/runtime/mod.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", default: "bench/data" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    db: { type: "string" },
  },
});

let onServed: ((event: StreamEvent) => void) | undefined;
if (values.db) {
  const { createWatchLogger } = await import("../../src/watch_log/mod.ts");
  // deno-lint-ignore no-explicit-any
  const logger: any = await createWatchLogger({ url: values.db });
  onServed = (event) => logger.record(event);
}

const root = values.root!;
const listener = await runtime.listen({
  hostname: values.host!,
  port: Number(values.port),
  handler: (req, info) => {
    const url = new URL(req.url);
    const rel = url.searchParams.get("path");
    if (url.pathname !== "/stream" || !rel || rel.includes("..")) {
      return new Response("Not Found", { status: 404 });
    }
    return serveStream(req, {
      path: join(root, rel),
      onServed,
      clientAddress: runtime.clientAddress(req, info),
    });
  },
});
console.log(`Listening on http://${listener.hostname}:${listener.port}/`);
