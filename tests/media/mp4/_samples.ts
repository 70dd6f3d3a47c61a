// Sample media made with ffmpeg (once, cached by path in the temporary directory), ffprobe and
// ffmpeg helpers, writing a plan's file, and byte sources over plans.
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runCommand } from "../../_process.ts";
import type { ByteSource } from "../../../src/media/types.ts";
import type { Mp4ClipPlan } from "../../../src/media/mp4/mod.ts";

const VIDEO = "-f lavfi -i testsrc2=size=320x240:rate=25";
const TINY_VIDEO = "-f lavfi -i testsrc2=size=64x48:rate=10";
const TONE = "-f lavfi -i sine=frequency=440:sample_rate=48000";
const H264 = "-c:v libx264 -pix_fmt yuv420p";

/** How each sample is made: ffmpeg arguments before the output path (none has a space inside). */
const RECIPES = {
  /** 12 s H.264 (B-frames, a key frame every 2 s) + AAC, moov first. */
  faststart: `${VIDEO} ${TONE} ${H264} -g 50 -bf 2 -c:a aac -t 12 -movflags +faststart`,
  /** The same, moov after mdat (ffmpeg's default). */
  moovEnd: `${VIDEO} ${TONE} ${H264} -g 50 -bf 2 -c:a aac -t 12`,
  /** 6 s H.264 without B-frames (no ctts) + AAC. */
  noBframes: `${VIDEO} ${TONE} ${H264} -g 50 -bf 0 -c:a aac -t 6 -movflags +faststart`,
  /** 8 s stereo AAC at 44.1 kHz, audio only. */
  audio: "-f lavfi -i sine=frequency=440:sample_rate=44100 -ac 2 -c:a aac -t 8",
  /** 4 s QuickTime file (H.264 + AAC). */
  mov: `${VIDEO} ${TONE} ${H264} -g 50 -bf 2 -c:a aac -t 4`,
  /** 1 s HEVC (hvc1) + AAC. */
  hevc: `${VIDEO} ${TONE} -c:v libx265 -tag:v hvc1 -x265-params log-level=error -t 1`,
  /** 1 s VP9 + Opus in MP4. */
  vp9: `${VIDEO} ${TONE} -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus -t 1`,
  /** 1 s AV1 + AAC. */
  av1: `${VIDEO} ${TONE} -c:v libsvtav1 -preset 12 -svtav1-params verbosity=0 -t 1`,
  /** 2 s tiny H.264 + AAC for fuzzing, moov first. */
  tiny: `${TINY_VIDEO} ${TONE} ${H264} -g 5 -bf 2 -c:a aac -b:a 16k -t 2 -movflags +faststart`,
  /** The tiny one with moov at the end. */
  tinyMoovEnd: `${TINY_VIDEO} ${TONE} ${H264} -g 5 -bf 2 -c:a aac -b:a 16k -t 2`,
} as const;

/** The samples there are. */
export type SampleName = keyof typeof RECIPES;

const EXTENSIONS: Partial<Record<SampleName, string>> = { audio: "m4a", mov: "mov" };

// Samples are kept between runs under a name that changes with their recipe; a file there is
// always whole, since it is written under a unique name and renamed.
const SAMPLE_DIR = join(tmpdir(), "sage-stream-mp4-samples");
const made = new Map<SampleName, Promise<string>>();

/** The path of sample `name`, made on first use. */
export function sample(name: SampleName): Promise<string> {
  let path = made.get(name);
  if (!path) {
    path = makeSample(name);
    made.set(name, path);
  }
  return path;
}

function recipeHash(name: SampleName): string {
  let hash = 0x811c9dc5;
  for (const char of RECIPES[name]) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

async function makeSample(name: SampleName): Promise<string> {
  const extension = EXTENSIONS[name] ?? "mp4";
  const path = join(SAMPLE_DIR, `${name}-${recipeHash(name)}.${extension}`);
  if (existsSync(path)) return path;
  mkdirSync(SAMPLE_DIR, { recursive: true });
  const partial = join(SAMPLE_DIR, `${name}-${process.pid}-${Date.now()}.partial.${extension}`);
  const result = await runCommand(
    "ffmpeg",
    ["-v", "error", "-nostdin", "-y", ...RECIPES[name].split(" "), partial],
    120_000,
  );
  if (result.code !== 0) throw new Error(`ffmpeg could not make ${name}: ${result.stderr}`);
  renameSync(partial, path);
  return path;
}

/** ffprobe's JSON for `path` (streams and format). */
export async function probe(path: string): Promise<ProbeResult> {
  const result = await runCommand("ffprobe", [
    "-v",
    "error",
    "-show_streams",
    "-show_format",
    "-of",
    "json",
    path,
  ]);
  if (result.code !== 0) throw new Error(`ffprobe failed on ${path}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The parts of ffprobe's output the tests read. */
export interface ProbeResult {
  format: { duration: string; start_time?: string };
  streams: Array<{
    codec_type: string;
    codec_name: string;
    profile?: string;
    level?: number;
    width?: number;
    height?: number;
    sample_rate?: string;
    channels?: number;
    start_time?: string;
    duration?: string;
  }>;
}

/** A video packet as ffprobe lists it. */
export interface ProbePacket {
  pts: number;
  pos: number;
  key: boolean;
}

/** The video packets of `path`, in file order. */
export async function videoPackets(path: string): Promise<ProbePacket[]> {
  const result = await runCommand("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "packet=pts_time,pos,flags",
    "-of",
    "json",
    path,
  ]);
  if (result.code !== 0) throw new Error(`ffprobe failed on ${path}: ${result.stderr}`);
  const packets: Array<{ pts_time: string; pos: string; flags: string }> = JSON.parse(result.stdout).packets;
  return packets.map((p) => ({ pts: Number(p.pts_time), pos: Number(p.pos), key: p.flags.startsWith("K") }));
}

/** What `ffmpeg` printed decoding every stream of `path` (empty when it decodes cleanly). */
export async function decodeErrors(path: string): Promise<string> {
  const result = await runCommand("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"]);
  return result.code === 0 ? result.stderr.trim() : `exit ${result.code}: ${result.stderr}`;
}

/** The per-frame MD5s of the decoded stream `map` (`0:v`, `0:a`) of `path`. */
export async function frameHashes(path: string, map = "0:v"): Promise<string[]> {
  const result = await runCommand("ffmpeg", [
    "-v",
    "error",
    "-nostdin",
    "-i",
    path,
    "-map",
    map,
    "-f",
    "framemd5",
    "-",
  ]);
  if (result.code !== 0) throw new Error(`ffmpeg failed on ${path}: ${result.stderr}`);
  return result.stdout.split("\n").filter((line) => line && !line.startsWith("#")).map((line) =>
    line.split(",").at(-1)!.trim()
  );
}

/** The MD5 of the decoded stream `map` of `path`. */
export async function streamHash(path: string, map: string): Promise<string> {
  const result = await runCommand("ffmpeg", [
    "-v",
    "error",
    "-nostdin",
    "-i",
    path,
    "-map",
    map,
    "-f",
    "md5",
    "-",
  ]);
  if (result.code !== 0) throw new Error(`ffmpeg failed on ${path}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Writes a plan's file to `out`: its header, then its pieces read from `original`. */
export function writePlan(plan: Mp4ClipPlan, original: string, out: string): void {
  const input = openSync(original, "r");
  const output = openSync(out, "w");
  try {
    writeSync(output, plan.header);
    for (const piece of plan.pieces) {
      const bytes = new Uint8Array(piece.length);
      if (readSync(input, bytes, 0, piece.length, piece.offset) !== piece.length) {
        throw new Error("short read");
      }
      writeSync(output, bytes);
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
}

/** A source that counts the bytes and reads made through it. */
export function countingSource(source: ByteSource): ByteSource & { bytesRead: number; reads: number } {
  const counted = {
    size: source.size,
    bytesRead: 0,
    reads: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const bytes = await source.read(offset, length);
      counted.bytesRead += bytes.length;
      counted.reads++;
      return bytes;
    },
  };
  return counted;
}

/** A source over the file a plan describes: its header, then its pieces read from `original`. */
export function planSource(plan: Mp4ClipPlan, original: ByteSource): ByteSource {
  const parts: Array<
    { at: number; length: number; read: (offset: number, length: number) => Promise<Uint8Array> }
  > = [];
  parts.push({
    at: 0,
    length: plan.header.length,
    read: (offset, length) => Promise.resolve(plan.header.subarray(offset, offset + length)),
  });
  let at = plan.header.length;
  for (const piece of plan.pieces) {
    parts.push({
      at,
      length: piece.length,
      read: (offset, length) => original.read(piece.offset + offset, length),
    });
    at += piece.length;
  }
  return {
    size: plan.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const end = Math.min(plan.size, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (const part of parts) {
        const from = Math.max(offset, part.at);
        const to = Math.min(end, part.at + part.length);
        if (to > from) out.set(await part.read(from - part.at, to - from), from - offset);
      }
      return out;
    },
  };
}
