/**
 * The Bun adapter: bodies are `Bun.file(path).slice(start, end + 1)`, so `Bun.serve` sends
 * them from the kernel (sendfile) without copying through JavaScript.
 *
 * JavaScript therefore never sees the bytes go out, and Bun reports nothing when such a
 * response ends. What it does expose: the request's `signal` aborts when the client goes away
 * before the body was sent, and `server.requestIP(req)` turns `null` once Bun is done with the
 * request (sent, or cut off). A body's report waits for one of the two; see `watchResponse`.
 *
 * @module
 */

import { lstatSync, statSync } from "node:fs";
import { type FileHandle, open as openFile } from "node:fs/promises";
import type { ByteRange } from "../core/range.ts";
import type {
  BodyDoneCallback,
  BodyOptions,
  CloseOptions,
  FileStat,
  Listener,
  ListenOptions,
  OpenFailure,
  OpenFile,
  RuntimeAdapter,
} from "./types.ts";

// Small structural types instead of @types/bun, which clashes with Deno's types.
interface BunFileLike extends Blob {
  slice(start?: number, end?: number): BunFileLike;
}
interface BunServerLike {
  readonly port: number;
  readonly hostname: string;
  /** The client's address; `null` once the server is done with the request. */
  requestIP(req: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface BunLike {
  file(path: string): BunFileLike;
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout?: number;
    fetch(req: Request, server: BunServerLike): Response | Promise<Response>;
  }): BunServerLike;
}

/** Bodies longer than this are handed to Bun a tick after the request (see `beforeBody`). */
const LARGE_BODY = 64 * 1024;

/** How often watched responses are checked for having ended (one timer for all of them). */
const WATCH_INTERVAL_MS = 100;

/**
 * For a response whose server is unknown (served by a `Bun.serve` this adapter did not start),
 * nothing tells that it completed: it is taken as completed after a time estimated from its
 * length at this rate (a slow viewer's), unless its request's signal aborts first.
 */
const FALLBACK_BYTES_PER_SECOND = 1024 * 1024;
const FALLBACK_MIN_MS = 10_000;

const bun = (): BunLike => (globalThis as unknown as { Bun: BunLike }).Bun;

/** The server each request arrived on, for requests of servers started by `listen`. */
const serverOf = new WeakMap<Request, BunServerLike>();

/** A response being watched: `check` reports it and returns `true` once it has ended. */
type Watch = () => boolean;
const watched = new Set<Watch>();
let watchTimer: ReturnType<typeof setInterval> | undefined;

function checkWatched(): void {
  for (const check of watched) if (check()) watched.delete(check);
  if (watched.size === 0) {
    clearInterval(watchTimer);
    watchTimer = undefined;
  }
}

function startWatching(check: Watch): void {
  watched.add(check);
  if (watchTimer !== undefined) return;
  watchTimer = setInterval(checkWatched, WATCH_INTERVAL_MS);
  // never keeps the process alive, nor a server's stop() waiting
  (watchTimer as unknown as { unref?: () => void }).unref?.();
}

/** `null` once Bun is done with the request; `undefined` when that cannot be asked. */
function peerOf(server: BunServerLike, req: Request): { address: string } | null | undefined {
  try {
    return server.requestIP(req);
  } catch {
    return undefined; // e.g. the server was stopped
  }
}

/** A once-only report, also made when `signal` aborts; `settled` tells whether it was made. */
interface Settle {
  (bytes: number | null, aborted: boolean): void;
  readonly settled: boolean;
}

function settleOnce(signal: AbortSignal, onDone: BodyDoneCallback, cleanup: () => void): Settle {
  let settled = false;
  const onAbort = () => settle(null, true); // the client went away first: what it got is unknown
  const settle = (bytes: number | null, aborted: boolean) => {
    if (settled) return;
    settled = true;
    signal.removeEventListener("abort", onAbort);
    cleanup();
    onDone(bytes, aborted);
  };
  signal.addEventListener("abort", onAbort);
  return Object.defineProperty(settle, "settled", { get: () => settled }) as Settle;
}

/**
 * Reports a file body's end to `onDone` exactly once: `(null, true)` as soon as the request's
 * signal aborts, `(length, false)` once the server is done with the request without that (Bun
 * wrote it all to the socket). For a server not started by `listen`, only the abort can be
 * seen: without one, the body counts as completed, bytes unknown, after a fallback time.
 */
function watchResponse(req: Request | undefined, length: number, onDone: BodyDoneCallback): void {
  if (req === undefined) return onDone(null, false); // nothing to watch: completed, bytes unknown
  const { signal } = req;
  if (signal.aborted) return onDone(null, true);
  const server = serverOf.get(req);
  if (server !== undefined && peerOf(server, req)) {
    const settle = settleOnce(signal, onDone, () => {});
    startWatching(() => {
      const peer = settle.settled ? null : peerOf(server, req);
      // checked after the peer: Bun aborts the signal before it lets go of the request
      if (peer === undefined) settle(null, signal.aborted);
      else if (peer === null) settle(signal.aborted ? null : length, signal.aborted);
      return settle.settled;
    });
    return;
  }
  const wait = Math.max(FALLBACK_MIN_MS, (length / FALLBACK_BYTES_PER_SECOND) * 1000);
  const timer = setTimeout(() => settle(null, false), wait);
  (timer as unknown as { unref?: () => void }).unref?.();
  const settle = settleOnce(signal, onDone, () => clearTimeout(timer));
}

function failure(error: unknown): OpenFailure {
  const code = (error as { code?: string })?.code;
  return code === "EACCES" || code === "EPERM" ? "forbidden" : "not-found";
}

/**
 * The bytes of `range` in order, in chunks of at most `chunkSize` bytes, by positioned reads
 * of `handle`: the adapter's one loop over a byte range read through JavaScript.
 *
 * @throws {Error} When the file ends before the range does (it shrank after its length was
 * announced).
 */
async function* readRange(
  handle: FileHandle,
  range: ByteRange,
  chunkSize: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let position = range.start;
  while (position <= range.end) {
    const buffer = new Uint8Array(Math.min(range.end - position + 1, chunkSize));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) throw new Error("File ended before the announced length");
    position += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}

class BunFile implements OpenFile {
  readonly stat: FileStat;
  #path: string;

  constructor(path: string, stat: FileStat) {
    this.#path = path;
    this.stat = stat;
  }

  close(): void {
    // nothing is held open: Bun opens the file when it sends the body
  }

  beforeBody(length: number): Promise<void> | undefined {
    // Bun sends a large file body more slowly when it is answered in the request's own tick,
    // and a tiny one faster that way.
    return length > LARGE_BODY ? new Promise((resolve) => setImmediate(resolve)) : undefined;
  }

  body(range: ByteRange, onDone?: BodyDoneCallback, options?: BodyOptions): BodyInit {
    // Bun sends the slice itself (zero-copy): the report waits for Bun to be done with it,
    // except for a short body, which fits the socket's buffer at once (as on Deno's path for
    // short ranges) and is too cheap to answer to be worth watching.
    const length = range.end - range.start + 1;
    if (onDone && length <= LARGE_BODY) onDone(length, false);
    else if (onDone) watchResponse(options?.request, length, onDone);
    return bun().file(this.#path).slice(range.start, range.end + 1);
  }

  async *read(
    ranges: readonly ByteRange[],
    chunkSize: number,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    const handle = await openFile(this.#path, "r");
    try {
      for (const range of ranges) yield* readRange(handle, range, chunkSize);
    } finally {
      await handle.close();
    }
  }
}

/** The Bun runtime adapter. */
export const bunRuntime: RuntimeAdapter = {
  name: "bun",
  detect: () => "Bun" in globalThis,
  capabilities: {
    sendsFileBodiesFromKernel: true,
    countsDeliveredBytes: false,
    enforcesStallTimeout: false,
    reusesFileHandles: false,
  },
  files: {
    streamsKeepLength: false,
    appliesRangeToFileBodies: true,
    // deno-lint-ignore require-await
    async open(path: string): Promise<OpenFile | OpenFailure> {
      try {
        // synchronous, as nginx does: a stat takes microseconds, while the async one is a
        // round trip through a thread pool, which costs more than the stat itself
        const info = statSync(path);
        return new BunFile(path, {
          size: info.size,
          mtime: info.mtime,
          isFile: info.isFile(),
          dev: info.dev,
          ino: info.ino,
        });
      } catch (error) {
        return failure(error);
      }
    },
  },
  linkStat(path: string): FileStat | null {
    let info;
    try {
      info = lstatSync(path);
    } catch {
      return null; // missing, name too long, a file in the path, no permission …
    }
    return { size: info.size, mtime: info.mtime, isFile: info.isFile(), dev: info.dev, ino: info.ino };
  },
  clientAddress(req: Request, info: unknown): string | null {
    const server = info as BunServerLike | undefined;
    return typeof server?.requestIP === "function" ? server.requestIP(req)?.address ?? null : null;
  },
  listen(options: ListenOptions): Promise<Listener> {
    const { hostname, port, handler } = options;
    const server = bun().serve({
      hostname,
      port,
      // slow viewers pause reading for a while; Bun's 10 s default would cut them off
      idleTimeout: 120,
      fetch: (req, srv) => {
        serverOf.set(req, srv); // lets a file body's report learn when Bun is done with it
        return handler(req, srv);
      },
    });
    return Promise.resolve({
      hostname: server.hostname,
      port: server.port,
      close: (options?: CloseOptions) => server.stop(options?.force === true),
    });
  },
};
