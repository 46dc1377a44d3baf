/**
 * The scheduler's work lists: binary min-heaps of small records in unmanaged memory (one base
 * pointer per heap, a record per entry), and a set of stream slots visited in index order.
 * Each replaces a scan the run loop used to make at every event (see the design note in
 * run.ts).
 *
 *   CompletionHeap  running ops by (end, issue order)    -> the next end, and ends in order
 *     record (24 B): | end i64 | order i64 | op i32 | - |
 *   TimerHeap       streams by the time their head may start (release or op gap)
 *     record (16 B): | time i64 | stream i32 | - |
 *   ReadyHeap       ready heads of one engine by (priority, ready time, issue order)
 *     record (24 B): | readyAt i64 | order i64 | priority i32 | op i32 |
 *   StreamSet       streams whose head may have become startable (a bitset and a cursor)
 *
 * Capacities double when full and never shrink; a heap holds at most one record per running
 * op (completions) or per stream (ready heads), so steady work allocates nothing. A heap's
 * memory is its own: `free()` gives it back (a device reset drops every heap).
 */

/** Grows a heap's records from `size` to twice as many (each `bytes` long). */
function grown(base: usize, size: i32, bytes: usize): usize {
  return heap.realloc(base, <usize>(size * 2) * bytes);
}

/** Running ops ordered by their end, then by issue order (ops that end together complete so). */
export class CompletionHeap {
  base: usize = heap.alloc(16 * 24);
  capacity: i32 = 16;
  size: i32 = 0;

  /** The end of the first op (the caller checks that there is one). */
  // @ts-ignore: decorator
  @inline
  topEnd(): i64 {
    return load<i64>(this.base);
  }

  /** Adds a running op (inlined for the common case, an empty heap). */
  // @ts-ignore: decorator
  @inline
  push(op: i32, end: i64, order: i64): void {
    if (this.size == 0) {
      const r = this.base;
      store<i64>(r, end);
      store<i64>(r, order, 8);
      store<i32>(r, op, 16);
      this.size = 1;
    } else {
      this.siftUp(op, end, order);
    }
  }

  private siftUp(op: i32, end: i64, order: i64): void {
    if (this.size == this.capacity) {
      this.base = grown(this.base, this.capacity, 24);
      this.capacity *= 2;
    }
    const base = this.base;
    // Sift up: move parents down until the new record's place is found.
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = base + <usize>parent * 24;
      const pe = load<i64>(p);
      if (pe < end || (pe == end && load<i64>(p, 8) < order)) break;
      memory.copy(base + <usize>i * 24, p, 24);
      i = parent;
    }
    const r = base + <usize>i * 24;
    store<i64>(r, end);
    store<i64>(r, order, 8);
    store<i32>(r, op, 16);
  }

  /** Removes the first op and returns it (the caller checks that there is one). */
  // @ts-ignore: decorator
  @inline
  pop(): i32 {
    const first = load<i32>(this.base, 16);
    const n = --this.size;
    if (n > 0) this.siftDown(n);
    return first;
  }

  /** Moves the last of `n + 1` records to the root and sifts it down. */
  private siftDown(n: i32): void {
    const base = this.base;
    const last = base + <usize>n * 24;
    const end = load<i64>(last);
    const order = load<i64>(last, 8);
    const op = load<i32>(last, 16);
    // Sift down the last record from the root.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let c = base + <usize>child * 24;
      if (child + 1 < n) {
        const d = c + 24;
        const ce = load<i64>(c);
        const de = load<i64>(d);
        if (de < ce || (de == ce && load<i64>(d, 8) < load<i64>(c, 8))) {
          child++;
          c = d;
        }
      }
      const ce = load<i64>(c);
      if (end < ce || (end == ce && order < load<i64>(c, 8))) break;
      memory.copy(base + <usize>i * 24, c, 24);
      i = child;
    }
    const r = base + <usize>i * 24;
    store<i64>(r, end);
    store<i64>(r, order, 8);
    store<i32>(r, op, 16);
  }

  free(): void {
    heap.free(this.base);
  }
}

/**
 * Streams by the time their head may start. Entries are not removed when they go stale (a
 * launch moved the head's release, say): the run loop checks the top against the head before
 * it believes it, and a stale entry that comes due only makes its stream be looked at again.
 */
export class TimerHeap {
  base: usize = heap.alloc(16 * 16);
  capacity: i32 = 16;
  size: i32 = 0;

  // @ts-ignore: decorator
  @inline
  topTime(): i64 {
    return load<i64>(this.base);
  }

  // @ts-ignore: decorator
  @inline
  topStream(): i32 {
    return load<i32>(this.base, 8);
  }

  push(stream: i32, time: i64): void {
    if (this.size == this.capacity) {
      this.base = grown(this.base, this.capacity, 16);
      this.capacity *= 2;
    }
    const base = this.base;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = base + (<usize>parent << 4);
      if (load<i64>(p) <= time) break;
      memory.copy(base + (<usize>i << 4), p, 16);
      i = parent;
    }
    const r = base + (<usize>i << 4);
    store<i64>(r, time);
    store<i32>(r, stream, 8);
  }

  /** Removes the first entry (the caller checks that there is one). */
  pop(): void {
    const base = this.base;
    const n = --this.size;
    if (n == 0) return;
    const last = base + (<usize>n << 4);
    const time = load<i64>(last);
    const stream = load<i32>(last, 8);
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let c = base + (<usize>child << 4);
      if (child + 1 < n && load<i64>(c + 16) < load<i64>(c)) {
        child++;
        c += 16;
      }
      if (time <= load<i64>(c)) break;
      memory.copy(base + (<usize>i << 4), c, 16);
      i = child;
    }
    const r = base + (<usize>i << 4);
    store<i64>(r, time);
    store<i32>(r, stream, 8);
  }

  clear(): void {
    this.size = 0;
  }

  free(): void {
    heap.free(this.base);
  }
}

/**
 * The ready heads of one engine, in the order the engine takes them: priority (the compute
 * engine's; 0 on the others), then the time the head became ready, then issue order. The key
 * of a head never changes while it waits here (its stream's head changes only once it ran).
 */
export class ReadyHeap {
  base: usize = heap.alloc(8 * 24);
  capacity: i32 = 8;
  size: i32 = 0;

  /** The first head's op (the caller checks that there is one). */
  // @ts-ignore: decorator
  @inline
  top(): i32 {
    return load<i32>(this.base, 20);
  }

  /** Adds a ready head (inlined for the common case, an empty heap). */
  // @ts-ignore: decorator
  @inline
  push(op: i32, priority: i32, readyAt: i64, order: i64): void {
    if (this.size == 0) {
      const r = this.base;
      store<i64>(r, readyAt);
      store<i64>(r, order, 8);
      store<i32>(r, priority, 16);
      store<i32>(r, op, 20);
      this.size = 1;
    } else {
      this.siftUp(op, priority, readyAt, order);
    }
  }

  private siftUp(op: i32, priority: i32, readyAt: i64, order: i64): void {
    if (this.size == this.capacity) {
      this.base = grown(this.base, this.capacity, 24);
      this.capacity *= 2;
    }
    const base = this.base;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = base + <usize>parent * 24;
      if (before(p, priority, readyAt, order)) break;
      memory.copy(base + <usize>i * 24, p, 24);
      i = parent;
    }
    const r = base + <usize>i * 24;
    store<i64>(r, readyAt);
    store<i64>(r, order, 8);
    store<i32>(r, priority, 16);
    store<i32>(r, op, 20);
  }

  /** Removes the first head (the caller checks that there is one). */
  // @ts-ignore: decorator
  @inline
  pop(): void {
    const n = --this.size;
    if (n > 0) this.siftDown(n);
  }

  /** Moves the last of `n + 1` records to the root and sifts it down. */
  private siftDown(n: i32): void {
    const base = this.base;
    const last = base + <usize>n * 24;
    const readyAt = load<i64>(last);
    const order = load<i64>(last, 8);
    const priority = load<i32>(last, 16);
    const op = load<i32>(last, 20);
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let c = base + <usize>child * 24;
      if (child + 1 < n) {
        const d = c + 24;
        if (before(d, load<i32>(c, 16), load<i64>(c), load<i64>(c, 8))) {
          child++;
          c = d;
        }
      }
      if (!before(c, priority, readyAt, order)) break;
      memory.copy(base + <usize>i * 24, c, 24);
      i = child;
    }
    const r = base + <usize>i * 24;
    store<i64>(r, readyAt);
    store<i64>(r, order, 8);
    store<i32>(r, priority, 16);
    store<i32>(r, op, 20);
  }

  clear(): void {
    this.size = 0;
  }

  free(): void {
    heap.free(this.base);
  }
}

/** Whether ready record `r` comes before the key (priority, readyAt, order). */
// @ts-ignore: decorator
@inline
function before(r: usize, priority: i32, readyAt: i64, order: i64): bool {
  const p = load<i32>(r, 16);
  if (p != priority) return p < priority;
  const t = load<i64>(r);
  if (t != readyAt) return t < readyAt;
  return load<i64>(r, 8) < order;
}

/**
 * Stream slots to look at, visited in passes in index order, as the scan over every stream
 * that this replaces visited them: a slot added beyond the cursor is visited later in the same
 * pass, one at or before it in the next pass.
 */
export class StreamSet {
  words: Uint32Array = new Uint32Array(4);
  count: i32 = 0;
  cursor: i32 = -1;

  /** Adds a slot (once: adding it again changes nothing). */
  // @ts-ignore: decorator
  @inline
  add(s: i32): void {
    const w = s >>> 5;
    if (w >= this.words.length) this.grow(w);
    const bit: u32 = 1 << (s & 31);
    const word = unchecked(this.words[w]);
    if ((word & bit) != 0) return;
    unchecked((this.words[w] = word | bit));
    this.count++;
  }

  private grow(w: i32): void {
    const grown = new Uint32Array(max(w + 1, this.words.length * 2));
    grown.set(this.words);
    this.words = grown;
  }

  /** Starts a new series of passes at slot 0. */
  // @ts-ignore: decorator
  @inline
  begin(): void {
    this.cursor = -1;
  }

  /** Takes the next slot: the first after the cursor, else (a new pass) the first; or -1. */
  next(): i32 {
    if (this.count == 0) return -1;
    let s = this.after(this.cursor);
    if (s < 0) s = this.after(-1);
    unchecked((this.words[s >>> 5] = this.words[s >>> 5] & ~(<u32>1 << (s & 31))));
    this.count--;
    this.cursor = s;
    return s;
  }

  /** The first slot in the set after `from`, or -1. */
  private after(from: i32): i32 {
    const start = from + 1;
    let w = start >>> 5;
    const n = this.words.length;
    if (w >= n) return -1;
    let word = unchecked(this.words[w]) & (<u32>0xffffffff << (start & 31));
    while (word == 0) {
      if (++w >= n) return -1;
      word = unchecked(this.words[w]);
    }
    return (w << 5) + <i32>ctz(word);
  }
}
