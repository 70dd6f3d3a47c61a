/**
 * The EBML header that starts every Matroska and WebM file (RFC 8794): which document type
 * follows, and whether this reader may read it.
 *
 * @module
 */

import {
  childElements,
  type Element,
  malformed,
  MatroskaFormatError,
  readElementHeader,
  readString,
  readUint,
} from "./ebml.ts";
import { ELEMENT_ID } from "./elements.ts";

/** What the EBML header says. */
export interface EbmlHeader {
  /** The document type: WebM is the Matroska subset browsers play. */
  docType: "webm" | "matroska";
  /** Offset just past the EBML header element. */
  end: number;
}

// Matroska v4 is the newest (RFC 9559); WebM follows the same versions.
const MAX_DOC_TYPE_READ_VERSION = 4;
const MAGIC = [0x1a, 0x45, 0xdf, 0xa3];
// The highest value read of each version or length element (RFC 8794 §11.2).
const VERSION_LIMITS: ReadonlyMap<number, { name: string; max: number }> = new Map([
  [ELEMENT_ID.EBMLReadVersion, { name: "EBMLReadVersion", max: 1 }],
  [ELEMENT_ID.EBMLMaxIDLength, { name: "EBMLMaxIDLength", max: 4 }],
  [ELEMENT_ID.EBMLMaxSizeLength, { name: "EBMLMaxSizeLength", max: 8 }],
  [ELEMENT_ID.DocTypeReadVersion, { name: "DocTypeReadVersion", max: MAX_DOC_TYPE_READ_VERSION }],
]);

/**
 * Reads the EBML header from `head`, the first bytes of the file: a file without the EBML magic
 * or of another document type is `"not-media"`.
 */
export function parseEbmlHeader(head: Uint8Array): EbmlHeader {
  if (!MAGIC.every((byte, i) => head[i] === byte)) notMedia("the file does not start with an EBML header");
  const header = readElementHeader(head, 0, head.length);
  const dataStart = header.headerSize;
  if (header.size === null || header.size > head.length - dataStart) {
    malformed("the EBML header is truncated");
  }
  let docType = "";
  for (const element of childElements(head, dataStart, dataStart + header.size)) {
    if (element.id === ELEMENT_ID.DocType) docType = readString(head, element);
    else checkVersion(head, element);
  }
  if (docType !== "webm" && docType !== "matroska") {
    notMedia(`the EBML document type is ${JSON.stringify(docType)}, not "webm" or "matroska"`);
  }
  return { docType, end: dataStart + header.size };
}

/** Refuses versions and lengths this reader cannot read. */
function checkVersion(bytes: Uint8Array, element: Element): void {
  const limit = VERSION_LIMITS.get(element.id);
  if (!limit) return;
  const value = readUint(bytes, element);
  if (value > limit.max) {
    throw new MatroskaFormatError(
      "unsupported",
      `${limit.name} ${value} is past ${limit.max}, the highest read`,
    );
  }
}

function notMedia(message: string): never {
  throw new MatroskaFormatError("not-media", message);
}
