import { test } from "node:test";
import assert from "node:assert/strict";
import {
  aacCodecString,
  av1CodecString,
  avcCodecString,
  codecString,
  hevcCodecString,
} from "../../../src/media/webm/codecs.ts";
import { levelFor, parseVp9FrameHeader, vp9CodecString } from "../../../src/media/webm/vp9.ts";
import type { TrackEntry } from "../../../src/media/webm/tracks.ts";

const track = (codecId: string, extra: Partial<TrackEntry> = {}): TrackEntry => ({
  number: 1,
  type: 1,
  kind: "video",
  codecId,
  codecPrivate: null,
  ...extra,
});

test("codecString() names the codecs WebM and WebCodecs know by name", () => {
  assert.equal(codecString(track("V_VP8")), "vp8");
  assert.equal(codecString(track("A_OPUS")), "opus");
  assert.equal(codecString(track("A_VORBIS")), "vorbis");
  assert.equal(codecString(track("A_FLAC")), "flac");
  assert.equal(codecString(track("A_MPEG/L3")), "mp3");
  assert.equal(codecString(track("A_AC3")), "ac-3");
});

test("codecString() keeps a CodecID without an RFC 6381 form", () => {
  assert.equal(codecString(track("V_MPEG2")), "V_MPEG2");
  assert.equal(codecString(track("S_TEXT/UTF8")), "S_TEXT/UTF8");
  assert.equal(codecString(track("")), "");
});

test("avcCodecString() reads profile, constraints and level from avcC", () => {
  assert.equal(avcCodecString(Uint8Array.from([1, 0x64, 0x00, 0x1f, 0xff])), "avc1.64001f");
  assert.equal(avcCodecString(Uint8Array.from([1, 0x42, 0xc0, 0x0d])), "avc1.42c00d");
  assert.equal(avcCodecString(null), "avc1");
  assert.equal(avcCodecString(Uint8Array.from([1, 0x64])), "avc1");
  assert.equal(avcCodecString(Uint8Array.from([0, 0x64, 0, 0x1f])), "avc1");
});

test("hevcCodecString() writes profile, reversed compatibility flags, tier, level and constraints", () => {
  const hvcC = new Uint8Array(23);
  hvcC.set([1, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0, 0, 0, 0, 0, 93]);
  assert.equal(hevcCodecString(hvcC), "hvc1.1.6.L93.90");
  // Main 10, high tier, profile space 1, two constraint bytes.
  hvcC.set([1, 0x62, 0x20, 0x00, 0x00, 0x00, 0xb0, 0x01, 0, 0, 0, 0, 153]);
  assert.equal(hevcCodecString(hvcC), "hvc1.A2.4.H153.B0.1");
  assert.equal(hevcCodecString(hvcC.subarray(0, 10)), "hvc1");
});

test("av1CodecString() reads profile, level, tier and bit depth from av1C", () => {
  assert.equal(av1CodecString(Uint8Array.from([0x81, 0x08, 0x0c, 0x00])), "av01.0.08M.08");
  assert.equal(av1CodecString(Uint8Array.from([0x81, 0x0d, 0xc0, 0x00])), "av01.0.13H.10");
  assert.equal(av1CodecString(Uint8Array.from([0x81, 0x48, 0x60, 0x00])), "av01.2.08M.12");
  assert.equal(av1CodecString(Uint8Array.from([0x81, 0x48, 0x40, 0x00])), "av01.2.08M.10");
  assert.equal(av1CodecString(null), "av01");
  assert.equal(av1CodecString(Uint8Array.from([0x01, 0x08, 0x0c, 0x00])), "av01");
});

test("aacCodecString() reads the object type from the AudioSpecificConfig or the old CodecIDs", () => {
  assert.equal(aacCodecString("A_AAC", Uint8Array.from([0x11, 0x90])), "mp4a.40.2");
  assert.equal(aacCodecString("A_AAC", Uint8Array.from([0x2b, 0x92, 0x08, 0x00])), "mp4a.40.5");
  // Object type 31 escapes to 32 + the next 6 bits.
  assert.equal(aacCodecString("A_AAC", Uint8Array.from([0xf8, 0x20])), "mp4a.40.33");
  assert.equal(aacCodecString("A_AAC/MPEG4/LC/SBR", null), "mp4a.40.5");
  assert.equal(aacCodecString("A_AAC/MPEG2/MAIN", null), "mp4a.40.1");
  assert.equal(aacCodecString("A_AAC", null), "mp4a.40.2");
  assert.equal(codecString(track("A_AAC", { codecPrivate: Uint8Array.from([0x12, 0x10]) })), "mp4a.40.2");
});

test("vp9CodecString() prefers CodecPrivate feature records", () => {
  const records = Uint8Array.from([1, 1, 2, 2, 1, 31, 3, 1, 10, 4, 1, 1]);
  assert.equal(vp9CodecString({ codecPrivate: records, frame: null }), "vp09.02.31.10");
  // An unknown level value is worked out from the picture instead.
  const badLevel = Uint8Array.from([1, 1, 0, 2, 1, 99, 3, 1, 8]);
  assert.equal(
    vp9CodecString({ codecPrivate: badLevel, frame: null, width: 1920, height: 1080 }),
    "vp09.00.40.08",
  );
});

test("vp9CodecString() falls back on the frame header and the picture, else vp9", () => {
  const frame = { profile: 0, bitDepth: 8 };
  assert.equal(
    vp9CodecString({ codecPrivate: null, frame, width: 320, height: 240, frameRate: 25 }),
    "vp09.00.20.08",
  );
  assert.equal(vp9CodecString({ codecPrivate: null, frame: null, width: 320, height: 240 }), "vp9");
  assert.equal(vp9CodecString({ codecPrivate: null, frame }), "vp9");
  assert.equal(
    vp9CodecString({ codecPrivate: null, frame: { profile: 2, bitDepth: null }, width: 64, height: 64 }),
    "vp9",
  );
  assert.equal(
    vp9CodecString({
      codecPrivate: null,
      frame: { profile: 2, bitDepth: null },
      width: 64,
      height: 64,
      bitsPerChannel: 10,
    }),
    "vp09.02.10.10",
  );
});

test("levelFor() picks the lowest VP9 level the picture size and sample rate fit", () => {
  assert.equal(levelFor({ width: 256, height: 144, frameRate: 20 }), 10);
  assert.equal(levelFor({ width: 256, height: 144, frameRate: 30 }), 11);
  assert.equal(levelFor({ width: 1280, height: 720, frameRate: 30 }), 31);
  assert.equal(levelFor({ width: 1920, height: 1080, frameRate: 30 }), 40);
  assert.equal(levelFor({ width: 1920, height: 1080, frameRate: 60 }), 41);
  assert.equal(levelFor({ width: 3840, height: 2160, frameRate: 30 }), 50);
  assert.equal(levelFor({ width: 3840, height: 2160, frameRate: 60 }), 51);
  assert.equal(levelFor({ width: 100_000, height: 100_000 }), 62);
  assert.equal(levelFor({ width: 0, height: 100 }), null);
});

test("parseVp9FrameHeader() reads profile and bit depth of key frames", () => {
  // frame_marker 2, profile 0, show_existing 0, key frame, show_frame 1, error_res 0, sync code.
  assert.deepEqual(parseVp9FrameHeader(Uint8Array.from([0x82, 0x49, 0x83, 0x42, 0x00])), {
    profile: 0,
    bitDepth: 8,
  });
  // Profile 2 (low 0, high 1), ten_or_twelve_bit 1 → 12 bits.
  assert.deepEqual(parseVp9FrameHeader(Uint8Array.from([0x92, 0x49, 0x83, 0x42, 0x80])), {
    profile: 2,
    bitDepth: 12,
  });
  assert.deepEqual(parseVp9FrameHeader(Uint8Array.from([0x92, 0x49, 0x83, 0x42, 0x00])), {
    profile: 2,
    bitDepth: 10,
  });
  // Profile 1 inter frame.
  assert.deepEqual(parseVp9FrameHeader(Uint8Array.from([0xa6])), { profile: 1, bitDepth: 8 });
  assert.equal(parseVp9FrameHeader(Uint8Array.from([0x42, 0x49, 0x83, 0x42])), null);
  assert.equal(parseVp9FrameHeader(Uint8Array.from([0x82, 0x49, 0x00, 0x42])), null);
  assert.equal(parseVp9FrameHeader(Uint8Array.from([0x92, 0x49, 0x83, 0x42])), null);
  assert.equal(parseVp9FrameHeader(new Uint8Array(0)), null);
});
