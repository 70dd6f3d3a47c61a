/**
 * The Tracks element (RFC 9559 §5.1.4): one TrackEntry per track, with its number, type, codec
 * and the Video or Audio settings a player needs before the first block.
 *
 * @module
 */

import type { TrackKind } from "../types.ts";
import {
  childElements,
  type Element,
  malformed,
  readBinary,
  readFloat,
  readString,
  readUint,
  tooLarge,
} from "./ebml.ts";
import { ELEMENT_ID } from "./elements.ts";
import type { MatroskaTrack } from "./matroska_info.ts";

/** A TrackEntry as read, before its codec string is worked out. */
export interface TrackEntry extends Omit<MatroskaTrack, "codec"> {
  /** CodecPrivate, the codec's setup data, `null` when absent. */
  codecPrivate: Uint8Array | null;
}

/** Most TrackEntries read. */
export const MAX_TRACKS = 1024;

const KIND_OF_TYPE: ReadonlyMap<number, TrackKind> = new Map([[1, "video"], [2, "audio"], [17, "subtitle"]]);

/** Reads the Tracks element whose data is `body`. */
export function parseTracks(body: Uint8Array): TrackEntry[] {
  const tracks: TrackEntry[] = [];
  for (const element of childElements(body, 0, body.length)) {
    if (element.id !== ELEMENT_ID.TrackEntry) continue;
    if (tracks.length === MAX_TRACKS) tooLarge(`Tracks has more than ${MAX_TRACKS} entries`);
    tracks.push(parseTrackEntry(body, element));
  }
  return tracks;
}

function parseTrackEntry(body: Uint8Array, entry: Element): TrackEntry {
  const track: TrackEntry = { number: 0, type: 0, kind: "other", codecId: "", codecPrivate: null };
  for (const element of childElements(body, entry.dataStart, entry.dataEnd)) {
    switch (element.id) {
      case ELEMENT_ID.TrackNumber:
        track.number = readUint(body, element);
        break;
      case ELEMENT_ID.TrackType:
        track.type = readUint(body, element);
        track.kind = KIND_OF_TYPE.get(track.type) ?? "other";
        break;
      case ELEMENT_ID.CodecID:
        track.codecId = readString(body, element);
        break;
      case ELEMENT_ID.CodecPrivate:
        track.codecPrivate = readBinary(body, element);
        break;
      case ELEMENT_ID.DefaultDuration:
        track.defaultDuration = readUint(body, element) || undefined;
        break;
      case ELEMENT_ID.Name:
        track.name = readString(body, element);
        break;
      case ELEMENT_ID.Language:
        track.language = readString(body, element);
        break;
      case ELEMENT_ID.Video:
        readVideo(body, element, track);
        break;
      case ELEMENT_ID.Audio:
        readAudio(body, element, track);
        break;
    }
  }
  if (track.number === 0) malformed(`the TrackEntry at ${entry.offset} has no TrackNumber`);
  return track;
}

function readVideo(body: Uint8Array, video: Element, track: TrackEntry): void {
  for (const element of childElements(body, video.dataStart, video.dataEnd)) {
    if (element.id === ELEMENT_ID.PixelWidth) track.width = readUint(body, element);
    else if (element.id === ELEMENT_ID.PixelHeight) track.height = readUint(body, element);
    else if (element.id === ELEMENT_ID.Colour) readColour(body, element, track);
  }
}

function readColour(body: Uint8Array, colour: Element, track: TrackEntry): void {
  for (const element of childElements(body, colour.dataStart, colour.dataEnd)) {
    if (element.id === ELEMENT_ID.BitsPerChannel) track.bitsPerChannel = readUint(body, element) || undefined;
  }
}

function readAudio(body: Uint8Array, audio: Element, track: TrackEntry): void {
  let sampleRate = 8000; // SamplingFrequency's default in RFC 9559
  let outputRate = 0;
  for (const element of childElements(body, audio.dataStart, audio.dataEnd)) {
    if (element.id === ELEMENT_ID.SamplingFrequency) sampleRate = readFloat(body, element);
    else if (element.id === ELEMENT_ID.OutputSamplingFrequency) outputRate = readFloat(body, element);
    else if (element.id === ELEMENT_ID.Channels) track.channels = readUint(body, element);
  }
  // OutputSamplingFrequency is the rate heard for SBR (HE-AAC), where SamplingFrequency is half.
  const rate = outputRate > 0 ? outputRate : sampleRate;
  if (Number.isFinite(rate) && rate > 0) track.sampleRate = rate;
  track.channels ??= 1;
}
