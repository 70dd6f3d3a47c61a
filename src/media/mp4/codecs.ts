/**
 * Sample descriptions (`stsd`, ISO/IEC 14496-12 §8.5.2) and the RFC 6381 codec strings derived
 * from their configuration boxes: `avcC`, `hvcC` (ISO/IEC 14496-15 Annex E), `esds`
 * (ISO/IEC 14496-1 §7.2.6), `vpcC`, `av1C`, `dOps`.
 *
 * @module
 */

import { ByteReader, malformed, Mp4FormatError } from "./byte_reader.ts";
import { boxBody, type BoxHeader, childBoxes, findBox } from "./boxes.ts";
import type { Mp4SampleEntry } from "./movie.ts";
import { BitReader } from "../bit_reader.ts";

/** The sample descriptions of a track: the first one read, and how many there are. */
export interface SampleDescriptions {
  /** The first entry. */
  entry: Mp4SampleEntry;
  /** Number of entries. */
  count: number;
}

const VISUAL_HEADER = 78; // VisualSampleEntry fields after the 8-byte box header
const AUDIO_HEADER = 28; // AudioSampleEntry fields after the box header (QuickTime version 0)
const QT_AUDIO_V1_EXTRA = 16;
const QT_AUDIO_V2_EXTRA = 36;
const PROTECTED = new Set(["encv", "enca", "enct", "encs"]);

/** Reads `stsd`'s payload (after its box header). */
export function readSampleDescriptions(body: Uint8Array, handler: string): SampleDescriptions {
  const reader = new ByteReader(body);
  reader.skip(4);
  const count = reader.u32();
  if (count < 1) malformed("stsd has no sample entry");
  reader.needEntries(count, 8, "stsd");
  const entries = childBoxes(body, reader.pos, body.length);
  if (entries.length < 1) malformed("stsd has no sample entry");
  return { entry: readSampleEntry(body, entries[0], handler), count };
}

// A description we cannot parse leaves the codec unknown; it does not make the file unreadable.
function readSampleEntry(bytes: Uint8Array, box: BoxHeader, handler: string): Mp4SampleEntry {
  const body = boxBody(bytes, box);
  const encrypted = PROTECTED.has(box.type);
  const basic = { type: box.type, codec: trimType(box.type), encrypted };
  try {
    if (handler === "vide") return visualEntry(body, box.type, encrypted);
    if (handler === "soun") return audioEntry(body, box.type, encrypted);
  } catch (error) {
    if (!(error instanceof Mp4FormatError)) throw error;
  }
  return basic;
}

function visualEntry(body: Uint8Array, type: string, encrypted: boolean): Mp4SampleEntry {
  const reader = new ByteReader(body);
  reader.need(VISUAL_HEADER, "visual sample entry");
  reader.skip(24);
  const width = reader.u16();
  const height = reader.u16();
  const children = childBoxes(body, VISUAL_HEADER, body.length);
  const format = encrypted ? originalFormat(body, children) ?? type : type;
  return { type, codec: visualCodec(format, body, children), width, height, encrypted };
}

function audioEntry(body: Uint8Array, type: string, encrypted: boolean): Mp4SampleEntry {
  const reader = new ByteReader(body);
  reader.need(AUDIO_HEADER, "audio sample entry");
  reader.skip(8);
  const version = reader.u16();
  reader.skip(6);
  let channels = reader.u16();
  reader.skip(6);
  let sampleRate = reader.u32() / 65536;
  let start = AUDIO_HEADER;
  if (version === 1) start += QT_AUDIO_V1_EXTRA;
  if (version === 2) {
    reader.need(QT_AUDIO_V2_EXTRA, "QuickTime sound description v2");
    reader.skip(4);
    sampleRate = new DataView(body.buffer, body.byteOffset + reader.pos, 8).getFloat64(0);
    reader.skip(8);
    channels = reader.u32();
    start += QT_AUDIO_V2_EXTRA;
  }
  const children = start <= body.length ? childBoxes(body, start, body.length) : [];
  const format = encrypted ? originalFormat(body, children) ?? type : type;
  const audio = audioCodec(format, body, children);
  return {
    type,
    codec: audio.codec,
    sampleRate: Number.isFinite(sampleRate) ? Math.round(sampleRate) : 0,
    channels: audio.channels ?? channels,
    encrypted,
  };
}

// A protected entry names its real format in sinf/frma.
function originalFormat(body: Uint8Array, children: BoxHeader[]): string | undefined {
  const sinf = findBox(children, "sinf");
  if (!sinf) return undefined;
  const frma = findBox(childBoxes(body, sinf.start + sinf.headerSize, sinf.start + sinf.size), "frma");
  if (!frma || frma.size < frma.headerSize + 4) return undefined;
  return new ByteReader(body, frma.start + frma.headerSize, frma.start + frma.size).fourcc();
}

function trimType(type: string): string {
  return type.replace(/[^\x21-\x7e]/g, "");
}

function child(body: Uint8Array, children: BoxHeader[], type: string): Uint8Array | undefined {
  const box = findBox(children, type);
  return box ? boxBody(body, box) : undefined;
}

function visualCodec(format: string, body: Uint8Array, children: BoxHeader[]): string {
  const config = (type: string) => child(body, children, type);
  switch (format) {
    case "avc1":
    case "avc2":
    case "avc3":
    case "avc4":
      return withConfig(format, config("avcC"), avcCodec);
    case "hvc1":
    case "hev1":
      return withConfig(format, config("hvcC"), hevcCodec);
    case "vp08":
      return "vp8";
    case "vp09":
      return withConfig(format, config("vpcC"), vp9Codec);
    case "av01":
      return withConfig(format, config("av1C"), av1Codec);
    case "mp4v":
      return withConfig(format, config("esds"), (esds) => mpeg4Codec("mp4v", esds).codec);
    default:
      return trimType(format);
  }
}

function withConfig(
  format: string,
  config: Uint8Array | undefined,
  codec: (config: Uint8Array) => string,
): string {
  return config ? `${format}.${codec(config)}`.replace(/\.$/, "") : format;
}

const hex2 = (value: number): string => value.toString(16).padStart(2, "0");
const dec2 = (value: number): string => String(value).padStart(2, "0");

// avcC: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
function avcCodec(config: Uint8Array): string {
  const reader = new ByteReader(config);
  reader.skip(1);
  return `${hex2(reader.u8())}${hex2(reader.u8())}${hex2(reader.u8())}`;
}

// hvcC (ISO/IEC 14496-15 §E.3): [A-C]profile.compatibility(reversed bits, hex).(L|H)level.constraints.
function hevcCodec(config: Uint8Array): string {
  const reader = new ByteReader(config);
  reader.skip(1);
  const byte = reader.u8();
  const compatibility = reader.u32();
  const constraints = Array.from(reader.take(6));
  const level = reader.u8();
  const space = ["", "A", "B", "C"][byte >> 6];
  const tier = byte & 0x20 ? "H" : "L";
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) reversed = (reversed << 1) | ((compatibility >>> bit) & 1);
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [`${space}${byte & 0x1f}`, (reversed >>> 0).toString(16).toUpperCase(), `${tier}${level}`];
  for (const value of constraints) parts.push(value.toString(16).toUpperCase());
  return parts.join(".");
}

// vpcC (VP Codec ISO Media File Format Binding §2.2): a full box, then profile, level, bitDepth(4).
function vp9Codec(config: Uint8Array): string {
  const reader = new ByteReader(config);
  reader.skip(4);
  const profile = reader.u8();
  const level = reader.u8();
  const depth = reader.u8() >> 4;
  return `${dec2(profile)}.${dec2(level)}.${dec2(depth)}`;
}

// av1C (AV1 Codec ISO Media File Format Binding §2.3): profile.levelTier.bitDepth.
function av1Codec(config: Uint8Array): string {
  const reader = new ByteReader(config);
  reader.skip(1);
  const profileLevel = reader.u8();
  const flags = reader.u8();
  const depth = flags & 0x40 ? (flags & 0x20 ? 12 : 10) : 8;
  return `${profileLevel >> 5}.${dec2(profileLevel & 0x1f)}${flags & 0x80 ? "H" : "M"}.${dec2(depth)}`;
}

function audioCodec(
  format: string,
  body: Uint8Array,
  children: BoxHeader[],
): { codec: string; channels?: number } {
  switch (format) {
    case "mp4a": {
      const esds = child(body, children, "esds") ?? wave(body, children, "esds");
      return esds ? mpeg4Codec("mp4a", esds) : { codec: "mp4a" };
    }
    case "Opus":
      return { codec: "opus", channels: opusChannels(child(body, children, "dOps")) };
    case "fLaC":
      return { codec: "flac" };
    case ".mp3":
      return { codec: "mp4a.6B" };
    default:
      return { codec: trimType(format) };
  }
}

// QuickTime puts esds inside a "wave" box of the sound description.
function wave(body: Uint8Array, children: BoxHeader[], type: string): Uint8Array | undefined {
  const box = findBox(children, "wave");
  if (!box) return undefined;
  return child(body, childBoxes(body, box.start + box.headerSize, box.start + box.size), type);
}

function opusChannels(dops: Uint8Array | undefined): number | undefined {
  return dops && dops.length >= 2 ? dops[1] : undefined;
}

/**
 * esds: ES_Descriptor (tag 3) → DecoderConfigDescriptor (tag 4: objectTypeIndication) →
 * DecoderSpecificInfo (tag 5: for AAC, the AudioSpecificConfig with audioObjectType).
 */
function mpeg4Codec(format: string, esds: Uint8Array): { codec: string; channels?: number } {
  const reader = new ByteReader(esds);
  reader.skip(4);
  if (!enterDescriptor(reader, 3)) return { codec: format };
  reader.skip(2);
  const flags = reader.u8();
  if (flags & 0x80) reader.skip(2);
  if (flags & 0x40) reader.skip(reader.u8());
  if (flags & 0x20) reader.skip(2);
  if (!enterDescriptor(reader, 4)) return { codec: format };
  const objectType = reader.u8();
  reader.skip(12);
  const oti = objectType.toString(16).toUpperCase().padStart(2, "0");
  if (objectType !== 0x40 && objectType !== 0x20) return { codec: `${format}.${oti}` };
  if (!enterDescriptor(reader, 5) || reader.remaining < 1) return { codec: `${format}.${oti}` };
  if (objectType === 0x20) return { codec: `${format}.20${mpeg4VisualProfile(reader)}` };
  return aacConfig(format, reader);
}

// Visual Object Sequence start code 0x000001B0, then profile_and_level_indication.
function mpeg4VisualProfile(reader: ByteReader): string {
  if (reader.remaining < 5) return "";
  const b = reader.take(5);
  return b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0xb0 ? `.${b[4]}` : "";
}

// AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): audioObjectType (5 bits, 31 → 32 + 6 bits),
// samplingFrequencyIndex (4 bits, 15 → 24 bits follow), channelConfiguration (4 bits).
function aacConfig(format: string, reader: ByteReader): { codec: string; channels?: number } {
  const bits = new BitReader(reader.take(Math.min(reader.remaining, 8)));
  let objectType = bits.read(5);
  if (objectType === 31) objectType = 32 + bits.read(6);
  if (bits.read(4) === 15) bits.read(24);
  const configuration = bits.read(4);
  const channels = configuration >= 1 && configuration <= 6
    ? configuration
    : configuration === 7
    ? 8
    : undefined;
  return { codec: `${format}.40.${objectType}`, channels };
}

/** Reads a descriptor's tag and size (ISO/IEC 14496-1 §8.3.3); `false` when the tag differs. */
function enterDescriptor(reader: ByteReader, tag: number): boolean {
  if (reader.remaining < 2 || reader.u8() !== tag) return false;
  for (let i = 0; i < 4; i++) {
    if (!(reader.u8() & 0x80)) break;
  }
  return true;
}
