/**
 * The watch log's writer thread: hosts one {@linkcode WriteEngine} and answers the logger's
 * messages (see `backend.ts`).
 *
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import { type EngineSettings, type FromWorker, sendError, type ToWorker } from "./backend.ts";
import { WriteEngine } from "./engine.ts";
import { createWatchLogQueries } from "./queries.ts";
import type { WatchLogQueries } from "./types.ts";

const port = parentPort!;
const settings = workerData as EngineSettings;
const send = (message: FromWorker): void => port.postMessage(message);

let statsQueued = false;
const engine: WriteEngine = new WriteEngine({
  ...settings,
  connection: { ...settings.connection, onNotice: (message) => send({ t: "notice", message }) },
  report: (error) => send({ t: "error", error: sendError(error) }),
  onChange: () => {
    if (statsQueued) return;
    statsQueued = true;
    setTimeout(() => {
      statsQueued = false;
      send({ t: "stats", stats: engine.stats() });
    }, 0);
  },
});

let queries: WatchLogQueries | null = null;

async function _run(m: Extract<ToWorker, { t: "call" }>): Promise<unknown> {
  switch (m.op) {
    case "flush":
      return await engine.flush();
    case "close":
      return await engine.close();
    case "writeNow":
      return await engine.writeNow(m.args![0] as never);
    case "query": {
      queries ??= createWatchLogQueries(await engine.readClient());
      return await (queries[m.name!] as (...a: unknown[]) => Promise<unknown>)(...m.args!);
    }
  }
}

port.on("message", async (m: ToWorker) => {
  if (m.t === "add") {
    engine.add(m.events);
    return;
  }
  try {
    const value = await _run(m);
    send({ t: "reply", id: m.id, ok: true, value, stats: engine.stats() });
  } catch (error) {
    if (m.op === "query") queries = null; // a failed read may leave a dead connection behind
    send({ t: "reply", id: m.id, ok: false, error: sendError(error), stats: engine.stats() });
  }
});
