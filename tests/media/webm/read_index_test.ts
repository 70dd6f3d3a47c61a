import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySource, openFileSource } from "../../../src/media/file_source.ts";
import type { ByteSource, MediaIndex } from "../../../src/media/types.ts";
import { type MatroskaInfo, readMatroskaIndex } from "../../../src/media/webm/mod.ts";
import { keyFrameTimes, type Sample, sampleFile, stream } from "./_samples.ts";

const CLUSTER_ID = [0x1f, 0x43, 0xb6, 0x75];
const CUES_ID = [0x1c, 0x53, 0xbb, 0x6b];

interface Counted {
  source: ByteSource;
  reads: number;
  bytes: number;
}

function counted(bytes: Uint8Array): Counted {
  const inner = memorySource(bytes);
  const stats: Counted = {
    reads: 0,
    bytes: 0,
    source: {
      size: inner.size,
      read(offset: number, length: number): Promise<Uint8Array> {
        stats.reads++;
        stats.bytes += length;
        return inner.read(offset, length);
      },
    },
  };
  return stats;
}

async function read(sample: Sample): Promise<{ index: MediaIndex; info: MatroskaInfo; stats: Counted }> {
  const stats = counted(sample.bytes);
  const result = await readMatroskaIndex(stats.source);
  assert.ok(result.ok, result.ok ? "" : `${sample.name}: ${result.reason}: ${result.message}`);
  return { index: result.index, info: result.info, stats };
}

function hasIdAt(bytes: Uint8Array, offset: number, id: number[]): boolean {
  return id.every((byte, i) => bytes[offset + i] === byte);
}

function assertDuration(index: MediaIndex, sample: Sample): void {
  const expected = Number(sample.probe.format.duration);
  assert.ok(Math.abs(index.duration - expected) < 0.05, `${sample.name}: ${index.duration} vs ${expected}`);
  assert.equal(index.bitrate, Math.round((sample.bytes.length * 8) / index.duration));
  for (const track of index.tracks) assert.equal(track.duration, index.duration);
}

function assertVideo(index: MediaIndex, sample: Sample, codecPrefix: string): void {
  const video = index.tracks.find((track) => track.kind === "video");
  const probed = stream(sample.probe, "video");
  assert.ok(video, `${sample.name}: no video track`);
  assert.ok(video.codec.startsWith(codecPrefix), `${sample.name}: ${video.codec}`);
  assert.equal(video.width, probed.width);
  assert.equal(video.height, probed.height);
}

function assertAudio(index: MediaIndex, sample: Sample, codecPrefix: string): void {
  const audio = index.tracks.find((track) => track.kind === "audio");
  const probed = stream(sample.probe, "audio");
  assert.ok(audio, `${sample.name}: no audio track`);
  assert.ok(audio.codec.startsWith(codecPrefix), `${sample.name}: ${audio.codec}`);
  assert.equal(audio.sampleRate, Number(probed.sample_rate));
  assert.equal(audio.channels, probed.channels);
}

// Key frames are the cue points of the video track: ffmpeg writes one per key frame, at its
// time, pointing at the Cluster the key frame opens.
function assertKeyFrames(index: MediaIndex, sample: Sample): void {
  const frames = index.keyFrames;
  assert.deepEqual(frames.map((frame) => frame.time), keyFrameTimes(sample), sample.name);
  for (let i = 0; i < frames.length; i++) {
    assert.ok(
      hasIdAt(sample.bytes, frames[i].offset, CLUSTER_ID),
      `${sample.name}: key frame ${i} is no Cluster`,
    );
    if (i > 0) assert.ok(frames[i].offset > frames[i - 1].offset && frames[i].time > frames[i - 1].time);
    assert.ok(frames[i].time <= index.duration);
  }
}

test("readMatroskaIndex() reads a VP9/Opus WebM as ffprobe does, from its headers and Cues", async () => {
  const sample = sampleFile("vp9");
  const { index, info, stats } = await read(sample);
  assert.equal(index.container, "webm");
  assertDuration(index, sample);
  assert.deepEqual(index.tracks.map((track) => [track.id, track.kind]), [[1, "video"], [2, "audio"]]);
  assertVideo(index, sample, "vp09.00.");
  assertAudio(index, sample, "opus");
  // 320x240 at 25 fps is VP9 level 2; ffmpeg writes no CodecPrivate, so the first frame tells
  // profile 0, 8 bits.
  assert.equal(index.tracks[0].codec, "vp09.00.20.08");
  assert.equal(stream(sample.probe, "video").profile, "Profile 0");
  assert.equal(index.mimeType, 'video/webm; codecs="vp09.00.20.08, opus"');
  assertKeyFrames(index, sample);
  assert.equal(index.keyFrames.length, 5); // 10 s, a key frame every 50 frames at 25 fps
  assert.ok(index.keyFrames[0].time < 0.05);
  assert.equal(info.timestampScale, 1_000_000);
  assert.ok(stats.bytes < 16 * 1024, `read ${stats.bytes} bytes`);
  assert.ok(stats.reads <= 4, `${stats.reads} reads`);
});

test("readMatroskaIndex() says fast start only when the Cues come before the first Cluster", async () => {
  const vp9 = sampleFile("vp9");
  const end = await read(vp9);
  assert.equal(end.index.fastStart, false);
  assert.ok(end.info.cuesOffset! > end.info.firstClusterOffset!);
  assert.ok(hasIdAt(vp9.bytes, end.info.cuesOffset!, CUES_ID));
  assert.ok(hasIdAt(vp9.bytes, end.info.firstClusterOffset!, CLUSTER_ID));
  assert.equal(end.info.mediaEnd, end.info.cuesOffset);

  const sample = sampleFile("vp9Front");
  const front = await read(sample);
  assert.equal(front.index.fastStart, true);
  assert.ok(front.info.cuesOffset! < front.info.firstClusterOffset!);
  assert.ok(hasIdAt(sample.bytes, front.info.cuesOffset!, CUES_ID));
  assert.ok(hasIdAt(sample.bytes, front.info.firstClusterOffset!, CLUSTER_ID));
  assert.equal(front.info.mediaEnd, sample.bytes.length);
  assertKeyFrames(front.index, sample);
  // Cues at the front and the first Cluster come in the first read.
  assert.equal(front.stats.reads, 1);
});

test("readMatroskaIndex() reads a VP8/Vorbis WebM", async () => {
  const sample = sampleFile("vp8");
  const { index, stats } = await read(sample);
  assertDuration(index, sample);
  assertVideo(index, sample, "vp8");
  assertAudio(index, sample, "vorbis");
  assert.equal(index.mimeType, 'video/webm; codecs="vp8, vorbis"');
  assertKeyFrames(index, sample);
  assert.equal(index.fastStart, false);
  assert.ok(stats.bytes < 16 * 1024, `read ${stats.bytes} bytes`);
});

test("readMatroskaIndex() reads an audio-only Opus WebM as audio/webm", async () => {
  const sample = sampleFile("opus");
  const { index } = await read(sample);
  assertDuration(index, sample);
  assertAudio(index, sample, "opus");
  assert.equal(index.tracks.length, 1);
  assert.equal(index.mimeType, 'audio/webm; codecs="opus"');
  // Without video the key frames are the audio track's cue points.
  assert.ok(index.keyFrames.length >= 2);
  assert.equal(index.keyFrames[0].time, 0);
  for (const frame of index.keyFrames) assert.ok(hasIdAt(sample.bytes, frame.offset, CLUSTER_ID));
});

test("readMatroskaIndex() reads an H.264/AAC Matroska file with CRC-32 elements", async () => {
  const sample = sampleFile("h264");
  const { index, stats } = await read(sample);
  assert.equal(index.container, "matroska");
  assertDuration(index, sample);
  assertVideo(index, sample, "avc1.");
  assertAudio(index, sample, "mp4a.40.2");
  const video = index.tracks[0];
  // avc1.PPCCLL: ffprobe's level is level_idc.
  assert.equal(parseInt(video.codec.slice(9, 11), 16), stream(sample.probe, "video").level);
  assert.equal(index.mimeType, `video/x-matroska; codecs="${video.codec}, mp4a.40.2"`);
  assertKeyFrames(index, sample);
  assert.ok(stats.bytes < 16 * 1024 && sample.bytes.length > 500_000, `read ${stats.bytes} bytes`);
});

test("readMatroskaIndex() reads an AV1 WebM's codec string from av1C", async () => {
  const sample = sampleFile("av1");
  const { index } = await read(sample);
  assertDuration(index, sample);
  assertVideo(index, sample, "av01.0.");
  assert.match(index.tracks[0].codec, /^av01\.0\.\d\d[MH]\.08$/);
  assertKeyFrames(index, sample);
});

test("readMatroskaIndex() reads live WebM (unknown sizes, no Cues) as far as its first Cluster", async () => {
  const sample = sampleFile("live");
  const { index, info, stats } = await read(sample);
  assert.equal(sample.bytes[info.segmentOffset + 4], 0x01); // an 8-byte unknown size
  assertVideo(index, sample, "vp09.");
  assertAudio(index, sample, "opus");
  assert.deepEqual(index.keyFrames, []);
  assert.equal(index.fastStart, true);
  assert.equal(info.cuesOffset, null);
  assert.ok(hasIdAt(sample.bytes, info.firstClusterOffset!, CLUSTER_ID));
  assert.deepEqual(info.seekPoints, []);
  assert.equal(stats.reads, 1);
});

test("readMatroskaIndex() without a SeekHead walks the Clusters' headers to the Cues", async () => {
  const sample = sampleFile("vp9");
  const { info: original, index: expected } = await read(sample);
  const bytes = sample.bytes.slice();
  voidOut(bytes, original.segmentDataOffset); // the SeekHead is the Segment's first child
  const stats = counted(bytes);
  const result = await readMatroskaIndex(stats.source);
  assert.ok(result.ok);
  assert.deepEqual(result.index, expected);
  assert.equal(result.info.cuesOffset, original.cuesOffset);
  // One small read per Cluster header (ffmpeg starts one every second or so), never their data.
  assert.ok(stats.bytes < 32 * 1024, `read ${stats.bytes} bytes`);
  assert.ok(stats.reads <= 16, `${stats.reads} reads`);
});

test("readMatroskaIndex() stops walking at the element limit and reads what it found", async () => {
  const sample = sampleFile("vp9");
  const { info } = await read(sample);
  const bytes = sample.bytes.slice();
  voidOut(bytes, info.segmentDataOffset);
  const result = await readMatroskaIndex(memorySource(bytes), { maxTopLevelElements: 6 });
  assert.ok(result.ok);
  assert.deepEqual(result.index.keyFrames, []);
  assert.equal(result.info.cuesOffset, null);
});

test("readMatroskaIndex() reads through a file source", async () => {
  const sample = sampleFile("vp9Front");
  const source = await openFileSource(sample.path);
  try {
    const result = await readMatroskaIndex(source);
    assert.ok(result.ok);
    assert.equal(result.index.keyFrames.length, 5);
  } finally {
    await source.close();
  }
});

/** Turns the element at `offset` into a Void element of the same length. */
function voidOut(bytes: Uint8Array, offset: number): void {
  // The element's header: a 4-byte ID and its size VINT.
  const sizeLength = Math.clz32(bytes[offset + 4]) - 23;
  let size = bytes[offset + 4] & (0xff >> sizeLength);
  for (let i = 1; i < sizeLength; i++) size = size * 256 + bytes[offset + 4 + i];
  const total = 4 + sizeLength + size;
  bytes[offset] = 0xec;
  bytes[offset + 1] = 0x01; // 8-byte size
  let rest = total - 9;
  for (let i = 8; i >= 2; i--) {
    bytes[offset + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}
