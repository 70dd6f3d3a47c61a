/**
 * The Segment's Info element (RFC 9559 §5.1.2): the tick length every timestamp counts in, and
 * the duration.
 *
 * @module
 */

import { childElements, malformed, readFloat, readString, readUint } from "./ebml.ts";
import { ELEMENT_ID } from "./elements.ts";

/** What the Info element says. */
export interface SegmentInfo {
  /** Nanoseconds per Segment tick. */
  timestampScale: number;
  /** Seconds, `0` when the file does not say or says something impossible (NaN, negative). */
  duration: number;
  /** The Title, when there is one. */
  title?: string;
  /** The library that wrote the file (MuxingApp). */
  muxingApp?: string;
  /** The application that wrote the file (WritingApp). */
  writingApp?: string;
}

/** TimestampScale's default: one tick is a millisecond. */
export const DEFAULT_TIMESTAMP_SCALE = 1_000_000;

/** Seconds of `ticks` Segment ticks of `timestampScale` nanoseconds, rounded to the microsecond. */
export function ticksToSeconds(ticks: number, timestampScale: number): number {
  return Math.round((ticks * timestampScale) / 1e3) / 1e6;
}

/** Reads the Info element whose data is `body`. */
export function parseInfo(body: Uint8Array): SegmentInfo {
  let timestampScale = DEFAULT_TIMESTAMP_SCALE;
  let durationTicks = 0;
  const info: Omit<SegmentInfo, "timestampScale" | "duration"> = {};
  for (const element of childElements(body, 0, body.length)) {
    switch (element.id) {
      case ELEMENT_ID.TimestampScale:
        timestampScale = readUint(body, element);
        if (timestampScale === 0) malformed("TimestampScale is 0");
        break;
      case ELEMENT_ID.Duration:
        durationTicks = readFloat(body, element);
        break;
      case ELEMENT_ID.Title:
        info.title = readString(body, element);
        break;
      case ELEMENT_ID.MuxingApp:
        info.muxingApp = readString(body, element);
        break;
      case ELEMENT_ID.WritingApp:
        info.writingApp = readString(body, element);
        break;
    }
  }
  const duration = (durationTicks * timestampScale) / 1e9;
  return { timestampScale, duration: Number.isFinite(duration) && duration > 0 ? duration : 0, ...info };
}
