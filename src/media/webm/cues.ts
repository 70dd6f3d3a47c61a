/**
 * The Cues element (RFC 9559 §5.1.5): the index of a Matroska file, one CuePoint per key frame
 * worth seeking to, each with the offset of the Cluster that holds it.
 *
 * @module
 */

import { childElements, type Element, malformed, readUint, tooLarge } from "./ebml.ts";
import { ELEMENT_ID, idName } from "./elements.ts";
import type { MatroskaCuePoint } from "./matroska_info.ts";
import { ticksToSeconds } from "./segment_info.ts";

/** How to read Cues. */
export interface CueContext {
  /** File offset of the Segment's data, which CueClusterPosition counts from. */
  segmentDataOffset: number;
  /** Offset just past the Segment: a position at or past it is left out (a truncated file). */
  segmentEnd: number;
  /** Nanoseconds per tick. */
  timestampScale: number;
  /** Most positions read, over all CuePoints; past it the file is `"too-large"`. */
  maxCuePoints: number;
}

/** The cue points of the Cues element whose data is `body`, in time order. */
export function parseCues(body: Uint8Array, context: CueContext): MatroskaCuePoint[] {
  const points: MatroskaCuePoint[] = [];
  for (const element of childElements(body, 0, body.length)) {
    if (element.id === ELEMENT_ID.CuePoint) parseCuePoint(body, element, context, points);
  }
  // Stable: positions of one CuePoint keep their order.
  return points.sort((a, b) => a.time - b.time);
}

function parseCuePoint(
  body: Uint8Array,
  cuePoint: Element,
  context: CueContext,
  points: MatroskaCuePoint[],
): void {
  let ticks: number | null = null;
  const positions: Element[] = [];
  for (const element of childElements(body, cuePoint.dataStart, cuePoint.dataEnd)) {
    if (element.id === ELEMENT_ID.CueTime) ticks = readUint(body, element);
    else if (element.id === ELEMENT_ID.CueTrackPositions) positions.push(element);
  }
  if (ticks === null) malformed(`the CuePoint at ${cuePoint.offset} of the Cues has no CueTime`);
  const time = ticksToSeconds(ticks, context.timestampScale);
  for (const element of positions) {
    if (points.length >= context.maxCuePoints) {
      tooLarge(`Cues has more than ${context.maxCuePoints} positions`);
    }
    const position = parseTrackPositions(body, element);
    const clusterOffset = context.segmentDataOffset + position.cluster;
    if (clusterOffset < context.segmentEnd) points.push({ time, track: position.track, clusterOffset });
  }
}

function parseTrackPositions(body: Uint8Array, positions: Element): { track: number; cluster: number } {
  let track: number | null = null;
  let cluster: number | null = null;
  for (const element of childElements(body, positions.dataStart, positions.dataEnd)) {
    if (element.id === ELEMENT_ID.CueTrack) track = readUint(body, element);
    else if (element.id === ELEMENT_ID.CueClusterPosition) cluster = readUint(body, element);
  }
  if (track === null || cluster === null) {
    malformed(
      `${
        idName(ELEMENT_ID.CueTrackPositions)
      } at ${positions.offset} of the Cues lacks CueTrack or CueClusterPosition`,
    );
  }
  return { track, cluster };
}
