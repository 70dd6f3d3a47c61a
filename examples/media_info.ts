/**
 * What is inside a media file, read from its index alone: duration, tracks with their RFC 6381
 * codecs, whether it starts fast; and, for an MP4 and a span, the size of the clip
 * `GET /stream?path=…&start=…&end=…` would answer.
 *
 * Run: `deno run -A examples/media_info.ts FILE [START END]` or `bun examples/media_info.ts …`
 *
 * @module
 */
import { formatDuration, openFileSource, planMp4Clip, readMediaIndex } from "@sage/stream/media";
import process from "node:process";

const [path, start, end] = process.argv.slice(2);
if (path === undefined) {
  console.error("usage: media_info FILE [START END]");
  process.exit(2);
}
const source = await openFileSource(path);
try {
  const result = await readMediaIndex(source);
  if (!result.ok) {
    console.log(`${path}: not understood (${result.reason}): ${result.message}`);
    process.exit(1);
  }
  const { index } = result;
  console.log(
    `${path}: ${index.container}, ${formatDuration(index.duration)}, ${
      Math.round(index.bitrate / 1000)
    } kbit/s`,
  );
  console.log(`  type: ${index.mimeType}`);
  console.log(`  fast start: ${index.fastStart ? "yes" : "no (the index is after the media data)"}`);
  for (const track of index.tracks) {
    const picture = track.width ? ` ${track.width}×${track.height}` : "";
    const sound = track.sampleRate ? ` ${track.sampleRate} Hz` : "";
    console.log(`  track ${track.id}: ${track.kind} ${track.codec}${picture}${sound}`);
  }
  console.log(`  key frames: ${index.keyFrames.length}`);
  if (start !== undefined && result.movie !== undefined) {
    const plan = planMp4Clip(result.movie, {
      start: Number(start),
      end: end === undefined ? undefined : Number(end),
    });
    console.log(
      plan.ok
        ? `  clip ${start}–${end ?? "end"} s: ${plan.size} bytes from ${plan.startTime} s, ${
          plan.duration.toFixed(2)
        } s long`
        : `  clip ${start}–${end ?? "end"} s: refused (${plan.reason}): ${plan.message}`,
    );
  }
} finally {
  await source.close();
}
