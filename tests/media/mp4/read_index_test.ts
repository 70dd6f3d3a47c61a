import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { memorySource, openFileSource } from "../../../src/media/file_source.ts";
import { type Mp4Result, readMp4Index } from "../../../src/media/mp4/mod.ts";
import { countingSource, probe, sample, type SampleName, videoPackets } from "./_samples.ts";

async function indexOf(name: SampleName): Promise<Extract<Mp4Result, { ok: true }>> {
  const source = await openFileSource(await sample(name));
  try {
    const result = await readMp4Index(source);
    assert.ok(result.ok, result.ok ? "" : `${result.reason}: ${result.message}`);
    return result;
  } finally {
    await source.close();
  }
}

for (const name of ["faststart", "moovEnd", "noBframes", "mov"] as const) {
  test(`readMp4Index() on ${name} agrees with ffprobe`, { timeout: 60_000 }, async () => {
    const { index } = await indexOf(name);
    const probed = await probe(await sample(name));
    assert.equal(index.container, "mp4");
    assert.ok(Math.abs(index.duration - Number(probed.format.duration)) < 0.05, `${index.duration}`);
    const video = probed.streams.find((stream) => stream.codec_type === "video")!;
    const audio = probed.streams.find((stream) => stream.codec_type === "audio")!;
    const [videoTrack, audioTrack] = index.tracks;
    assert.equal(videoTrack.kind, "video");
    assert.equal(videoTrack.width, video.width);
    assert.equal(videoTrack.height, video.height);
    // High profile (0x64) at ffprobe's level, the constraint byte from avcC.
    assert.equal(video.profile, "High");
    assert.match(
      videoTrack.codec,
      new RegExp(`^avc1\\.64[0-9a-f]{2}${video.level!.toString(16).padStart(2, "0")}$`),
    );
    assert.equal(audioTrack.kind, "audio");
    assert.equal(audioTrack.codec, "mp4a.40.2");
    assert.equal(audioTrack.sampleRate, Number(audio.sample_rate));
    assert.equal(audioTrack.channels, audio.channels);
    assert.ok(videoTrack.bitrate! > 0 && audioTrack.bitrate! > 0);
    assert.equal(index.mimeType, `video/mp4; codecs="${videoTrack.codec}, mp4a.40.2"`);
    assert.equal(index.fastStart, name === "faststart" || name === "noBframes");
  });
}

test("readMp4Index() lists the key frames ffprobe flags, with their times and byte offsets", {
  timeout: 60_000,
}, async () => {
  for (const name of ["faststart", "moovEnd", "noBframes"] as const) {
    const { index } = await indexOf(name);
    const keys = (await videoPackets(await sample(name))).filter((packet) => packet.key);
    assert.equal(index.keyFrames.length, keys.length, name);
    index.keyFrames.forEach((frame, i) => {
      assert.ok(
        Math.abs(frame.time - keys[i].pts) < 0.001,
        `${name} key ${i}: ${frame.time} vs ${keys[i].pts}`,
      );
      assert.equal(frame.offset, keys[i].pos, `${name} key ${i} offset`);
    });
    // A 12 s (or 6 s) file with a key frame every 2 s.
    assert.deepEqual(index.keyFrames.map((frame) => frame.time), keys.map((_, i) => i * 2));
  }
});

test("readMp4Index() keeps ctts for B-frames and has none without them", { timeout: 60_000 }, async () => {
  const withB = await indexOf("faststart");
  const withoutB = await indexOf("noBframes");
  assert.ok(withB.movie.tracks[0].samples.compositionOffsets !== null);
  assert.equal(withoutB.movie.tracks[0].samples.compositionOffsets, null);
  // ffmpeg shifts B-frame video with an edit so that the first frame shows at 0.
  assert.ok(withB.movie.tracks[0].edits[0].mediaTime > 0);
});

test("readMp4Index() reads an audio-only m4a as audio/mp4 with a key frame per second", {
  timeout: 60_000,
}, async () => {
  const { index } = await indexOf("audio");
  const probed = await probe(await sample("audio"));
  assert.ok(Math.abs(index.duration - Number(probed.format.duration)) < 0.05);
  assert.equal(index.tracks.length, 1);
  assert.deepEqual(
    {
      kind: index.tracks[0].kind,
      sampleRate: index.tracks[0].sampleRate,
      channels: index.tracks[0].channels,
    },
    { kind: "audio", sampleRate: 44100, channels: 2 },
  );
  assert.equal(index.mimeType, 'audio/mp4; codecs="mp4a.40.2"');
  assert.equal(index.keyFrames[0].time, 0);
  assert.ok(index.keyFrames.length >= 8 && index.keyFrames.length <= 9, `${index.keyFrames.length}`);
  for (let i = 1; i < index.keyFrames.length; i++) {
    assert.ok(index.keyFrames[i].time - index.keyFrames[i - 1].time > 0.9);
  }
});

test("readMp4Index() writes RFC 6381 strings for HEVC, VP9, Opus and AV1", { timeout: 120_000 }, async () => {
  const hevc = await indexOf("hevc");
  // Main profile (1), compatibility flags 1 and 2 (6), main tier, ffprobe's level.
  const level = (await probe(await sample("hevc"))).streams[0].level;
  assert.match(hevc.index.tracks[0].codec, new RegExp(`^hvc1\\.1\\.6\\.L${level}(\\.[0-9A-F]{1,2})*$`));
  const vp9 = await indexOf("vp9");
  assert.match(vp9.index.tracks[0].codec, /^vp09\.00\.\d\d\.08$/);
  assert.equal(vp9.index.tracks[1].codec, "opus");
  assert.equal(vp9.index.tracks[1].sampleRate, 48000);
  assert.equal(vp9.index.tracks[1].channels, 1);
  const av1 = await indexOf("av1");
  assert.match(av1.index.tracks[0].codec, /^av01\.0\.\d\dM\.08$/);
  assert.ok(av1.index.mimeType.startsWith('video/mp4; codecs="av01.0.'));
});

test("readMp4Index() reads only the box headers and the moov, whatever the moov's place", {
  timeout: 60_000,
}, async () => {
  for (const name of ["faststart", "moovEnd"] as const) {
    const file = await openFileSource(await sample(name));
    try {
      const source = countingSource(file);
      const result = await readMp4Index(source);
      assert.ok(result.ok);
      const { moov } = result.movie;
      assert.ok(source.size > 20 * moov.size, "the mdat is much larger than the moov");
      assert.ok(
        source.bytesRead < moov.size + 256,
        `${name}: read ${source.bytesRead} for a moov of ${moov.size}`,
      );
      assert.ok(source.reads <= 8, `${name}: ${source.reads} reads`);
    } finally {
      await file.close();
    }
  }
});

test("readMp4Index() keeps the ftyp and the moov's place for rewriting", { timeout: 60_000 }, async () => {
  const bytes = readFileSync(await sample("moovEnd"));
  const { movie } = await indexOf("moovEnd");
  assert.equal(movie.ftyp?.offset, 0);
  assert.deepEqual(movie.ftyp?.bytes, new Uint8Array(bytes.subarray(0, movie.ftyp!.bytes.length)));
  assert.equal(movie.majorBrand, "isom");
  assert.equal(movie.moov.offset + movie.moov.size, bytes.length);
  assert.equal(String.fromCharCode(...bytes.subarray(movie.moov.offset + 4, movie.moov.offset + 8)), "moov");
  assert.deepEqual(movie.topLevel.map((box) => box.type), ["ftyp", "free", "mdat", "moov"]);
  assert.equal(movie.fragmented, false);
});

test("readMp4Index() answers not-media for files that are not ISO BMFF", async () => {
  const webm = Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81);
  for (
    const bytes of [
      new Uint8Array(0),
      new Uint8Array(7),
      new TextEncoder().encode("hello, world: this is not a movie"),
      webm,
      new Uint8Array(4096),
    ]
  ) {
    const result = await readMp4Index(memorySource(bytes));
    assert.deepEqual(result.ok ? "ok" : result.reason, "not-media", `${bytes.length} bytes`);
  }
});
