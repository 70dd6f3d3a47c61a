/**
 * What the media layer knows about a file: the types every container reader (ISO BMFF,
 * Matroska/WebM) returns, and the byte source they read through.
 *
 * @module
 */

/**
 * Random access to a file's bytes, so a reader fetches only the boxes or elements it needs.
 * `read` returns at most `length` bytes starting at `offset` (fewer only at the end of the
 * file); offsets are never past `size`.
 */
export interface ByteSource {
  /** The file's size in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The container a media index was read from. */
export type MediaContainer = "mp4" | "webm" | "matroska";

/** What a track carries. */
export type TrackKind = "video" | "audio" | "subtitle" | "other";

/** One track of a media file. */
export interface MediaTrack {
  /** The track's number in the file (`track_ID` in MP4, `TrackNumber` in Matroska). */
  id: number;
  /** What the track carries. */
  kind: TrackKind;
  /**
   * The codec as an RFC 6381 `codecs` string (`"avc1.64001f"`, `"mp4a.40.2"`, `"vp09.00.30.08"`,
   * `"opus"`), or the container's own codec name when there is no RFC 6381 form, or `""`.
   */
  codec: string;
  /** Seconds, `0` when unknown. */
  duration: number;
  /** Pixels (video), when known. */
  width?: number;
  /** Pixels (video), when known. */
  height?: number;
  /** Hz (audio), when known. */
  sampleRate?: number;
  /** Audio channels, when known. */
  channels?: number;
  /** Average bits per second of the track's data, when known. */
  bitrate?: number;
}

/** A point where playback can start: a key frame (MP4 sync sample, Matroska cue point). */
export interface KeyFrame {
  /** Presentation time in seconds. */
  time: number;
  /** Byte offset in the file of the frame (MP4) or of its cluster (Matroska). */
  offset: number;
}

/** What a media file holds, read from its index without reading its media data. */
export interface MediaIndex {
  /** The container. */
  container: MediaContainer;
  /** The presentation's duration in seconds (`0` when the file does not say). */
  duration: number;
  /** Average bits per second over the whole file (size × 8 ÷ duration), `0` without a duration. */
  bitrate: number;
  /** The tracks, in file order. */
  tracks: MediaTrack[];
  /**
   * Whether the index comes before the media data, so a player can start from the first bytes:
   * MP4's `moov` before its first `mdat`; for Matroska, `Cues` before the first `Cluster`, or no
   * `Cues` needed (a player can still start, only seeking costs a request).
   */
  fastStart: boolean;
  /** Key frames of the first video track (of the first track when there is no video), in time order. */
  keyFrames: KeyFrame[];
  /**
   * A media type with codecs for `<source type>` and `Content-Type`, such as
   * `video/mp4; codecs="avc1.64001f, mp4a.40.2"`.
   */
  mimeType: string;
}

/**
 * The outcome of reading a media index: the index, or why the file was not understood
 * (`"not-media"` for a file of another kind, `"unsupported"` for a valid file we do not read,
 * `"malformed"` for a truncated or inconsistent one, `"too-large"` when its index exceeds the
 * reader's limits).
 */
export type MediaIndexResult =
  | { ok: true; index: MediaIndex }
  | { ok: false; reason: "not-media" | "unsupported" | "malformed" | "too-large"; message: string };
