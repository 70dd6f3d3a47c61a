/**
 * Whether a media file streams well to browsers: its index comes first, and browsers can decode
 * its codecs. Pure: a judgement of an index.
 *
 * @module
 */

import type { MediaIndex } from "./types.ts";

/** Something that keeps a file from streaming well, and what to do about it. */
export interface StreamProblem {
  /** What kind of problem. */
  kind: "index-at-end" | "codec" | "not-understood";
  /** One sentence for a person. */
  message: string;
}

/** Codec families every current desktop browser (Chromium, Firefox, Safari) decodes. */
const EVERY_BROWSER: readonly string[] = ["avc1", "avc3", "vp8", "vp09", "av01", "opus", "mp3", "flac"];
/** Codec families some browsers decode, and which. */
const SOME_BROWSERS: Readonly<Record<string, string>> = {
  hvc1: "Safari and Edge, Chromium only with hardware support; not Firefox",
  hev1: "Safari and Edge, Chromium only with hardware support; not Firefox",
  vorbis: "Chromium and Firefox; not Safari",
  vp9: "Chromium and Firefox (WebM)",
  "ac-3": "Safari and Edge only",
  "ec-3": "Safari and Edge only",
};

/** `mp4a.40.2` and `mp4a.40.5` are AAC (every browser); `mp4a.6B`/`mp4a.69` MP3. */
function familyOf(codec: string): string {
  if (/^mp4a\.40\./i.test(codec)) return "aac";
  if (/^mp4a\.(6b|69)$/i.test(codec)) return "mp3";
  return codec.split(".")[0].toLowerCase();
}

/**
 * The problems of a file whose index is `index` for streaming to browsers: an MP4 index after
 * the media data (a player must ask for the end of the file before it can start), and codecs
 * that not every browser decodes.
 *
 * @param index The file's media index.
 * @returns The problems, none for a file that streams well.
 *
 * @example Usage
 * ```ts
 * import { streamProblems } from "@sage/stream/media";
 * import assert from "node:assert/strict";
 *
 * const problems = streamProblems({
 *   container: "mp4", duration: 10, bitrate: 1e6, fastStart: false, keyFrames: [], mimeType: "video/mp4",
 *   tracks: [{ id: 1, kind: "video", codec: "hvc1.1.6.L93.B0", duration: 10 }],
 * });
 * assert.deepEqual(problems.map((p) => p.kind), ["index-at-end", "codec"]);
 * ```
 */
export function streamProblems(index: MediaIndex): StreamProblem[] {
  const problems: StreamProblem[] = [];
  if (index.container === "mp4" && !index.fastStart) {
    problems.push({
      kind: "index-at-end",
      message: "the index (moov) is after the media data: players ask for the end of the file first; " +
        "serve it with fast start or remux it with `ffmpeg -i IN -c copy -movflags +faststart OUT`",
    });
  }
  for (const track of index.tracks) {
    if (track.kind !== "video" && track.kind !== "audio") continue;
    const family = familyOf(track.codec);
    if (family === "aac" || EVERY_BROWSER.includes(family)) continue;
    const some = SOME_BROWSERS[family];
    const name = track.codec || "an unknown codec";
    problems.push({
      kind: "codec",
      message: some === undefined
        ? `${track.kind} track ${track.id} is ${name}, which browsers do not play`
        : `${track.kind} track ${track.id} is ${name}, which plays in ${some}`,
    });
  }
  return problems;
}
