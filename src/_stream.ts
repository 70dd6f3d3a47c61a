// Internal: turns an async generator into a pull-based ReadableStream whose cancellation
// finishes the generator (running its `finally`, which releases files).

/** Wraps `chunks` in a stream that pulls one chunk per read and reports when it ends. */
export function streamFromGenerator(
  chunks: AsyncGenerator<Uint8Array, void, undefined>,
  onEnd: (bytes: number, aborted: boolean) => void,
): ReadableStream<Uint8Array> {
  let bytes = 0;
  let ended = false;
  const end = (aborted: boolean) => {
    if (ended) return;
    ended = true;
    onEnd(bytes, aborted);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          end(false);
          controller.close();
        } else {
          bytes += next.value.byteLength;
          controller.enqueue(next.value);
        }
      } catch (error) {
        end(true);
        controller.error(error);
      }
    },
    async cancel() {
      end(true);
      await chunks.return(undefined);
    },
  }, { highWaterMark: 0 });
}
