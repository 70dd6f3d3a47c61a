/**
 * Builds a {@linkcode MatroskaInfo} from a file read by ranges: the EBML header, the Segment's
 * layout, then only Info, Tracks and Cues (and, for VP9 without CodecPrivate, the first bytes of
 * the first video frame).
 *
 * Each element is read by a function that knows its children (RFC 9559's schema), never by a
 * generic recursion, so nesting is as deep as the schema's at most (Tracks → TrackEntry → Video
 * → Colour); sizes and counts are checked against the parent and the limits before anything
 * is kept.
 *
 * @module
 */

import { malformed } from "./ebml.ts";
import { parseEbmlHeader } from "./ebml_header.ts";
import { codecString } from "./codecs.ts";
import { parseCues } from "./cues.ts";
import { firstFrameStart } from "./first_frame.ts";
import type { MatroskaCuePoint, MatroskaInfo, MatroskaSeekPoint, MatroskaTrack } from "./matroska_info.ts";
import { type RangeReader, readElementData } from "./range_reader.ts";
import { findSegment, scanSegment, type SegmentLayout } from "./segment.ts";
import { parseInfo, ticksToSeconds } from "./segment_info.ts";
import { seekPointsFrom } from "./time_map.ts";
import { parseTracks, type TrackEntry } from "./tracks.ts";
import { parseVp9FrameHeader } from "./vp9.ts";

/** Limits of {@linkcode readMatroskaInfo}. */
export interface MatroskaLimits {
  /** Largest SeekHead, Info, Tracks or Cues element read. */
  maxElementSize: number;
  /** Most cue positions read. */
  maxCuePoints: number;
  /** Most top-level elements of the Segment walked. */
  maxTopLevelElements: number;
}

// The first read: the EBML header, the Segment's header and usually all of SeekHead, Info and
// Tracks, and the start of the first Cluster.
const HEAD_SIZE = 4096;

/** Reads what `reader`'s file holds and where. */
export async function readMatroskaInfo(reader: RangeReader, limits: MatroskaLimits): Promise<MatroskaInfo> {
  const ebml = parseEbmlHeader(await reader.bytes(0, HEAD_SIZE));
  const segment = await findSegment(reader, ebml.end);
  const layout = await scanSegment(reader, segment, limits);
  if (!layout.info) malformed("the Segment has no Info");
  if (!layout.tracks) malformed("the Segment has no Tracks");
  const info = parseInfo(await readElementData(reader, layout.info, limits.maxElementSize, "Info"));
  const entries = parseTracks(await readElementData(reader, layout.tracks, limits.maxElementSize, "Tracks"));
  const tracks = await withCodecs(reader, layout, entries);
  const cuePoints = await readCuePoints(reader, layout, info.timestampScale, limits);
  const keyTrack = (tracks.find((track) => track.kind === "video") ?? tracks[0])?.number ?? null;
  return {
    docType: ebml.docType,
    fileSize: reader.size,
    segmentOffset: layout.offset,
    segmentDataOffset: layout.dataOffset,
    segmentEnd: layout.end,
    timestampScale: info.timestampScale,
    duration: info.duration,
    ...(info.title === undefined ? {} : { title: info.title }),
    tracks,
    cuesOffset: layout.cues?.offset ?? null,
    firstClusterOffset: layout.firstCluster,
    mediaEnd: mediaEnd(layout),
    cuePoints,
    seekPoints: seekPoints(layout, cuePoints, keyTrack, info.timestampScale),
    keyTrack,
  };
}

async function readCuePoints(
  reader: RangeReader,
  layout: SegmentLayout,
  timestampScale: number,
  limits: MatroskaLimits,
): Promise<MatroskaCuePoint[]> {
  if (!layout.cues) return [];
  const body = await readElementData(reader, layout.cues, limits.maxElementSize, "Cues");
  return parseCues(body, {
    segmentDataOffset: layout.dataOffset,
    segmentEnd: layout.end,
    timestampScale,
    maxCuePoints: limits.maxCuePoints,
  });
}

async function withCodecs(
  reader: RangeReader,
  layout: SegmentLayout,
  entries: readonly TrackEntry[],
): Promise<MatroskaTrack[]> {
  const tracks: MatroskaTrack[] = [];
  for (const { codecPrivate, ...entry } of entries) {
    let codec = codecString({ ...entry, codecPrivate });
    if (codec === "vp9" && layout.firstCluster !== null) {
      const frame = await firstFrameStart(reader, layout.firstCluster, layout.end, entry.number);
      codec = codecString({ ...entry, codecPrivate }, frame ? parseVp9FrameHeader(frame) : null);
    }
    tracks.push({ ...entry, codec });
  }
  return tracks;
}

// The media data ends where the Cues start when they follow the Clusters.
function mediaEnd(layout: SegmentLayout): number {
  const { cues, firstCluster } = layout;
  return cues && firstCluster !== null && cues.offset > firstCluster ? cues.offset : layout.end;
}

function seekPoints(
  layout: SegmentLayout,
  cuePoints: readonly MatroskaCuePoint[],
  keyTrack: number | null,
  timestampScale: number,
): MatroskaSeekPoint[] {
  const ofKeyTrack = cuePoints.filter((point) => point.track === keyTrack);
  const cues = ofKeyTrack.length > 0 ? ofKeyTrack : cuePoints;
  if (cues.length > 0) {
    return seekPointsFrom(cues.map((point) => ({ time: point.time, offset: point.clusterOffset })));
  }
  // Cluster Timestamps map the file only when the walk saw every Cluster.
  if (!layout.walkedToEnd) return [];
  const timed = layout.clusters.flatMap((cluster) =>
    cluster.ticks === null
      ? []
      : [{ time: ticksToSeconds(cluster.ticks, timestampScale), offset: cluster.offset }]
  );
  return seekPointsFrom(timed);
}
