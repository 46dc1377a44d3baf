/**
 * A ring buffer of i32 items with a power-of-two capacity.
 *
 *   items: [ . . h i i i i t . . ]   head = first item, tail = one past the last
 *   count = tail - head (both grow without bound; masked on access)
 *
 * The capacity is fixed unless the queue was made growable, in which case a push on a full
 * queue doubles it; bounded queues return false instead and change nothing.
 */
export class RingQueue {
  items: Int32Array;
  mask: i32;
  head: u32 = 0;
  tail: u32 = 0;
  growable: bool;

  constructor(capacity: i32, growable: bool = false) {
    const size = nextPow2(max(capacity, 1));
    this.items = new Int32Array(size);
    this.mask = size - 1;
    this.growable = growable;
  }

  /** Items in the queue. */
  // @ts-ignore: decorator
  @inline
  get length(): i32 {
    return <i32>(this.tail - this.head);
  }

  /** Slots in the ring (a power of two). */
  // @ts-ignore: decorator
  @inline
  get capacity(): i32 {
    return this.mask + 1;
  }

  /** Appends an item; false when a bounded queue is full. */
  push(item: i32): bool {
    if (this.length == this.capacity) {
      if (!this.growable) return false;
      this.grow();
    }
    unchecked((this.items[this.tail & this.mask] = item));
    this.tail++;
    return true;
  }

  /**
   * Appends the first `n` items of `from` (the caller checks that they fit, or the queue grows):
   * at most two block copies, whatever `n`.
   */
  pushMany(from: Int32Array, n: i32): void {
    while (this.capacity - this.length < n) this.grow();
    const at = <i32>(this.tail & this.mask);
    const first = min(n, this.capacity - at);
    const items = this.items.dataStart;
    memory.copy(items + (<usize>at << 2), from.dataStart, <usize>first << 2);
    memory.copy(items, from.dataStart + (<usize>first << 2), <usize>(n - first) << 2);
    this.tail += <u32>n;
  }

  /** Copies `n` items from the i-th on into `to` (the caller checks that there are). */
  copyOut(i: i32, to: Int32Array, n: i32): void {
    const at = <i32>((this.head + <u32>i) & this.mask);
    const first = min(n, this.capacity - at);
    const items = this.items.dataStart;
    memory.copy(to.dataStart, items + (<usize>at << 2), <usize>first << 2);
    memory.copy(to.dataStart + (<usize>first << 2), items, <usize>(n - first) << 2);
  }

  /** Makes room for `n` more items in a growable queue. */
  reserve(n: i32): void {
    while (this.capacity - this.length < n) this.grow();
  }

  /** Removes the first `n` items into `to` (the caller checks that there are `n`). */
  shiftMany(to: Int32Array, n: i32): void {
    const at = <i32>(this.head & this.mask);
    const first = min(n, this.capacity - at);
    const items = this.items.dataStart;
    memory.copy(to.dataStart, items + (<usize>at << 2), <usize>first << 2);
    memory.copy(to.dataStart + (<usize>first << 2), items, <usize>(n - first) << 2);
    this.head += <u32>n;
  }

  /** Removes and returns the first item; the caller checks that the queue is not empty. */
  // @ts-ignore: decorator
  @inline
  shift(): i32 {
    const item = unchecked(this.items[this.head & this.mask]);
    this.head++;
    return item;
  }

  /** The first item, left in place. */
  // @ts-ignore: decorator
  @inline
  peek(): i32 {
    return unchecked(this.items[this.head & this.mask]);
  }

  /** The i-th item from the head. */
  // @ts-ignore: decorator
  @inline
  at(i: i32): i32 {
    return unchecked(this.items[(this.head + <u32>i) & this.mask]);
  }

  /** Overwrites the i-th item from the head. */
  // @ts-ignore: decorator
  @inline
  setAt(i: i32, item: i32): void {
    unchecked((this.items[(this.head + <u32>i) & this.mask] = item));
  }

  /** Drops the last `n` items (used after compacting in place). */
  truncate(n: i32): void {
    this.tail = this.head + <u32>n;
  }

  /** Drops the first `n` items. */
  drop(n: i32): void {
    this.head += <u32>n;
  }

  /** Empties the queue. */
  clear(): void {
    this.head = 0;
    this.tail = 0;
  }

  private grow(): void {
    const count = this.length;
    const size = this.capacity * 2;
    const items = new Int32Array(size);
    for (let i = 0; i < count; i++) unchecked((items[i] = this.at(i)));
    this.items = items;
    this.mask = size - 1;
    this.head = 0;
    this.tail = <u32>count;
  }
}

/** The smallest power of two that is at least `n` (n >= 1). */
export function nextPow2(n: i32): i32 {
  return n <= 1 ? 1 : 1 << (32 - clz(n - 1));
}
