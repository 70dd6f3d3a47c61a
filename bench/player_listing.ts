// The player page over a library of 10,000 files (100 folders × 100): the first request walks
// the root, later ones within listingTtlMs reuse the walk. Run with
//   deno run -A bench/player_listing.ts     or     bun bench/player_listing.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPlayerHandler } from "../src/player/player.ts";
import { tempDir } from "../tests/_fixtures.ts";
import { median } from "./lib/stats.ts";

const FOLDERS = 100;
const FILES_PER_FOLDER = 100;
const MAX_FILES = 20_000;
const CACHED_REQUESTS = 50;
const UNCACHED_REQUESTS = 5;

/** Fills `root` with FOLDERS folders of FILES_PER_FOLDER empty `.mp4` files. */
function makeLibrary(root: string): void {
  for (let d = 0; d < FOLDERS; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < FILES_PER_FOLDER; f++) writeFileSync(join(root, `d${d}`, `f${f}.mp4`), "");
  }
}

/** ms from the request to the page's last byte. */
async function timeRequest(handler: (req: Request) => Promise<Response>, path: string): Promise<number> {
  const start = performance.now();
  await (await handler(new Request(`http://bench.test${path}`))).text();
  return performance.now() - start;
}

async function timeRequests(
  handler: (req: Request) => Promise<Response>,
  paths: string[],
): Promise<number[]> {
  const times: number[] = [];
  for (const path of paths) times.push(await timeRequest(handler, path));
  return times;
}

const library = tempDir("sage-bench-library-");
try {
  makeLibrary(library.dir);
  const cached = createPlayerHandler({ root: library.dir, maxFiles: MAX_FILES });
  const first = await timeRequest(cached, "/");
  const pages = Array.from({ length: CACHED_REQUESTS }, (_, i) => `/?page=${1 + (i % FOLDERS)}`);
  const later = await timeRequests(cached, pages);
  const uncached = createPlayerHandler({ root: library.dir, maxFiles: MAX_FILES, listingTtlMs: 0 });
  const walks = await timeRequests(uncached, Array(UNCACHED_REQUESTS).fill("/"));
  console.log(
    `player page, 10,000 files: first ${first.toFixed(0)} ms, then median ${median(later).toFixed(2)} ms ` +
      `(cached walk); walking on every request: median ${median(walks).toFixed(0)} ms`,
  );
} finally {
  library.cleanup();
}
