/**
 * `FileStat`: the metadata of an opened file, as every layer sees it.
 *
 * @module
 */

/** A file's metadata, as the runtime reports it for an opened file. */
export interface FileStat {
  /** Length in bytes. */
  size: number;
  /** Last modification time, or `null` when unknown. */
  mtime: Date | null;
  /** Whether it is a regular file (not a directory, device, FIFO or socket). */
  isFile: boolean;
  /** Device number, or `null` when the runtime does not report it. */
  dev: number | null;
  /** Inode number, or `null` when the runtime does not report it. */
  ino: number | null;
  /**
   * Set when the bytes are a representation derived from the file (a clip, an index moved to
   * the front): a short token that becomes part of the `ETag`.
   */
  variant?: string;
}
