/**
 * Codec strings for Matroska tracks: RFC 6381 forms (`avc1.64001f`, `mp4a.40.2`, `av01.0.04M.08`)
 * worked out from CodecPrivate, and the names WebM and WebCodecs use (`vp8`, `opus`, `vorbis`).
 * A CodecID without such a form stays as it is.
 *
 * @module
 */

import type { TrackEntry } from "./tracks.ts";
import { vp9CodecString, type Vp9FrameHeader } from "./vp9.ts";

// CodecIDs whose codec string is a fixed name.
const FIXED_NAMES: ReadonlyMap<string, string> = new Map([
  ["V_VP8", "vp8"],
  ["V_THEORA", "theora"],
  ["A_OPUS", "opus"],
  ["A_VORBIS", "vorbis"],
  ["A_FLAC", "flac"],
  ["A_MPEG/L3", "mp3"],
  ["A_AC3", "ac-3"],
  ["A_EAC3", "ec-3"],
]);

// The object types of the old AAC CodecIDs, from before CodecPrivate held the AudioSpecificConfig.
const AAC_PROFILES: ReadonlyMap<string, number> = new Map([
  ["MAIN", 1],
  ["LC", 2],
  ["SSR", 3],
  ["LTP", 4],
  ["LC/SBR", 5],
]);

/**
 * The codec string of `track`; `vp9Frame` is the header of the track's first frame, which a VP9
 * track without CodecPrivate feature records needs for its profile and bit depth.
 */
export function codecString(track: TrackEntry, vp9Frame: Vp9FrameHeader | null = null): string {
  const fixed = FIXED_NAMES.get(track.codecId);
  if (fixed) return fixed;
  const data = track.codecPrivate;
  switch (track.codecId) {
    case "V_VP9":
      return vp9CodecString({ ...track, frame: vp9Frame, frameRate: frameRate(track) });
    case "V_AV1":
      return av1CodecString(data);
    case "V_MPEG4/ISO/AVC":
      return avcCodecString(data);
    case "V_MPEGH/ISO/HEVC":
      return hevcCodecString(data);
  }
  if (track.codecId.startsWith("A_AAC")) return aacCodecString(track.codecId, data);
  return track.codecId;
}

/** Frames per second from DefaultDuration (nanoseconds per frame). */
function frameRate(track: TrackEntry): number | undefined {
  return track.defaultDuration ? 1e9 / track.defaultDuration : undefined;
}

/**
 * `av01.P.LLT.DD` from the AV1CodecConfigurationRecord (`av1C`) in CodecPrivate (the AV1
 * ISOBMFF binding's configuration record and codecs parameter string).
 */
export function av1CodecString(av1C: Uint8Array | null): string {
  // marker (1 bit) must be set and version (7 bits) is 1.
  if (!av1C || av1C.length < 4 || av1C[0] !== 0x81) return "av01";
  const profile = av1C[1] >> 5;
  const level = av1C[1] & 0x1f;
  const tier = av1C[2] >> 7 ? "H" : "M";
  const highBitDepth = (av1C[2] >> 6) & 1;
  const twelveBit = (av1C[2] >> 5) & 1;
  const bitDepth = highBitDepth ? (profile === 2 && twelveBit ? 12 : 10) : 8;
  return `av01.${profile}.${pad2(level)}${tier}.${pad2(bitDepth)}`;
}

/** `avc1.PPCCLL` from the AVCDecoderConfigurationRecord (`avcC`) in CodecPrivate (RFC 6381 §3.3). */
export function avcCodecString(avcC: Uint8Array | null): string {
  if (!avcC || avcC.length < 4 || avcC[0] !== 1) return "avc1";
  return `avc1.${hex2(avcC[1])}${hex2(avcC[2])}${hex2(avcC[3])}`;
}

/**
 * `hvc1.…` from the HEVCDecoderConfigurationRecord (`hvcC`) in CodecPrivate (ISO/IEC 14496-15
 * Annex E): profile space and profile, compatibility flags bit-reversed, tier and level, then the
 * constraint bytes without trailing zeros. Matroska keeps the parameter sets in CodecPrivate,
 * which is what `hvc1` (rather than `hev1`) says.
 */
export function hevcCodecString(hvcC: Uint8Array | null): string {
  if (!hvcC || hvcC.length < 23 || hvcC[0] !== 1) return "hvc1";
  const space = ["", "A", "B", "C"][hvcC[1] >> 6];
  const tier = (hvcC[1] >> 5) & 1 ? "H" : "L";
  const profile = hvcC[1] & 0x1f;
  const compatibility = ((hvcC[2] << 24) | (hvcC[3] << 16) | (hvcC[4] << 8) | hvcC[5]) >>> 0;
  const constraints = [...hvcC.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [`hvc1`, `${space}${profile}`, hexUpper(reverseBits(compatibility)), `${tier}${hvcC[12]}`];
  return [...parts, ...constraints.map(hexUpper)].join(".");
}

/**
 * `mp4a.40.N` with N the audio object type of the AudioSpecificConfig in CodecPrivate
 * (ISO/IEC 14496-3 §1.6.2.1), or of the old profile CodecIDs (`A_AAC/MPEG4/LC`); AAC LC when
 * neither says.
 */
export function aacCodecString(codecId: string, config: Uint8Array | null): string {
  let objectType = 0;
  if (config && config.length >= 1) {
    objectType = config[0] >> 3;
    if (objectType === 31) {
      objectType = config.length >= 2 ? 32 + (((config[0] & 7) << 3) | (config[1] >> 5)) : 0;
    }
  }
  if (objectType === 0) objectType = AAC_PROFILES.get(codecId.split("/").slice(2).join("/")) ?? 2;
  return `mp4a.40.${objectType}`;
}

function reverseBits(value: number): number {
  let reversed = 0;
  for (let i = 0; i < 32; i++) reversed = ((reversed << 1) | ((value >>> i) & 1)) >>> 0;
  return reversed;
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, "0");
}

function hexUpper(value: number): string {
  return value.toString(16).toUpperCase();
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}
