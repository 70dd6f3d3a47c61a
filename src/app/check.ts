/**
 * `sage-stream check DIR`: lists the media files under a directory that do not stream well
 * (an MP4 index at the end, codecs not every browser plays, files the index reader does not
 * understand), with what to do about each.
 *
 * @module
 */

import { createMediaIndexCache } from "../media/index_cache.ts";
import { mediaIndexOfPath } from "../media/describe.ts";
import { type StreamProblem, streamProblems } from "../media/streamability.ts";
import { listMediaFiles } from "../player/listing.ts";

/** One file's verdict. */
export interface CheckedFile {
  /** The path below the directory. */
  path: string;
  /** What keeps it from streaming well; empty when it streams well. */
  problems: StreamProblem[];
}

/** What {@linkcode checkMediaDirectory} found. */
export interface CheckReport {
  /** Every media file looked at, sorted by path. */
  files: CheckedFile[];
  /** Whether the walk stopped at a limit before it saw everything. */
  truncated: boolean;
}

/**
 * Reads the index of every audio and video file under `dir` (as the player lists them) and
 * judges how it streams.
 *
 * @param dir The media directory.
 * @returns Every file with its problems.
 *
 * @example Usage
 * ```ts
 * import { checkMediaDirectory } from "@sage/stream/app";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "media-"));
 * writeFileSync(join(dir, "broken.mp4"), "not a movie");
 * const report = await checkMediaDirectory(dir);
 * assert.equal(report.files[0].problems[0].kind, "not-understood");
 * ```
 */
export async function checkMediaDirectory(dir: string): Promise<CheckReport> {
  const listing = await listMediaFiles(dir, { maxFiles: 100_000, maxEntries: 1_000_000 });
  const cache = createMediaIndexCache({ maxEntries: 1 });
  const files: CheckedFile[] = [];
  for (const { path } of listing.files) {
    const index = await mediaIndexOfPath(`${dir}/${path}`, cache);
    const problems: StreamProblem[] = index === null
      ? [{ kind: "not-understood", message: "the file could not be opened" }]
      : index.ok
      ? streamProblems(index.index)
      : [{
        kind: "not-understood",
        message: `the index could not be read (${index.reason}): ${index.message}`,
      }];
    files.push({ path, problems });
  }
  return { files, truncated: listing.truncated };
}

/**
 * The report as the CLI prints it: one line per problem, then a count.
 *
 * @param report What {@linkcode checkMediaDirectory} found.
 * @returns The text, ending with a newline.
 */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const { path, problems } of report.files) {
    for (const problem of problems) lines.push(`${path}: ${problem.message}`);
  }
  const bad = report.files.filter((file) => file.problems.length > 0).length;
  const total = report.files.length;
  lines.push(
    `${total} media file${total === 1 ? "" : "s"}, ${bad} that do${bad === 1 ? "es" : ""} not stream well` +
      (report.truncated ? " (the walk stopped at its limit)" : ""),
  );
  return lines.join("\n") + "\n";
}
