/**
 * Fast start for an MP4 whose `moov` follows its media: the same file with `ftyp` and `moov`
 * first, planned without touching media bytes. Only chunk offsets change (by the size of the
 * moved `moov`, switching to `co64` where they reach 2^32); every other byte is the original's.
 *
 * @module
 */

import { concatBytes } from "../../core/bytes.ts";
import type { Mp4Movie } from "./movie.ts";
import { findNode, writeMoov } from "./moov_writer.ts";
import type { Mp4BytePiece, Mp4ClipPlan, Mp4PlanFailure } from "./plan.ts";
import { clipPlan, planFailure } from "./plan_result.ts";

/**
 * Plans a fast-start copy of `movie`: `ftyp`, then a `moov` with its chunk offsets moved, then
 * every other byte of the original in order (the `mdat` boxes and whatever lies between them).
 *
 * @param movie The movie, from `readMp4Index`.
 * @returns The plan; `null` when the file is fast start already; a failure for a layout not
 * handled (fragmented, or encryption offsets that would need moving too).
 *
 * @example Usage
 * ```ts
 * import { openFileSource, planMp4FastStart, readMp4Index } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const source = await openFileSource("samples/sample.mp4");
 * try {
 *   const result = await readMp4Index(source);
 *   assert.ok(result.ok);
 *   // sample.mp4 has its moov first already: there is nothing to do
 *   assert.equal(planMp4FastStart(result.movie), null);
 * } finally {
 *   await source.close();
 * }
 * ```
 */
export function planMp4FastStart(movie: Mp4Movie): Mp4ClipPlan | Mp4PlanFailure | null {
  if (movie.fastStart) return null;
  const pieces = remainingPieces(movie);
  const refused = unsupported(movie, pieces);
  if (refused) return refused;
  const ftyp = movie.ftyp?.bytes ?? new Uint8Array(0);
  const moov = writeMoov(movie, {
    tracks: movie.tracks.map((track) => ({ boxes: new Map(), samples: track.samples })),
  }, (moovSize) => placeAfter(pieces, ftyp.length + moovSize));
  const sent = pieces.map(({ offset, length }) => ({ offset, length }));
  return clipPlan(concatBytes([ftyp, moov]), sent, movie.duration / movie.timescale, 0);
}

function unsupported(movie: Mp4Movie, pieces: readonly PlacedPiece[]): Mp4PlanFailure | null {
  if (movie.fragmented) return planFailure("unsupported", "Cannot move the moov of a fragmented MP4");
  // Encryption's saio offsets point into the file too, and are not moved here.
  if (movie.tracks.some((track) => findNode(track.box, ["mdia", "minf", "stbl", "saio"]))) {
    return planFailure("unsupported", "Cannot move the moov of an MP4 with sample auxiliary offsets (saio)");
  }
  const outside = movie.tracks.find((track) =>
    !track.samples.chunkOffsets.every((o) => pieceAt(pieces, o) >= 0)
  );
  if (outside) {
    return planFailure(
      "unsupported",
      `Cannot move the moov: track ${outside.id} has chunks outside the media`,
    );
  }
  return null;
}

interface PlacedPiece extends Mp4BytePiece {
  /** Where the piece starts in the new file, past the header. */
  placed: number;
}

// Everything but ftyp and moov, in file order: the new file is ftyp + moov + these.
function remainingPieces(movie: Mp4Movie): PlacedPiece[] {
  const cuts = [movie.moov];
  if (movie.ftyp) cuts.push({ offset: movie.ftyp.offset, size: movie.ftyp.bytes.length });
  cuts.sort((a, b) => a.offset - b.offset).push({ offset: movie.fileSize, size: 0 });
  const pieces: PlacedPiece[] = [];
  let at = 0;
  let placed = 0;
  for (const cut of cuts) {
    if (cut.offset > at) {
      pieces.push({ offset: at, length: cut.offset - at, placed });
      placed += cut.offset - at;
    }
    at = Math.max(at, cut.offset + cut.size);
  }
  return pieces;
}

// The piece holding original offset `offset` (its end counts, for an empty chunk), or -1.
function pieceAt(pieces: readonly PlacedPiece[], offset: number): number {
  return pieces.findIndex((piece) => offset >= piece.offset && offset <= piece.offset + piece.length);
}

function placeAfter(pieces: readonly PlacedPiece[], headerSize: number): (offset: number) => number {
  return (offset) => {
    const piece = pieces[pieceAt(pieces, offset)];
    return headerSize + piece.placed + (offset - piece.offset);
  };
}
