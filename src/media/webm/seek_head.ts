/**
 * The SeekHead: where the Segment's top-level elements are, so a reader jumps to Info, Tracks
 * and Cues without walking the Clusters between them (RFC 9559 §5.1.1).
 *
 * @module
 */

import { childElements, type Element, readUint } from "./ebml.ts";
import { ELEMENT_ID } from "./elements.ts";

/** One Seek entry: an element's ID and its file offset. */
export interface SeekEntry {
  /** The ID of the element pointed at. */
  id: number;
  /** The element's offset in the file (SeekPosition plus the Segment's data offset). */
  offset: number;
}

/**
 * Most Seek entries read from one SeekHead. The ones that matter come first; some muxers list
 * every Cluster after them, which the reader has no use for.
 */
export const MAX_SEEK_ENTRIES = 1024;

/**
 * The first {@linkcode MAX_SEEK_ENTRIES} entries of the SeekHead whose data is `body`; entries
 * without a usable SeekID or SeekPosition are left out, since a SeekHead is only a hint the
 * reader checks.
 */
export function parseSeekHead(body: Uint8Array, segmentDataOffset: number): SeekEntry[] {
  const entries: SeekEntry[] = [];
  for (const seek of childElements(body, 0, body.length)) {
    if (seek.id !== ELEMENT_ID.Seek) continue;
    if (entries.length === MAX_SEEK_ENTRIES) break;
    const entry = parseSeek(body, seek, segmentDataOffset);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseSeek(body: Uint8Array, seek: Element, segmentDataOffset: number): SeekEntry | null {
  let id: number | null = null;
  let position: number | null = null;
  for (const child of childElements(body, seek.dataStart, seek.dataEnd)) {
    if (child.id === ELEMENT_ID.SeekID) id = seekId(body, child);
    else if (child.id === ELEMENT_ID.SeekPosition) position = readUint(body, child);
  }
  return id === null || position === null ? null : { id, offset: segmentDataOffset + position };
}

// The SeekID holds an element ID's bytes, marker included (1 to 4 bytes).
function seekId(body: Uint8Array, element: Element): number | null {
  const length = element.dataEnd - element.dataStart;
  return length >= 1 && length <= 4 ? readUint(body, element) : null;
}
