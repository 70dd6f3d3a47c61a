// The player page over a library of 10,000 files (100 folders × 100): the first request walks
// the root, later ones within listingTtlMs reuse the walk. Run with
//   deno run -A bench/player_listing.ts     or     bun bench/player_listing.ts
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPlayerHandler } from "../src/player/player.ts";

const root = mkdtempSync(join(tmpdir(), "sage-bench-library-"));
for (let d = 0; d < 100; d++) {
  mkdirSync(join(root, `d${d}`));
  for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}.mp4`), "");
}
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
async function time(handler: (req: Request) => Promise<Response>, path: string): Promise<number> {
  const start = performance.now();
  await (await handler(new Request(`http://bench.test${path}`))).text();
  return performance.now() - start;
}

const cached = createPlayerHandler({ root, maxFiles: 20_000 });
const first = await time(cached, "/");
const later: number[] = [];
for (let i = 0; i < 50; i++) later.push(await time(cached, `/?page=${1 + (i % 100)}`));
const uncached = createPlayerHandler({ root, maxFiles: 20_000, listingTtlMs: 0 });
const walks: number[] = [];
for (let i = 0; i < 5; i++) walks.push(await time(uncached, "/"));
rmSync(root, { recursive: true, force: true });
console.log(
  `player page, 10,000 files: first ${first.toFixed(0)} ms, then median ${median(later).toFixed(2)} ms ` +
    `(cached walk); walking on every request: median ${median(walks).toFixed(0)} ms`,
);
