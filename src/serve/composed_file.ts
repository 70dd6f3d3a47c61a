/**
 * An opened file seen through a {@linkcode ByteLayout}: bytes in memory followed by spans of the
 * file, served by `serveStream` like any file (ranges, `HEAD`, validators, multipart). A range
 * that falls inside one span is the runtime's own file body (sendfile on Bun); one that touches
 * the header streams through JavaScript.
 *
 * @module
 */

import { type ByteLayout, layoutParts } from "../core/byte_layout.ts";
import type { ByteRange } from "../core/range.ts";
import type { BodyDoneCallback, BodyOptions, FileSource, OpenFailure, OpenFile } from "../runtime/types.ts";
import type { FileStat } from "../core/file_stat.ts";
import { streamFromGenerator } from "./generator_stream.ts";

/** Chunk size for the file's parts of a range read through JavaScript. */
const READ_CHUNK_SIZE = 128 * 1024;

class ComposedFile implements OpenFile {
  readonly stat: FileStat;
  #file: OpenFile;
  #layout: ByteLayout;

  constructor(file: OpenFile, layout: ByteLayout) {
    this.#file = file;
    this.#layout = layout;
    this.stat = { ...file.stat, size: layout.size, variant: layout.variant };
  }

  body(range: ByteRange, onDone?: BodyDoneCallback, options?: BodyOptions): BodyInit {
    const parts = layoutParts(this.#layout, range);
    if (parts.length === 1 && parts[0].kind === "file") {
      return this.#file.body(parts[0].range, onDone, options);
    }
    return streamFromGenerator(this.read([range], READ_CHUNK_SIZE), (bytes, aborted) => {
      this.close();
      onDone?.(bytes, aborted);
    });
  }

  async *read(ranges: readonly ByteRange[], chunkSize: number): AsyncGenerator<Uint8Array, void, undefined> {
    for (const range of ranges) {
      for (const part of layoutParts(this.#layout, range)) {
        if (part.kind === "file") yield* this.#file.read([part.range], chunkSize);
        else {
          for (let at = 0; at < part.bytes.length; at += chunkSize) {
            yield part.bytes.subarray(at, at + chunkSize);
          }
        }
      }
    }
  }

  close(): void {
    this.#file.close();
  }

  beforeBody(length: number): Promise<void> | undefined {
    return this.#file.beforeBody?.(length);
  }
}

/**
 * Wraps an opened file so that its bytes are `layout`'s. The layout must fit the file (see
 * `layoutFits`); the file is closed with the wrapper.
 *
 * @param file The opened file the layout's pieces come from.
 * @param layout The bytes to serve.
 * @returns The file as the layout.
 */
export function composeFile(file: OpenFile, layout: ByteLayout): OpenFile {
  return new ComposedFile(file, layout);
}

/**
 * A file source whose files are seen through the layout `layoutFor` gives for each opened file
 * (`null`: the file as it is). What `layoutFor` refuses with a string becomes `"not-found"`,
 * so `serveStream` answers `404`; callers that need another status decide before serving.
 *
 * @param source The source that opens the real files.
 * @param layoutFor The layout of an opened file, or `null` to serve it as it is.
 * @returns The composed source (same length and range behaviour flags as `source`).
 */
export function composedSource(
  source: FileSource,
  layoutFor: (file: OpenFile) => Promise<ByteLayout | null>,
): FileSource {
  return {
    streamsKeepLength: source.streamsKeepLength,
    appliesRangeToFileBodies: source.appliesRangeToFileBodies,
    async open(path: string): Promise<OpenFile | OpenFailure> {
      const file = await source.open(path);
      if (typeof file === "string") return file;
      let layout: ByteLayout | null;
      try {
        layout = await layoutFor(file);
      } catch (error) {
        file.close();
        throw error;
      }
      return layout === null ? file : composeFile(file, layout);
    },
  };
}
