/**
 * What a clip or fast-start plan is: a header written by us, then byte ranges of the original
 * file streamed as they are, so media bytes are never copied or held in memory.
 *
 * @module
 */

/** A byte range of the original file. */
export interface Mp4BytePiece {
  /** Offset of the first byte. */
  offset: number;
  /** Number of bytes. */
  length: number;
}

/**
 * A new file as a header plus ranges of the original. Its bytes are `header` followed by each
 * piece's bytes in order; the same movie and span always give the same plan, so an ETag can be
 * derived from the file's ETag and the span.
 */
export interface Mp4ClipPlan {
  /** Always `true`. */
  ok: true;
  /** The new file's first bytes: `ftyp`, the new `moov` and, for a clip, the `mdat` header. */
  header: Uint8Array;
  /** Ranges of the original file to send after `header`, in order. */
  pieces: Mp4BytePiece[];
  /** The new file's size: `header.length` plus the pieces' lengths. */
  size: number;
  /** The new file's duration in seconds. */
  duration: number;
  /** Where the new file starts on the original's timeline, in seconds (a key frame for a clip). */
  startTime: number;
}

/**
 * Why a plan could not be made.
 *
 * | reason           | meaning                                                | typical response |
 * | ---------------- | ------------------------------------------------------ | ---------------- |
 * | `"bad-span"`     | the span is not a span (NaN, negative, end ≤ start)    | `400`            |
 * | `"out-of-range"` | the span starts at or after the end of the movie       | `416`            |
 * | `"unsupported"`  | fragmented, encrypted, or laid out in a way not handled | the whole file   |
 */
export interface Mp4PlanFailure {
  /** Always `false`. */
  ok: false;
  /** Why. */
  reason: "out-of-range" | "bad-span" | "unsupported";
  /** What was wrong, for logs. */
  message: string;
}
