/**
 * sage-stream inside a Hono app on Deno: `serveStream` answers the media route, Hono the rest.
 *
 * Run: `deno run -A examples/hono_deno.ts` (MEDIA_ROOT and PORT from the environment).
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
app.get("/", (c) => c.text("Hello from Hono on Deno"));
app.on(["GET", "HEAD"], "/media/:name", (c) => {
  const name = c.req.param("name");
  // one path segment, a media extension, no dotfiles: nothing outside MEDIA_ROOT is reachable
  if (name.startsWith(".") || name.includes("/") || !contentTypeOf(name)) return c.notFound();
  return serveStream(c.req.raw, { path: join(MEDIA_ROOT, name) });
});

if (import.meta.main) {
  Deno.serve({
    hostname: "127.0.0.1",
    port: Number(process.env.PORT ?? 8000),
    onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}/`),
  }, app.fetch);
}
