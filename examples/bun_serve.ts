/**
 * sage-stream on `Bun.serve`: the `/stream?path=…` endpoint for a media directory, with the
 * watch log, and one fixed file at `/trailer`. Single ranges go out through Bun's zero-copy
 * file path.
 *
 * Run: `bun examples/bun_serve.ts` (MEDIA_ROOT, PORT and WATCH_LOG_URL from the environment),
 * then open `http://127.0.0.1:8000/stream?path=sample.webm`.
 *
 * @module
 */
import { createStreamHandler, serveStream } from "@sage/stream";
import { createWatchLogger } from "@sage/stream/watch-log";
import { join } from "node:path";
import process from "node:process";

const MEDIA_ROOT = process.env.MEDIA_ROOT ?? "./samples";
const watchLog = createWatchLogger({ url: process.env.WATCH_LOG_URL ?? "file:watch-log.db" });
const stream = createStreamHandler({ root: MEDIA_ROOT, watchLog, cacheControl: "public, max-age=3600" });

// A structural type instead of bun-types, which clash with Deno's.
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: Request, server: unknown): Response | Promise<Response>;
  }): { port: number; stop(closeActive?: boolean): Promise<void> };
};

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 8000),
  fetch(req, srv) {
    const { pathname } = new URL(req.url);
    if (pathname === "/trailer") return serveStream(req, { path: join(MEDIA_ROOT, "sample.webm") });
    return stream(req, srv); // the server lets the handler see the client's address
  },
});
console.log(`Listening on http://127.0.0.1:${server.port}/`);

// A normal shutdown loses no watch-log event.
process.on("SIGTERM", async () => {
  await server.stop(true);
  await watchLog.close();
  process.exit(0);
});
