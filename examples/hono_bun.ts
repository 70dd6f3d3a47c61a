/**
 * sage-stream inside a Hono app on Bun: `serveStream` answers the media route (sent with
 * Bun's zero-copy file path), Hono the rest.
 *
 * Run: `bun examples/hono_bun.ts` (MEDIA_ROOT and PORT from the environment).
 *
 * @module
 */
import { Hono } from "hono";
import { contentTypeOf, serveStream } from "@sage/stream";
import { join } from "node:path";
import process from "node:process";

const MEDIA_ROOT = process.env.MEDIA_ROOT ?? "./samples";

/** The Hono app: `/` says hello, `/media/:name` streams a media file from MEDIA_ROOT. */
export const app: Hono = new Hono();
app.get("/", (c) => c.text("Hello from Hono on Bun"));
app.on(["GET", "HEAD"], "/media/:name", (c) => {
  const name = c.req.param("name");
  // one path segment, a media extension, no dotfiles: nothing outside MEDIA_ROOT is reachable
  if (name.startsWith(".") || name.includes("/") || !contentTypeOf(name)) return c.notFound();
  return serveStream(c.req.raw, { path: join(MEDIA_ROOT, name) });
});

declare const Bun: {
  serve(o: { hostname: string; port: number; fetch: typeof app.fetch }): { port: number };
};
if (import.meta.main) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: Number(process.env.PORT ?? 8000),
    fetch: app.fetch,
  });
  console.log(`Listening on http://127.0.0.1:${server.port}/`);
}
