/**
 * How the container readers refuse a file: a {@linkcode MediaFormatError} thrown inside a reader,
 * turned into `{ ok: false, reason, message }` at its entry point by {@linkcode readGuarded},
 * which also keeps the source's own I/O errors apart (they are rethrown, not blamed on the file).
 *
 * @module
 */

import type { ByteSource } from "./types.ts";

/** Why a file was not read: see `MediaIndexResult`. */
export type MediaFailureReason = "not-media" | "unsupported" | "malformed" | "too-large";

/** A reader's refusal, as its entry point returns it. */
export interface MediaFailure {
  /** Always `false`. */
  ok: false;
  /** Why the file was refused. */
  reason: MediaFailureReason;
  /** What was wrong, for logs. */
  message: string;
}

/**
 * Thrown inside a reader when the file is not what it should be; {@linkcode readGuarded} turns it
 * into `{ ok: false }`, so it never reaches a caller.
 */
export class MediaFormatError extends Error {
  /** Why the file was refused. */
  readonly reason: MediaFailureReason;

  /**
   * @param reason Why the file was refused.
   * @param message What was wrong, for logs.
   */
  constructor(reason: MediaFailureReason, message: string) {
    super(message);
    this.name = "MediaFormatError";
    this.reason = reason;
  }
}

/** Throws a `"malformed"` {@linkcode MediaFormatError} with `message`. */
export function malformed(message: string): never {
  throw new MediaFormatError("malformed", message);
}

/** Carries an error of the source through a reader, so it is rethrown as is. */
class SourceError extends Error {
  constructor(cause: unknown) {
    super("source read failed", { cause });
  }
}

/**
 * Runs a reader over `source`: what the file is refused for becomes `{ ok: false }`, an error of
 * the source itself is rethrown as it was, and a bug of ours on a strange file becomes
 * `"malformed"` ("unexpected error") rather than taking the caller down.
 *
 * @param source The file's bytes.
 * @param read The reader, given a source whose errors are told apart from the file's.
 * @returns What the reader returned, or the refusal.
 * @throws What `source.read` throws.
 */
export async function readGuarded<T>(
  source: ByteSource,
  read: (guarded: ByteSource) => Promise<T>,
): Promise<T | MediaFailure> {
  const guarded: ByteSource = {
    size: source.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      try {
        return await source.read(offset, length);
      } catch (error) {
        throw new SourceError(error);
      }
    },
  };
  try {
    return await read(guarded);
  } catch (error) {
    if (error instanceof SourceError) throw error.cause;
    if (error instanceof MediaFormatError) return { ok: false, reason: error.reason, message: error.message };
    return { ok: false, reason: "malformed", message: `unexpected error: ${String(error)}` };
  }
}
