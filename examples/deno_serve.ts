/**
 * sage-stream on `Deno.serve`: the `/stream?path=…` endpoint for a media directory, with the
 * watch log, and one fixed file at `/trailer`.
 *
 * Run: `deno run -A examples/deno_serve.ts` (MEDIA_ROOT, PORT and WATCH_LOG_URL from the
 * environment), then open `http://127.0.0.1:8000/stream?path=sample.webm`.
 *
 * @module
 */
import { createStreamHandler, serveStream } from "@sage/stream";
import { createWatchLogger } from "@sage/stream/watch-log";
import { join } from "node:path";

const MEDIA_ROOT = Deno.env.get("MEDIA_ROOT") ?? "./samples";
const watchLog = createWatchLogger({ url: Deno.env.get("WATCH_LOG_URL") ?? "file:watch-log.db" });
const stream = createStreamHandler({ root: MEDIA_ROOT, watchLog, cacheControl: "public, max-age=3600" });

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8000),
  onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}/`),
}, (req, info) => {
  const { pathname } = new URL(req.url);
  if (pathname === "/trailer") return serveStream(req, { path: join(MEDIA_ROOT, "sample.webm") });
  return stream(req, info); // answers /stream, 404 elsewhere
});

// A normal shutdown loses no watch-log event.
Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  await watchLog.close();
  Deno.exit(0);
});
