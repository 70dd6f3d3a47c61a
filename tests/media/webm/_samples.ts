// Matroska and WebM samples made with ffmpeg, each once per process on first use, in a temporary directory that
// is removed when the process exits; and what ffprobe says about them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** A sample file with its bytes and ffprobe's view of it. */
export interface Sample {
  name: string;
  path: string;
  bytes: Uint8Array;
  probe: Probe;
}

/** The part of `ffprobe -show_format -show_streams` the tests compare with. */
export interface Probe {
  format: { duration?: string };
  streams: ProbeStream[];
}

/** One stream as ffprobe reports it. */
export interface ProbeStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

/** The samples by name. */
export interface Samples {
  /** VP9 + Opus WebM, 10 s, key frame every 2 s, Cues at the end (ffmpeg's default). */
  vp9: Sample;
  /** The same with `-cues_to_front 1`. */
  vp9Front: Sample;
  /** VP8 + Vorbis WebM, 10 s. */
  vp8: Sample;
  /** Opus alone in WebM, 10 s. */
  opus: Sample;
  /** H.264 + AAC Matroska, 10 s, with CRC-32 elements (the matroska muxer's default). */
  h264: Sample;
  /** AV1 WebM, 2 s, key frame every second. */
  av1: Sample;
  /** VP9 + Opus WebM written to a pipe: Segment and Clusters of unknown size, no Cues. */
  live: Sample;
}

const VIDEO = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"];
const AUDIO = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"];
const VP9 = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "50"];

const RECIPES: Record<keyof Samples, { file: string; args: string[]; pipe?: boolean }> = {
  vp9: { file: "vp9.webm", args: [...VIDEO, ...AUDIO, ...VP9, "-c:a", "libopus", "-t", "10"] },
  vp9Front: {
    file: "vp9_front.webm",
    args: [...VIDEO, ...AUDIO, ...VP9, "-c:a", "libopus", "-t", "10", "-cues_to_front", "1"],
  },
  vp8: {
    file: "vp8.webm",
    args: [
      ...VIDEO,
      ...AUDIO,
      ...["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "50"],
      ...["-c:a", "libvorbis", "-t", "10"],
    ],
  },
  opus: { file: "opus.webm", args: [...AUDIO, "-c:a", "libopus", "-t", "10"] },
  h264: {
    file: "h264.mkv",
    args: [
      ...VIDEO,
      ...AUDIO,
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-g",
      "50",
      "-c:a",
      "aac",
      "-t",
      "10",
    ],
  },
  av1: {
    file: "av1.webm",
    args: [
      ...["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25"],
      ...["-c:v", "libsvtav1", "-preset", "12", "-g", "25", "-t", "2"],
    ],
  },
  live: {
    file: "live.webm",
    args: [...VIDEO, ...AUDIO, ...VP9, "-c:a", "libopus", "-t", "4", "-f", "webm"],
    pipe: true,
  },
};

let dir: string | null = null;
const made = new Map<keyof Samples, Sample>();

/** The sample `name`, made on first use. */
export function sampleFile(name: keyof Samples): Sample {
  let found = made.get(name);
  if (!found) {
    found = makeSample(name);
    made.set(name, found);
  }
  return found;
}

function sampleDir(): string {
  if (dir === null) {
    const created = mkdtempSync(join(tmpdir(), "sage-webm-"));
    const cleanup = () => rmSync(created, { recursive: true, force: true });
    // Bun runs "exit" listeners; Deno's test runner ends with the web "unload" event instead.
    process.on("exit", cleanup);
    globalThis.addEventListener?.("unload", cleanup);
    dir = created;
  }
  return dir;
}

function makeSample(name: keyof Samples): Sample {
  const recipe = RECIPES[name];
  const path = join(sampleDir(), recipe.file);
  const base = ["-hide_banner", "-loglevel", "error", "-y", ...recipe.args];
  if (recipe.pipe) {
    const out = execFileSync("ffmpeg", [...base, "pipe:1"], {
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 26,
    });
    writeFileSync(path, out);
  } else {
    execFileSync("ffmpeg", [...base, path], { stdio: "ignore" });
  }
  return { name, path, bytes: new Uint8Array(readFileSync(path)), probe: probe(path) };
}

function probe(path: string): Probe {
  const out = execFileSync("ffprobe", [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    path,
  ]);
  return JSON.parse(new TextDecoder().decode(out)) as Probe;
}

/** Presentation times of the key frames of the first stream of `sample`, per ffprobe. */
export function keyFrameTimes(sample: Sample): number[] {
  const out = execFileSync("ffprobe", [
    ...["-v", "error", "-select_streams", "0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"],
    sample.path,
  ]);
  return new TextDecoder().decode(out).trim().split("\n")
    .map((line) => line.split(","))
    .filter(([, flags]) => flags?.startsWith("K"))
    .map(([time]) => Number(time));
}

/** The first stream of `probe` of `type`. */
export function stream(probe: Probe, type: "video" | "audio"): ProbeStream {
  const found = probe.streams.find((s) => s.codec_type === type);
  if (!found) throw new Error(`no ${type} stream`);
  return found;
}
