// Internal: delays the chunks of a body to follow a pace (see core/pacing.ts).

import { type Pace, paceDelayMs } from "../core/pacing.ts";

/** Splits chunks larger than this, so a paced body goes out smoothly rather than in bursts. */
const PACED_CHUNK_BYTES = 64 * 1024;

/**
 * Yields `chunks` no faster than `pace` allows, measured from the first pull; finishing this
 * generator (on cancel) finishes `chunks`.
 *
 * @param chunks The body's chunks.
 * @param pace The burst and rate.
 * @param now The clock, in milliseconds.
 * @returns The same bytes, in order, in chunks of at most 64 KiB.
 */
export async function* pacedChunks(
  chunks: AsyncGenerator<Uint8Array, void, undefined>,
  pace: Pace,
  now: () => number = () => performance.now(),
): AsyncGenerator<Uint8Array, void, undefined> {
  const started = now();
  let sent = 0;
  try {
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += PACED_CHUNK_BYTES) {
        const piece = chunk.subarray(at, at + PACED_CHUNK_BYTES);
        const wait = paceDelayMs(pace, sent + piece.length, now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        sent += piece.length;
        yield piece;
      }
    }
  } finally {
    await chunks.return();
  }
}
