/**
 * In-process cost of one `bytes=0-1` probe through each layer: `serveStream` alone, the stream
 * endpoint (`createStreamHandler`), and the CLI's app (`createApp`, as `--no-log --quiet`
 * builds it). No sockets: what each layer adds on top of the one below, in microseconds.
 *
 * Usage: `deno run -A bench/request_cost.ts` or `bun bench/request_cost.ts` [ROUNDS]
 *
 * @module
 */

import { createApp } from "../src/app/app.ts";
import { createStreamHandler } from "../src/endpoint/handler.ts";
import { serveStream } from "../src/serve/serve_stream.ts";
import { existsSync } from "node:fs";
import { DATA_DIR, ensureData } from "./lib/data.ts";

const ROUNDS = Number((globalThis as { process?: { argv: string[] } }).process?.argv[2] ?? 5);
const REQUESTS = 20_000;
const FILE = "1g.mp4";
const HEADERS = { range: "bytes=0-1", "sec-fetch-dest": "video", host: "127.0.0.1:8000" };

type Layer = { name: string; handle: (req: Request) => Promise<Response>; url: string };

async function consume(res: Response): Promise<void> {
  if (res.status !== 206) throw new Error(`Expected 206, got ${res.status}`);
  await res.arrayBuffer();
}

/** Microseconds per request for `layer`, over `REQUESTS` sequential requests. */
async function measure(layer: Layer): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    await consume(await layer.handle(new Request(layer.url, { headers: HEADERS })));
  }
  return ((performance.now() - started) * 1000) / REQUESTS;
}

async function main(): Promise<void> {
  if (!existsSync(`${DATA_DIR}/${FILE}`)) await ensureData();
  const layers: Layer[] = [
    {
      name: "serveStream",
      handle: (req) => serveStream(req, { path: `${DATA_DIR}/${FILE}` }),
      url: "http://127.0.0.1:8000/",
    },
    {
      name: "createStreamHandler",
      handle: createStreamHandler({ root: DATA_DIR }),
      url: `http://127.0.0.1:8000/stream?path=${FILE}`,
    },
    {
      name: "createApp (CLI)",
      handle: createApp({ root: DATA_DIR, allowedHosts: [] }),
      url: `http://127.0.0.1:8000/stream?path=${FILE}`,
    },
  ];
  const results = new Map<string, number[]>(layers.map((l) => [l.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const layer of layers) results.get(layer.name)!.push(await measure(layer));
  }
  const runtime = "Deno" in globalThis ? "deno" : "bun";
  console.log(`| layer (${runtime}) | µs per probe, median of ${ROUNDS} × ${REQUESTS} |`);
  console.log("| --- | ---: |");
  for (const [name, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`| ${name} | ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} |`);
  }
}

await main();
