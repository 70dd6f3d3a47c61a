/**
 * The `viewers` workload: many raw connections that each ask for an open-ended range, read the
 * head, then read 16 KiB a second (viewers whose player buffer is full), while the server's
 * RSS is sampled.
 *
 * @module
 */

import { sleep } from "../../tests/_fixtures.ts";
import { BIG } from "./data.ts";
import { cpuSeconds, rssMiB } from "./proc.ts";
import { OPEN_CAP, type RunningServer } from "./servers.ts";
import { median } from "./stats.ts";

/** What the slow viewers cost a server. */
export interface ViewerSample {
  /** The server's name. */
  server: string;
  /** Viewers started. */
  viewers: number;
  /** Viewers answered 206. */
  connected: number;
  /** Viewers answered with a status that is not 2xx. */
  non2xx: number;
  /** Whether the run is void (any answer not 2xx): reported as such. */
  void: boolean;
  /** RSS before the viewers connect, in MiB. */
  rssBeforeMiB: number;
  /** The highest RSS sampled while they are connected. */
  rssPeakMiB: number;
  /** The median of the last second, with the viewers still connected. */
  rssDuringMiB: number;
  /** `(settled − before) / viewers`. */
  perViewerMiB: number;
  /** CPU seconds of the server's process tree while they were connected. */
  cpuSeconds: number;
  /** RSS every 250 ms, in MiB to one decimal. */
  rssSeries: number[];
}

const READ_BYTES = 16 * 1024;
const SAMPLE_EVERY_MS = 250;
/** Time for the server to settle before and after. */
const SETTLE_MS = 1000;
const AFTER_MS = 500;
/** The viewers stay a little longer than the sampling, so none leaves while RSS is read. */
const STAY_EXTRA_MS = 2000;

interface ViewerCounts {
  connected: number;
  non2xx: number;
}

/**
 * Connects `count` slow viewers to `server` for `holdSeconds` and samples its RSS meanwhile.
 *
 * @param server The running server.
 * @param count How many viewers.
 * @param holdSeconds How long they stay.
 * @returns The memory and CPU figures.
 */
export async function runViewers(
  server: RunningServer,
  count: number,
  holdSeconds: number,
): Promise<ViewerSample> {
  await sleep(SETTLE_MS);
  const rssBefore = rssMiB(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const conns: Deno.Conn[] = [];
  const counts: ViewerCounts = { connected: 0, non2xx: 0 };
  const stopAt = Date.now() + holdSeconds * 1000 + STAY_EXTRA_MS;
  const all = Array.from(
    { length: count },
    (_, i) => _viewer(server, i, { conns, counts, stopAt }).catch(() => {}),
  );
  // The peak includes the garbage of the first burst (until the runtime collects it); the
  // settled figure is the median of the last second, with the viewers still on.
  const rss: number[] = [];
  for (let t = 0; t < (holdSeconds * 1000) / SAMPLE_EVERY_MS; t++) {
    await sleep(SAMPLE_EVERY_MS);
    rss.push(rssMiB(server.pid));
  }
  const settled = median(rss.slice(-1000 / SAMPLE_EVERY_MS));
  const sample: ViewerSample = {
    server: server.spec.name,
    viewers: count,
    connected: counts.connected,
    non2xx: counts.non2xx,
    void: counts.non2xx > 0,
    rssBeforeMiB: rssBefore,
    rssPeakMiB: Math.max(...rss),
    rssDuringMiB: settled,
    perViewerMiB: (settled - rssBefore) / count,
    cpuSeconds: cpuSeconds(server.pid) - cpuBefore,
    rssSeries: rss.map((x) => Math.round(x * 10) / 10),
  };
  for (const conn of conns) {
    try {
      conn.close();
    } catch { /* closed */ }
  }
  await Promise.all(all);
  await sleep(AFTER_MS);
  return sample;
}

interface ViewerShared {
  conns: Deno.Conn[];
  counts: ViewerCounts;
  stopAt: number;
}

async function _viewer(server: RunningServer, i: number, shared: ViewerShared): Promise<void> {
  const port = Number(new URL(server.base).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  shared.conns.push(conn);
  // spread over the file, the same offsets for every server
  const start = Math.floor(((i * 7919) % 997) / 997 * (BIG.size - OPEN_CAP));
  const range = server.spec.closeOpen ? `bytes=${start}-${start + OPEN_CAP - 1}` : `bytes=${start}-`;
  // Host as a browser sends it (the CLI refuses hosts it does not serve); Sec-Fetch-Dest as a
  // <video> element sends it (our server caps open-ended ranges only for media elements).
  const head = `GET ${server.spec.path(BIG.name)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Range: ${range}\r\nSec-Fetch-Dest: video\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  const buffer = new Uint8Array(READ_BYTES);
  const n = await conn.read(buffer);
  const status = n === null ? "" : new TextDecoder().decode(buffer.subarray(0, 12));
  if (status === "HTTP/1.1 206") shared.counts.connected++;
  else if (/^HTTP\/1\.1 [^2]/.test(status)) shared.counts.non2xx++;
  while (Date.now() < shared.stopAt) {
    await sleep(1000);
    if ((await conn.read(buffer)) === null) return;
  }
}
