// Internal: turns an async generator into a pull-based ReadableStream whose cancellation
// finishes the generator.

/**
 * Wraps `chunks` in a stream that pulls one chunk per read and calls `onEnd` once, after the
 * generator has finished (done, failed, or returned on cancel), so `onEnd` may release what the
 * generator reads from. A chunk is counted once the consumer reads past it (asks for the next
 * one, or the end): a chunk it still holds when it cancels is not counted, as the runtime's
 * server may not have sent it.
 */
export function streamFromGenerator(
  chunks: AsyncGenerator<Uint8Array, void, undefined>,
  onEnd: (bytes: number, aborted: boolean) => void,
): ReadableStream<Uint8Array> {
  let bytes = 0;
  let inFlight = 0;
  let ended = false;
  const end = (aborted: boolean) => {
    if (ended) return;
    ended = true;
    onEnd(bytes, aborted);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      bytes += inFlight;
      inFlight = 0;
      try {
        const next = await chunks.next();
        if (next.done) {
          end(false);
          controller.close();
        } else {
          inFlight = next.value.byteLength;
          controller.enqueue(next.value);
        }
      } catch (error) {
        end(true);
        controller.error(error);
      }
    },
    async cancel() {
      try {
        await chunks.return(undefined); // waits for a read in progress to settle
      } finally {
        end(true);
      }
    },
    // highWaterMark 0: pull only on a read, so a pull means the previous chunk was taken
  }, { highWaterMark: 0 });
}
