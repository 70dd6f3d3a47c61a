/**
 * VP9's codec string, `vp09.PP.LL.DD` (the VP Codec ISO Media File Format Binding, §"Codecs
 * Parameter String"): profile, level and bit depth come from the CodecPrivate feature records
 * when the muxer wrote them, else from the first key frame's uncompressed header (VP9 bitstream
 * §6.2), with the level worked out from the picture size and frame rate.
 *
 * @module
 */

import { BitReader } from "../bit_reader.ts";

/** What a VP9 frame's uncompressed header tells. */
export interface Vp9FrameHeader {
  /** The profile, 0 to 3. */
  profile: number;
  /** Bits per sample (8, 10 or 12), `null` when the frame does not say (not a key frame). */
  bitDepth: number | null;
}

/** What a VP9 track is known by, for its codec string. */
export interface Vp9Facts {
  /** CodecPrivate, `null` when absent. */
  codecPrivate: Uint8Array | null;
  /** The first key frame's header, when it was read. */
  frame: Vp9FrameHeader | null;
  /** PixelWidth. */
  width?: number;
  /** PixelHeight. */
  height?: number;
  /** Frames per second, when known. */
  frameRate?: number;
  /** Bits per channel from the track's Colour. */
  bitsPerChannel?: number;
}

// CodecPrivate feature IDs (WebM's VP9 CodecPrivate: ID, length, value records).
const FEATURE_PROFILE = 1;
const FEATURE_LEVEL = 2;
const FEATURE_BIT_DEPTH = 3;

// The VP9 levels: [level × 10, max luma samples per second, max luma picture size, max breadth].
const LEVELS: readonly (readonly [number, number, number, number])[] = [
  [10, 829_440, 36_864, 512],
  [11, 2_764_800, 73_728, 768],
  [20, 4_608_000, 122_880, 960],
  [21, 9_216_000, 245_760, 1_344],
  [30, 20_736_000, 552_960, 2_048],
  [31, 36_864_000, 983_040, 2_752],
  [40, 83_558_400, 2_228_224, 4_160],
  [41, 160_432_128, 2_228_224, 4_160],
  [50, 311_951_360, 8_912_896, 8_384],
  [51, 588_251_136, 8_912_896, 8_384],
  [52, 1_176_502_272, 8_912_896, 8_384],
  [60, 1_176_502_272, 35_651_584, 16_832],
  [61, 2_353_004_544, 35_651_584, 16_832],
  [62, 4_706_009_088, 35_651_584, 16_832],
];
const LEVEL_VALUES = new Set(LEVELS.map(([level]) => level));

/** The codec string of a VP9 track, `"vp9"` when its profile, bit depth or level is unknown. */
export function vp9CodecString(facts: Vp9Facts): string {
  const features = facts.codecPrivate ? readFeatures(facts.codecPrivate) : new Map<number, number>();
  const profile = features.get(FEATURE_PROFILE) ?? facts.frame?.profile;
  if (profile === undefined || profile > 3) return "vp9";
  const bitDepth = features.get(FEATURE_BIT_DEPTH) ?? facts.frame?.bitDepth ?? facts.bitsPerChannel ??
    (profile < 2 ? 8 : undefined);
  if (bitDepth !== 8 && bitDepth !== 10 && bitDepth !== 12) return "vp9";
  const written = features.get(FEATURE_LEVEL);
  const level = written !== undefined && LEVEL_VALUES.has(written) ? written : levelFor(facts);
  if (level === null) return "vp9";
  return `vp09.${pad2(profile)}.${pad2(level)}.${pad2(bitDepth)}`;
}

/** The lowest level whose limits the picture size and sample rate fit, `null` without a size. */
export function levelFor(facts: Pick<Vp9Facts, "width" | "height" | "frameRate">): number | null {
  const { width = 0, height = 0, frameRate } = facts;
  if (width <= 0 || height <= 0) return null;
  const pictureSize = width * height;
  const sampleRate = frameRate !== undefined && frameRate > 0 ? pictureSize * frameRate : 0;
  for (const [level, maxSampleRate, maxPictureSize, maxBreadth] of LEVELS) {
    if (
      pictureSize <= maxPictureSize && Math.max(width, height) <= maxBreadth && sampleRate <= maxSampleRate
    ) {
      return level;
    }
  }
  return LEVELS[LEVELS.length - 1][0];
}

/** The CodecPrivate feature records, ID → value; a record cut short ends the list. */
function readFeatures(bytes: Uint8Array): Map<number, number> {
  const features = new Map<number, number>();
  let at = 0;
  while (at + 2 <= bytes.length) {
    const id = bytes[at];
    const length = bytes[at + 1];
    if (at + 2 + length > bytes.length) break;
    if (length === 1) features.set(id, bytes[at + 2]);
    at += 2 + length;
  }
  return features;
}

const FRAME_MARKER = 2;
const SYNC_CODE = [0x49, 0x83, 0x42];

/**
 * Reads the start of a VP9 frame's uncompressed header (VP9 bitstream §6.2): the profile, and
 * for a key frame the bit depth. `null` when `frame` is not a VP9 frame.
 */
export function parseVp9FrameHeader(frame: Uint8Array): Vp9FrameHeader | null {
  const bits = new BitReader(frame);
  if (bits.read(2) !== FRAME_MARKER) return null;
  const low = bits.read(1);
  const profile = (bits.read(1) << 1) | low;
  if (profile === 3 && bits.read(1) !== 0) return null;
  if (bits.read(1) === 1) return { profile, bitDepth: null }; // show_existing_frame
  const keyFrame = bits.read(1) === 0;
  bits.read(2); // show_frame, error_resilient_mode
  if (!keyFrame) return { profile, bitDepth: profile < 2 ? 8 : null };
  if (!SYNC_CODE.every((byte) => bits.read(8) === byte)) return null;
  const bitDepth = profile >= 2 ? (bits.read(1) === 1 ? 12 : 10) : 8;
  return bits.overrun ? null : { profile, bitDepth };
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}
