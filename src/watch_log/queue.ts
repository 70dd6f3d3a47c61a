/**
 * The in-memory event queue and its accounting: a FIFO with a bound, which hands the oldest
 * events over when it is full instead of losing them silently.
 *
 * @module
 */

/** A bounded FIFO with O(1) push and take (amortized). */
export class EventQueue<T> {
  #items: T[] = [];
  #head = 0;
  readonly #max: number;

  /**
   * Creates the queue.
   *
   * @param max How many items it holds before {@linkcode EventQueue.overflow} returns some.
   */
  constructor(max: number) {
    this.#max = max;
  }

  /** Items waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds items at the end. */
  push(...items: T[]): void {
    for (const item of items) this.#items.push(item);
  }

  /** Puts items back at the front (they are older than everything queued). */
  unshift(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items = [...items, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  /** Removes and returns up to `n` of the oldest items. */
  take(n: number): T[] {
    const end = Math.min(this.#items.length, this.#head + n);
    const taken = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  /** Removes and returns the oldest items beyond the bound (none when within it). */
  overflow(): T[] {
    return this.take(Math.max(0, this.length - this.#max));
  }
}
