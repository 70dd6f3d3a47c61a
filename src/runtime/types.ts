/**
 * The interface every runtime adapter implements. Nothing outside `src/runtime/` names `Deno`
 * or `Bun`; the rest of the module talks to a {@linkcode FileSource}.
 *
 * @module
 */

import type { FileStat } from "../core/file_stat.ts";
import type { ByteRange } from "../core/range.ts";

/** A file's metadata, as the runtime reports it for an opened file (declared in `src/core/`). */
export type { FileStat };

/**
 * Called exactly once when a response body is finished. `bytes` is how many bytes of it the
 * runtime is known to have taken from the body and written on toward the client (a chunk still
 * held by the runtime when the client went away is not counted), or `null` where the adapter
 * cannot tell: on Bun, which sends the file itself, it is the whole length only when the
 * response is known to have completed. `aborted` says whether the body ended early (the client
 * went away, stalled, or the file failed). Bytes still in socket buffers are not visible to
 * either runtime, so `bytes` is an upper bound on what the client received.
 */
export type BodyDoneCallback = (bytes: number | null, aborted: boolean) => void;

/** How a body produced by {@linkcode OpenFile.body} behaves. */
export interface BodyOptions {
  /**
   * Milliseconds a body may go without being read before it errors and its connection is
   * closed, where the adapter enforces it ({@linkcode RuntimeCapabilities.enforcesStallTimeout},
   * Deno); `0` never. Where the runtime's server sends the file (Bun), its own idle timeout
   * applies instead.
   *
   * @default {0}
   */
  stallTimeoutMs?: number;
  /**
   * The request the body answers. Where the runtime's server sends the file itself (Bun), the
   * adapter watches it (its `signal`, and the server that received it) to learn whether the
   * response completed or the client went away before reporting to `onDone`; without it, the
   * body is reported at once as completed with an unknown byte count.
   */
  request?: Request;
  /**
   * Whether `onDone` must get the bytes delivered, also for a body cut short (the caller logs
   * them). With `false`, and `stallTimeoutMs` `0`, an adapter may hand the file to the runtime's
   * own file body, which is faster and holds less per connection, but which JavaScript cannot
   * watch: Deno's server then reads the file itself (a resource-backed `FsFile.readable`), and
   * `onDone` gets `(null, false)` at once.
   *
   * @default {true}
   */
  countBytes?: boolean;
}

/** A file that was opened (or, on Bun, checked) and can produce bodies. */
export interface OpenFile {
  /** The metadata of the file that was opened. */
  readonly stat: FileStat;
  /**
   * A response body for one range. The body owns the file from then on: it is released when
   * the body ends, errors or is cancelled. Call at most once, and not after `close()`.
   */
  body(range: ByteRange, onDone?: BodyDoneCallback, options?: BodyOptions): BodyInit;
  /**
   * Reads the bytes of `ranges` in order, in chunks of at most `chunkSize` bytes, without
   * buffering a range whole. Does not release the file: the caller calls `close()`.
   */
  read(ranges: readonly ByteRange[], chunkSize: number): AsyncGenerator<Uint8Array, void, undefined>;
  /** Releases the file. Safe to call more than once. */
  close(): void;
  /**
   * Optional: a promise to await before a single-range body of `length` bytes is handed to the
   * runtime, or `undefined` to hand it over at once. Bun sends a large file body more slowly
   * when it is answered in the request's own tick.
   */
  beforeBody?(length: number): Promise<void> | undefined;
}

/** Why a file could not be opened. */
export type OpenFailure = "not-found" | "forbidden";

/** Opens files for streaming: the one thing that differs between runtimes. */
export interface FileSource {
  /** Opens `path` for reading, or says why it cannot. Never throws for missing files. */
  open(path: string): Promise<OpenFile | OpenFailure>;
  /**
   * Whether the runtime's server sends a `ReadableStream` body with the `Content-Length` the
   * response sets. Bun's drops it and sends the body chunked, so bodies read through JavaScript
   * (multipart, see `appliesRangeToFileBodies`) are handed over as one buffer when small.
   *
   * @default {true}
   */
  readonly streamsKeepLength?: boolean;
  /**
   * Whether the runtime's server applies the request's `Range` header itself to a file body
   * answered with `200`. Bun's does (with a lenient parser), which would turn a `200` that
   * ignores an invalid `Range` or a stale `If-Range` into a `206`; such bodies are then read
   * through JavaScript instead.
   *
   * @default {false}
   */
  readonly appliesRangeToFileBodies?: boolean;
}

/** A request handler as `Deno.serve` and `Bun.serve({ fetch })` take it: it may answer at once. */
export type RuntimeHandler = (req: Request, info?: unknown) => Response | Promise<Response>;

/** Options for {@linkcode Runtime.listen}. */
export interface ListenOptions {
  /** The address to listen on. */
  hostname: string;
  /** The port; `0` picks a free one. */
  port: number;
  /** The request handler. */
  handler: RuntimeHandler;
}

/** Options for {@linkcode Listener.close}. */
export interface CloseOptions {
  /**
   * Close connections with responses still being sent instead of waiting for them.
   *
   * @default {false}
   */
  force?: boolean;
}

/** A server started by {@linkcode Runtime.listen}. */
export interface Listener {
  /** The address it listens on. */
  readonly hostname: string;
  /** The port it listens on. */
  readonly port: number;
  /**
   * Stops accepting connections and waits for in-flight responses to end. With
   * `{ force: true }`, in-flight response bodies are cut off at once (their files released)
   * instead of waited for: a viewer's stream could otherwise keep the server up for hours.
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * What a runtime adapter can do, for callers and tests to check instead of the runtime's name.
 * Each flag states a behaviour the adapter guarantees when `true`; the contract suite
 * (`tests/runtime/contract_test.ts`) checks both sides of every flag.
 */
export interface RuntimeCapabilities {
  /**
   * Single-range file bodies go from the file to the socket inside the runtime's server
   * (sendfile), without passing through JavaScript. The adapter then holds no file handle
   * while such a body is sent, and cannot see a body being cancelled in-process.
   */
  readonly sendsFileBodiesFromKernel: boolean;
  /**
   * {@linkcode BodyDoneCallback}'s `bytes` is always a number for a body asked to count
   * ({@linkcode BodyOptions.countBytes}, the default): the exact count of bytes taken from the
   * body, also when it was cut short. When `false`, `bytes` is `null` whenever the
   * adapter could not see the bytes go out (a body cut short, or one given no `request`).
   */
  readonly countsDeliveredBytes: boolean;
  /**
   * {@linkcode BodyOptions.stallTimeoutMs} is enforced by the adapter. When `false`, the
   * runtime server's own idle timeout applies instead.
   */
  readonly enforcesStallTimeout: boolean;
  /**
   * A released file handle stays open for a moment and is reused by the next `open` of the
   * same, unchanged file (same device, inode and change time). Handles kept this way are
   * closed within a second of their release.
   */
  readonly reusesFileHandles: boolean;
}

/** What one runtime adapter provides. */
export interface Runtime {
  /** The runtime's name, e.g. `"deno"` or `"bun"`: for messages, never for branching. */
  readonly name: string;
  /** What this adapter can do. */
  readonly capabilities: RuntimeCapabilities;
  /** The file source used by default. */
  readonly files: FileSource;
  /** The client's IP address as the runtime saw it, from the handler's second argument. */
  clientAddress(req: Request, info: unknown): string | null;
  /**
   * The metadata of `path` itself, not following a final symbolic link (`lstat`): `isFile` is
   * `false` for a link. `null` when it does not exist or cannot be read. Synchronous, like the
   * adapters' file calls: it takes microseconds, a trip through a thread pool more.
   */
  linkStat(path: string): FileStat | null;
  /** Starts an HTTP server. */
  listen(options: ListenOptions): Promise<Listener>;
}

/** A {@linkcode Runtime} that can tell whether this process runs on its runtime. */
export interface RuntimeAdapter extends Runtime {
  /**
   * Whether this process runs on the adapter's runtime: one check of a global, e.g.
   * `"Bun" in globalThis`. It must not touch anything else, so that every adapter can be
   * imported and asked on any runtime.
   */
  detect(): boolean;
}
