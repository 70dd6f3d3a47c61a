// Internal: reading bit fields of codec configurations and frame headers (a few bytes each).

/** Most significant bit first; reading past the end gives zeros and sets `overrun`. */
export class BitReader {
  /** Whether a read went past the end of the bytes. */
  overrun = false;
  readonly #bytes: Uint8Array;
  #bit = 0;

  /** @param bytes The bytes to read. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The next `count` bits (at most 32) as an unsigned number. */
  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++, this.#bit++) {
      const byte = this.#bit >> 3;
      if (byte >= this.#bytes.length) this.overrun = true;
      const bit = this.overrun ? 0 : (this.#bytes[byte] >> (7 - (this.#bit & 7))) & 1;
      value = value * 2 + bit;
    }
    return value;
  }
}
