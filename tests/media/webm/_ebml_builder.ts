// Builds small Matroska files element by element, for cases ffmpeg does not write.
import { ELEMENT_ID as ID } from "../../../src/media/webm/elements.ts";

/** The bytes of `parts` one after another. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An ID's bytes (the ID is written with its marker, as in the specifications). */
export function idBytes(id: number): Uint8Array {
  const length = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
  return bigEndian(id, length);
}

/** A size VINT of `length` bytes (the shortest when omitted). */
export function sizeVint(size: number, length?: number): Uint8Array {
  let bytes = length ?? 1;
  while (length === undefined && size >= 2 ** (7 * bytes) - 1) bytes++;
  const out = bigEndian(size, bytes);
  out[0] |= 0x80 >> (bytes - 1);
  return out;
}

/** An element with known size holding `children`. */
export function element(id: number, ...children: Uint8Array[]): Uint8Array {
  const data = concat(...children);
  return concat(idBytes(id), sizeVint(data.length), data);
}

/** An element of unknown size (all value bits set) holding `children`. */
export function unknownSizeElement(id: number, ...children: Uint8Array[]): Uint8Array {
  return concat(idBytes(id), new Uint8Array([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), ...children);
}

/** An unsigned integer element, `width` bytes wide (the fewest when omitted). */
export function uint(id: number, value: number, width?: number): Uint8Array {
  let bytes = width ?? 1;
  while (width === undefined && value >= 2 ** (8 * bytes)) bytes++;
  return element(id, bigEndian(value, bytes));
}

/** A float element of 4 or 8 bytes. */
export function float(id: number, value: number, width: 4 | 8 = 8): Uint8Array {
  const data = new Uint8Array(width);
  const view = new DataView(data.buffer);
  if (width === 4) view.setFloat32(0, value);
  else view.setFloat64(0, value);
  return element(id, data);
}

/** A string element. */
export function string(id: number, value: string): Uint8Array {
  return element(id, new TextEncoder().encode(value));
}

/** A binary element. */
export function binary(id: number, value: Uint8Array | number[]): Uint8Array {
  return element(id, Uint8Array.from(value));
}

function bigEndian(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

/** The EBML header of a file of `docType`. */
export function ebmlHeader(docType = "webm", extra: Uint8Array[] = []): Uint8Array {
  return element(
    ID.EBML,
    uint(ID.EBMLVersion, 1),
    uint(ID.EBMLReadVersion, 1),
    uint(ID.EBMLMaxIDLength, 4),
    uint(ID.EBMLMaxSizeLength, 8),
    string(ID.DocType, docType),
    uint(ID.DocTypeVersion, 4),
    uint(ID.DocTypeReadVersion, 2),
    ...extra,
  );
}

/** A TrackEntry of a video track. */
export function videoTrack(number = 1, codecId = "V_VP8", width = 64, height = 48): Uint8Array {
  return element(
    ID.TrackEntry,
    uint(ID.TrackNumber, number),
    uint(ID.TrackType, 1),
    string(ID.CodecID, codecId),
    element(ID.Video, uint(ID.PixelWidth, width), uint(ID.PixelHeight, height)),
  );
}

/** A TrackEntry of an audio track. */
export function audioTrack(number = 2, codecId = "A_OPUS", rate = 48000, channels = 2): Uint8Array {
  return element(
    ID.TrackEntry,
    uint(ID.TrackNumber, number),
    uint(ID.TrackType, 2),
    string(ID.CodecID, codecId),
    element(ID.Audio, float(ID.SamplingFrequency, rate), uint(ID.Channels, channels)),
  );
}

/** What {@linkcode buildMatroska} writes. */
export interface MatroskaSpec {
  docType?: string;
  /** The Info element's children. */
  info?: Uint8Array[];
  /** TrackEntry elements. */
  tracks?: Uint8Array[];
  /** Cluster Timestamps in ticks; one key frame of track 1 each. */
  clusterTimes?: number[];
  /** Where the Cues go. */
  cues?: "front" | "end" | "none";
  /** Whether a SeekHead comes first. */
  seekHead?: boolean;
  /** The blocks of the first Cluster (SimpleBlock or BlockGroup elements), instead of one. */
  firstBlocks?: Uint8Array[];
}

/** Where {@linkcode buildMatroska} put things: file offsets. */
export interface MatroskaOffsets {
  segment: number;
  segmentData: number;
  seekHead: number | null;
  info: number;
  tracks: number;
  cues: number | null;
  clusters: number[];
}

/** A small Matroska file: SeekHead, Info, Tracks, Clusters and Cues as `spec` says. */
export function buildMatroska(spec: MatroskaSpec = {}): { bytes: Uint8Array; offsets: MatroskaOffsets } {
  // Positions are written 8 bytes wide, so a first pass with zeros gives every offset.
  const first = layOut(spec, null);
  const second = layOut(spec, first.relative);
  return second;
}

interface Relative {
  [name: string]: number;
}

function layOut(spec: MatroskaSpec, positions: Relative | null): {
  bytes: Uint8Array;
  offsets: MatroskaOffsets;
  relative: Relative;
} {
  const { docType = "webm", clusterTimes = [0, 1000, 2000], cues = "end", seekHead = true } = spec;
  const at = (name: string): number => positions?.[name] ?? 0;
  const info = element(
    ID.Info,
    ...(spec.info ?? [uint(ID.TimestampScale, 1_000_000), float(ID.Duration, 3000)]),
  );
  const tracks = element(ID.Tracks, ...(spec.tracks ?? [videoTrack()]));
  const clusters = clusterTimes.map((time, i) => {
    const block = binary(ID.SimpleBlock, [0x81, 0x00, 0x00, 0x80, i, 1, 2, 3, 4, 5, 6, 7]);
    const blocks = i === 0 && spec.firstBlocks ? spec.firstBlocks : [block];
    return element(ID.Cluster, uint(ID.Timestamp, time), ...blocks);
  });
  const cuesElement = element(
    ID.Cues,
    ...clusterTimes.map((time, i) =>
      element(
        ID.CuePoint,
        uint(ID.CueTime, time),
        element(
          ID.CueTrackPositions,
          uint(ID.CueTrack, 1),
          uint(ID.CueClusterPosition, at(`cluster${i}`), 8),
        ),
      )
    ),
  );
  const seek = (id: number, name: string): Uint8Array =>
    element(ID.Seek, binary(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, at(name), 8));
  const seekEntries = [seek(ID.Info, "info"), seek(ID.Tracks, "tracks")];
  if (cues !== "none") seekEntries.push(seek(ID.Cues, "cues"));
  const parts: [string, Uint8Array][] = [];
  if (seekHead) parts.push(["seekHead", element(ID.SeekHead, ...seekEntries)]);
  parts.push(["info", info], ["tracks", tracks]);
  if (cues === "front") parts.push(["cues", cuesElement]);
  clusters.forEach((cluster, i) => parts.push([`cluster${i}`, cluster]));
  if (cues === "end") parts.push(["cues", cuesElement]);
  const relative: Relative = {};
  let offset = 0;
  for (const [name, bytes] of parts) {
    relative[name] = offset;
    offset += bytes.length;
  }
  const head = ebmlHeader(docType);
  const segmentHeader = concat(idBytes(ID.Segment), sizeVint(offset, 8));
  const segmentData = head.length + segmentHeader.length;
  const file = (name: string): number | null => name in relative ? segmentData + relative[name] : null;
  return {
    bytes: concat(head, segmentHeader, ...parts.map(([, bytes]) => bytes)),
    relative,
    offsets: {
      segment: head.length,
      segmentData,
      seekHead: file("seekHead"),
      info: file("info")!,
      tracks: file("tracks")!,
      cues: file("cues"),
      clusters: clusterTimes.map((_, i) => file(`cluster${i}`)!),
    },
  };
}
