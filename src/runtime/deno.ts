/**
 * The Deno adapter: `Deno.open` + seek + a readable bounded to the range.
 *
 * File operations are synchronous, as in nginx: on a local file system with the page cache
 * warm, open, fstat, seek and a 64 KiB read take microseconds, while each of Deno's async file
 * ops is a round trip through a blocking thread pool, which costs more than the op itself.
 *
 * Opening and closing a file is most of what a short range costs, so released handles stay
 * open for a moment, like nginx's `open_file_cache`, and the next request for the same path
 * takes one after a fresh `stat` of the path shows the same file (same device, inode and
 * change time). Size, dates and bytes therefore always come from the file as it is now: a
 * handle is only ever reused for the very inode the path names at that moment.
 *
 * @module
 */

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

/**
 * Bytes read per chunk of a body streamed through JavaScript. What a stalled connection holds
 * is bounded by Deno's server (its write buffer), not by the chunk, up to this size; larger
 * chunks raise it (see bench/RESULTS.md).
 */
const CHUNK_SIZE = 128 * 1024;
/** Bodies up to this length are read in one call and handed over as one buffer. */
const SHORT_BODY_LIMIT = 64 * 1024;

/** How long a released handle stays open for the next request of the same path. */
const IDLE_HANDLE_MS = 500;
/** Most idle handles kept per path, and in all. */
const MAX_IDLE_PER_PATH = 64;
const MAX_IDLE = 256;

/** A released handle and the identity of the file it was opened on. */
interface IdleHandle {
  file: Deno.FsFile;
  identity: string;
  since: number;
}

const idleHandles = new Map<string, IdleHandle[]>();
let idleCount = 0;
let sweepScheduled = false;

/** Device, inode and change time (which moves on writes, chmod and chown): `null` if unknown. */
function identityOf(info: Deno.FileInfo): string | null {
  if (!info.isFile || info.dev == null || info.ino == null || info.ctime == null) return null;
  return `${info.dev}:${info.ino}:${info.ctime.getTime()}`;
}

function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch {
    // already closed
  }
}

/** An idle handle on exactly the file `identity` names, or `null`; stale ones are closed. */
function takeIdleHandle(path: string, identity: string): Deno.FsFile | null {
  const list = idleHandles.get(path);
  if (list === undefined) return null;
  let found: Deno.FsFile | null = null;
  while (found === null && list.length > 0) {
    const handle = list.pop()!;
    idleCount--;
    if (handle.identity === identity) found = handle.file;
    else closeQuietly(handle.file); // the path names another file now, or it changed
  }
  if (list.length === 0) idleHandles.delete(path);
  return found;
}

function releaseHandle(path: string, identity: string, file: Deno.FsFile): void {
  let list = idleHandles.get(path);
  if (idleCount >= MAX_IDLE || (list !== undefined && list.length >= MAX_IDLE_PER_PATH)) {
    closeQuietly(file);
    return;
  }
  if (list === undefined) idleHandles.set(path, list = []);
  list.push({ file, identity, since: Date.now() });
  idleCount++;
  if (!sweepScheduled) scheduleSweep();
}

function scheduleSweep(): void {
  sweepScheduled = true;
  // unref'd: idle handles never keep the process alive
  Deno.unrefTimer(setTimeout(sweepIdleHandles, IDLE_HANDLE_MS / 2));
}

function sweepIdleHandles(): void {
  sweepScheduled = false;
  const now = Date.now();
  for (const [path, list] of idleHandles) {
    // oldest at the bottom of each stack
    let stale = 0;
    while (stale < list.length && now - list[stale].since >= IDLE_HANDLE_MS) closeQuietly(list[stale++].file);
    if (stale > 0) list.splice(0, stale);
    idleCount -= stale;
    if (list.length === 0) idleHandles.delete(path);
  }
  if (idleCount > 0) scheduleSweep();
}

function failure(error: unknown): OpenFailure {
  if (error instanceof Deno.errors.PermissionDenied) return "forbidden";
  if (error instanceof Deno.errors.NotCapable) return "forbidden";
  return "not-found"; // NotFound, NotADirectory, IsADirectory, name too long, loops …
}

/**
 * Reads one byte range of an open file in order, in chunks of `min(remaining, chunkSize)`
 * bytes, with synchronous reads: the one loop that short bodies, streamed bodies and `read`
 * share. It seeks to the range's start before its first chunk and owns the handle's position
 * from then until it has read the range.
 */
class RangeReader {
  readonly #file: Deno.FsFile;
  readonly #start: number;
  readonly #chunkSize: number;
  #remaining: number;
  #started = false;

  constructor(file: Deno.FsFile, range: ByteRange, chunkSize: number) {
    this.#file = file;
    this.#start = range.start;
    this.#chunkSize = chunkSize;
    this.#remaining = range.end - range.start + 1;
  }

  /** Bytes of the range not read yet. */
  get remaining(): number {
    return this.#remaining;
  }

  /**
   * The next chunk of the range, filled to `min(remaining, chunkSize)` bytes.
   *
   * @throws {Error} When the file ends before the range does (it shrank after its length was
   * announced), and whatever the seek or a read throws.
   */
  nextChunk(): Uint8Array<ArrayBuffer> {
    if (!this.#started) {
      this.#file.seekSync(this.#start, Deno.SeekMode.Start);
      this.#started = true;
    }
    const chunk = new Uint8Array(Math.min(this.#remaining, this.#chunkSize));
    let filled = 0;
    while (filled < chunk.length) {
      const n = this.#file.readSync(chunk.subarray(filled));
      if (n === null) throw new Error("File ended before the announced length");
      filled += n;
    }
    this.#remaining -= chunk.length;
    return chunk;
  }
}

/**
 * A streamed body's count of delivered bytes: a chunk counts once the consumer asks for the
 * next one. Deno.serve pulls only when it has passed the previous chunk on toward the socket,
 * so a chunk still held when the client goes away is not counted. Bytes in the kernel's socket
 * buffers cannot be seen from here.
 */
class DeliveredBytes {
  #counted = 0;
  #held = 0;

  /** Bytes the consumer has read past. */
  get count(): number {
    return this.#counted;
  }

  /** A chunk of `length` bytes was handed to the consumer. */
  handedOut(length: number): void {
    this.#held = length;
  }

  /** The consumer asked for another chunk: the one it held is on its way. */
  pulled(): void {
    this.#counted += this.#held;
    this.#held = 0;
  }
}

/**
 * Calls `onStall` once a body has gone `timeoutMs` without being pulled (`0`: never).
 * Deno.serve keeps a connection whose client stopped reading, with the chunks it pulled, for as
 * long as the client likes; a body that errors ends the response instead (Deno.serve closes
 * the connection once it has flushed what it holds). One timer per body, re-armed only when it
 * fires, and unref'd: a stalled body never keeps the process alive.
 */
class StallWatch {
  readonly #timeoutMs: number;
  readonly #onStall: () => void;
  #lastPull = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, onStall: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onStall = onStall;
  }

  start(): void {
    if (this.#timeoutMs > 0) this.#arm(this.#timeoutMs);
  }

  pulled(): void {
    this.#lastPull = Date.now();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(delayMs: number): void {
    const timer = setTimeout(() => this.#check(), delayMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #check(): void {
    const idleMs = Date.now() - this.#lastPull;
    if (idleMs < this.#timeoutMs) this.#arm(this.#timeoutMs - idleMs);
    else this.#onStall();
  }
}

/** How a streamed body ended. */
type BodyEnd = "completed" | "cancelled" | "stalled" | "failed";

/** What {@linkcode rangeStream} tells the file it reads. */
interface RangeStreamHooks {
  /** The last chunk was read: the file is no longer needed, though the report waits. */
  onLastRead(): void;
  /** The body ended: called exactly once, with the bytes delivered. */
  onEnd(delivered: number, end: BodyEnd): void;
}

/**
 * A body of `reader`'s range that reads a chunk only when the consumer pulls (high-water mark
 * `0`, which is what makes the delivered count honest), and that reports its end once: when
 * the consumer pulls past the last chunk, cancels, stalls, or a read fails.
 */
function rangeStream(
  reader: RangeReader,
  stallTimeoutMs: number,
  hooks: RangeStreamHooks,
): ReadableStream<Uint8Array> {
  const delivered = new DeliveredBytes();
  let stall: StallWatch | undefined;
  let ended = false;
  const end = (how: BodyEnd) => {
    if (ended) return;
    ended = true;
    stall?.stop();
    hooks.onEnd(delivered.count, how);
  };
  return new ReadableStream<Uint8Array>({
    start: (controller) => {
      stall = new StallWatch(stallTimeoutMs, () => {
        end("stalled");
        controller.error(new Error(`The client read nothing for ${stallTimeoutMs} ms`));
      });
      stall.start();
    },
    pull: (controller) => {
      stall?.pulled();
      delivered.pulled();
      if (reader.remaining === 0) {
        // closed one pull after the last chunk, so that chunk is counted like the others
        end("completed");
        controller.close();
        return;
      }
      let chunk: Uint8Array;
      try {
        chunk = reader.nextChunk();
      } catch (error) {
        end("failed");
        controller.error(error);
        return;
      }
      delivered.handedOut(chunk.length);
      if (reader.remaining === 0) hooks.onLastRead();
      controller.enqueue(chunk);
    },
    cancel: () => end("cancelled"),
  }, { highWaterMark: 0 });
}

class DenoFile implements OpenFile {
  #file: Deno.FsFile;
  #closed = false;
  #path: string;
  /** Set while the handle may be kept for the next request; cleared after a read failed. */
  #identity: string | null;
  readonly stat: FileStat;

  constructor(file: Deno.FsFile, info: Deno.FileInfo, path: string) {
    this.#file = file;
    this.#path = path;
    this.#identity = identityOf(info);
    this.stat = {
      size: info.size,
      mtime: info.mtime,
      isFile: info.isFile,
      dev: info.dev ?? null,
      ino: info.ino ?? null,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#identity !== null) releaseHandle(this.#path, this.#identity, this.#file);
    else closeQuietly(this.#file);
  }

  body(range: ByteRange, onDone?: BodyDoneCallback, options?: BodyOptions): BodyInit {
    const length = range.end - range.start + 1;
    const stallTimeoutMs = options?.stallTimeoutMs ?? 0;
    // A short range is one read into one buffer: what a stream would send as its single chunk,
    // without the stream (players probe with `bytes=0-1` before anything else).
    const whole = length <= SHORT_BODY_LIMIT ? this.#readWhole(range) : null;
    if (whole !== null) {
      this.close();
      onDone?.(length, false);
      return whole;
    }
    const unwatched = options?.countBytes === false && stallTimeoutMs === 0;
    if (unwatched && this.#runtimeMayRead(options?.request)) {
      const body = this.#runtimeBody(range);
      onDone?.(null, false);
      return body;
    }
    return rangeStream(new RangeReader(this.#file, range, CHUNK_SIZE), stallTimeoutMs, {
      onLastRead: () => this.close(),
      onEnd: (delivered, end) => {
        if (end === "failed") this.#identity = null; // a handle whose read failed is not reused
        this.close();
        onDone?.(delivered, end !== "completed");
      },
    });
  }

  /**
   * Whether Deno's server may read `range` from the file itself. Its file body reads on to the
   * end of the file, whatever the range. Over HTTP/1.1 the server sends no more than the
   * `Content-Length` and then drops the body (and the file); over HTTP/2 it would send the rest,
   * which the client takes for a broken stream (also for a range to the end of a file that
   * grows meanwhile). Deno gives HTTP/2 requests no `Host` header (`:authority` instead), while
   * HTTP/1.1 requests must carry one (RFC 9112 §3.2), so only requests with one qualify.
   */
  #runtimeMayRead(request: Request | undefined): boolean {
    return request !== undefined && request.headers.has("host");
  }

  /**
   * The file as Deno's resource-backed readable, positioned at the range: Deno's server reads
   * it in Rust and closes it when the response ends. The handle is Deno's from then on.
   */
  #runtimeBody(range: ByteRange): ReadableStream<Uint8Array> {
    this.#file.seekSync(range.start, Deno.SeekMode.Start);
    this.#closed = true; // not ours to close or keep any more
    return this.#file.readable;
  }

  /**
   * The bytes of a short range, or `null` when the file ended early or failed: the stream path
   * then reports that the way it reports it for long ranges.
   */
  #readWhole(range: ByteRange): Uint8Array<ArrayBuffer> | null {
    try {
      return new RangeReader(this.#file, range, range.end - range.start + 1).nextChunk();
    } catch {
      return null;
    }
  }

  async *read(
    ranges: readonly ByteRange[],
    chunkSize: number,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    for (const range of ranges) {
      const reader = new RangeReader(this.#file, range, chunkSize);
      while (reader.remaining > 0) yield reader.nextChunk();
    }
  }
}

/** A file for `path` from a handle kept for reuse, if the path still names that file; else `null`. */
function reopenIdle(path: string): DenoFile | OpenFailure | null {
  if (!idleHandles.has(path)) return null;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    return failure(error);
  }
  const identity = identityOf(info);
  const idle = identity === null ? null : takeIdleHandle(path, identity);
  return idle === null ? null : new DenoFile(idle, info, path);
}

function openFresh(path: string): DenoFile | OpenFailure {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    return failure(error);
  }
  try {
    return new DenoFile(file, file.statSync(), path);
  } catch (error) {
    file.close();
    return failure(error);
  }
}

/** The Deno runtime adapter. */
export const denoRuntime: RuntimeAdapter = {
  name: "deno",
  detect: () => "Deno" in globalThis,
  capabilities: {
    sendsFileBodiesFromKernel: false,
    countsDeliveredBytes: true,
    enforcesStallTimeout: true,
    reusesFileHandles: true,
  },
  files: {
    open(path: string): Promise<OpenFile | OpenFailure> {
      return Promise.resolve(reopenIdle(path) ?? openFresh(path));
    },
  },
  clientAddress(_req: Request, info: unknown): string | null {
    const addr = (info as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
    return addr?.hostname ?? null;
  },
  linkStat(path: string): FileStat | null {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch {
      return null;
    }
    return {
      size: info.size,
      mtime: info.mtime,
      isFile: info.isFile,
      dev: info.dev ?? null,
      ino: info.ino ?? null,
    };
  },
  listen(options: ListenOptions): Promise<Listener> {
    const { hostname, port, handler } = options;
    // shutdown() waits for every response; aborting the signal cancels connections at once
    const forced = new AbortController();
    return new Promise((resolve) => {
      const server = Deno.serve({
        hostname,
        port,
        signal: forced.signal,
        onListen: (addr) => {
          resolve({
            hostname: addr.hostname,
            port: addr.port,
            close: async (closeOptions?: CloseOptions) => {
              if (closeOptions?.force) {
                forced.abort();
                await server.finished;
              } else {
                await server.shutdown();
              }
            },
          });
        },
      }, (req, info) => handler(req, info));
    });
  },
};
