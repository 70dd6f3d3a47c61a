/**
 * The one-command demo: serves the bundled sample clips with the player page, the stream
 * endpoint and the watch-log admin, the watch log in an embedded libSQL file.
 *
 * ```sh
 * npm install && npm run demo        # Deno (from npm)
 * npm run demo:bun                   # the same on Bun
 * ```
 *
 * Options: `--root DIR` (default: the samples), `--port N` (default 8000, 0 for any),
 * `--db URL` (default `file:demo-watch-log.db`), `--admin-token T` (default: a random one).
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { createApp } from "../src/app.ts";
import { runtime } from "../src/runtime/mod.ts";
import { createWatchLogger } from "../src/watch_log/mod.ts";

function flag(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i === -1) return fallback;
  return args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : args[i + 1] ?? fallback;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const root = flag("root", fileURLToPath(new URL("../samples", import.meta.url)));
const port = Number(flag("port", "8000"));
const db = flag("db", "file:demo-watch-log.db");
const adminToken = flag("admin-token", randomToken());

const watchLog = createWatchLogger({ url: db });
await watchLog.client(); // opens the database now, so a bad --db fails at start
const app = createApp({ root, watchLog, adminToken });
const listener = await runtime.listen({ hostname: "127.0.0.1", port, handler: app });
const base = `http://${listener.hostname}:${listener.port}`;
process.stdout.write(
  `sage-stream demo on ${runtime.name}, serving ${root}\n` +
    `Listening on ${base}/\n` +
    `  Player:  ${base}/\n` +
    `  Admin:   ${base}/admin/  (token: ${adminToken})\n` +
    `  API:     curl -H "Authorization: Bearer ${adminToken}" ${base}/admin/api/summary\n` +
    `  Watch log: ${db}. Press Ctrl+C to stop.\n`,
);

const stop = async () => {
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  await listener.close({ force: true });
  await watchLog.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
