/**
 * A custom handler built on `serveStream`, the original package's "custom view" path: your own
 * URL scheme, your own authorization, your own catalogue of files.
 *
 * Run: `deno run -A examples/custom_handler.ts` or `bun examples/custom_handler.ts`
 * (MEDIA_ROOT, PORT and API_KEY from the environment).
 *
 * @module
 */
import { serveStream } from "@sage/stream";
import { join } from "node:path";
import process from "node:process";

const MEDIA_ROOT = process.env.MEDIA_ROOT ?? "./samples";
const API_KEY = process.env.API_KEY ?? "let-me-in";

/** The catalogue: public ids mapped to files. Clients never send a path. */
const CATALOGUE: Record<string, string> = {
  intro: "sample.webm",
  "intro-mp4": "sample.mp4",
};

/** Answers `GET /videos/<id>` for clients that send the right API key. */
export async function handler(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const id = /^\/videos\/([\w-]+)$/.exec(url.pathname)?.[1];
  if (!id || !Object.hasOwn(CATALOGUE, id)) return new Response("Not Found", { status: 404 });
  if (req.headers.get("x-api-key") !== API_KEY) {
    return new Response("Unauthorized", { status: 401, headers: { "www-authenticate": "X-Api-Key" } });
  }
  return await serveStream(req, {
    path: join(MEDIA_ROOT, CATALOGUE[id]),
    maxChunkSize: 2 * 1024 * 1024,
    cacheControl: "private, max-age=3600",
  });
}

// The same handler works with both runtimes' servers.
declare const Bun: {
  serve(o: { hostname: string; port: number; fetch: typeof handler }): { port: number };
};
if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8000);
  if ("Bun" in globalThis) {
    const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: handler });
    console.log(`Listening on http://127.0.0.1:${server.port}/`);
  } else {
    Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}/`),
    }, handler);
  }
}
