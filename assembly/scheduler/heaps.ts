import { growI32, growI64 } from "../slot-table";

/**
 * The scheduler's work lists: binary min-heaps of small records kept in parallel typed arrays,
 * and a set of stream slots visited in index order. Each replaces a scan the run loop used to
 * make at every event (see the design note in run.ts).
 *
 *   CompletionHeap  running ops by (end, issue order)    -> the next end, and ends in order
 *   TimerHeap       streams by the time their head may start (release or op gap)
 *   ReadyHeap       ready heads of one engine by (priority, ready time, issue order)
 *   StreamSet       streams whose head may have become startable (a bitset and a cursor)
 *
 * Capacities double when full and never shrink; a heap holds at most one record per running
 * op (completions) or per stream (ready heads), so steady work allocates nothing.
 */

/** Running ops ordered by their end, then by issue order (ops that end together complete so). */
export class CompletionHeap {
  op: Int32Array = new Int32Array(16);
  end: Int64Array = new Int64Array(16);
  order: Int64Array = new Int64Array(16);
  size: i32 = 0;

  /** The end of the first op (NEVER when empty is the caller's business: check size). */
  // @ts-ignore: decorator
  @inline
  topEnd(): i64 {
    return unchecked(this.end[0]);
  }

  push(op: i32, end: i64, order: i64): void {
    if (this.size == this.op.length) {
      const capacity = this.size * 2;
      this.op = growI32(this.op, capacity);
      this.end = growI64(this.end, capacity);
      this.order = growI64(this.order, capacity);
    }
    // Sift up: move parents down until the new record's place is found.
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pe = unchecked(this.end[parent]);
      if (pe < end || (pe == end && unchecked(this.order[parent]) < order)) break;
      this.set(i, parent);
      i = parent;
    }
    unchecked((this.op[i] = op));
    unchecked((this.end[i] = end));
    unchecked((this.order[i] = order));
  }

  /** Removes the first op and returns it (the caller checks that there is one). */
  pop(): i32 {
    const first = unchecked(this.op[0]);
    const n = --this.size;
    if (n == 0) return first;
    const op = unchecked(this.op[n]);
    const end = unchecked(this.end[n]);
    const order = unchecked(this.order[n]);
    // Sift down the last record from the root.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n) {
        const ce = unchecked(this.end[child]);
        const re = unchecked(this.end[right]);
        if (re < ce || (re == ce && unchecked(this.order[right]) < unchecked(this.order[child]))) {
          child = right;
        }
      }
      const ce = unchecked(this.end[child]);
      if (end < ce || (end == ce && order < unchecked(this.order[child]))) break;
      this.set(i, child);
      i = child;
    }
    unchecked((this.op[i] = op));
    unchecked((this.end[i] = end));
    unchecked((this.order[i] = order));
    return first;
  }

  // @ts-ignore: decorator
  @inline
  private set(to: i32, from: i32): void {
    unchecked((this.op[to] = this.op[from]));
    unchecked((this.end[to] = this.end[from]));
    unchecked((this.order[to] = this.order[from]));
  }
}

/**
 * Streams by the time their head may start. Entries are not removed when they go stale (a
 * launch moved the head's release, say): the run loop checks the top against the head before
 * it believes it, and a stale entry that comes due only makes its stream be looked at again.
 */
export class TimerHeap {
  stream: Int32Array = new Int32Array(16);
  time: Int64Array = new Int64Array(16);
  size: i32 = 0;

  // @ts-ignore: decorator
  @inline
  topTime(): i64 {
    return unchecked(this.time[0]);
  }

  // @ts-ignore: decorator
  @inline
  topStream(): i32 {
    return unchecked(this.stream[0]);
  }

  push(stream: i32, time: i64): void {
    if (this.size == this.stream.length) {
      const capacity = this.size * 2;
      this.stream = growI32(this.stream, capacity);
      this.time = growI64(this.time, capacity);
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (unchecked(this.time[parent]) <= time) break;
      unchecked((this.stream[i] = this.stream[parent]));
      unchecked((this.time[i] = this.time[parent]));
      i = parent;
    }
    unchecked((this.stream[i] = stream));
    unchecked((this.time[i] = time));
  }

  /** Removes the first entry (the caller checks that there is one). */
  pop(): void {
    const n = --this.size;
    if (n == 0) return;
    const stream = unchecked(this.stream[n]);
    const time = unchecked(this.time[n]);
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && unchecked(this.time[right]) < unchecked(this.time[child])) child = right;
      if (time <= unchecked(this.time[child])) break;
      unchecked((this.stream[i] = this.stream[child]));
      unchecked((this.time[i] = this.time[child]));
      i = child;
    }
    unchecked((this.stream[i] = stream));
    unchecked((this.time[i] = time));
  }

  clear(): void {
    this.size = 0;
  }
}

/**
 * The ready heads of one engine, in the order the engine takes them: priority (the compute
 * engine's; 0 on the others), then the time the head became ready, then issue order. The key
 * of a head never changes while it waits here (its stream's head changes only once it ran).
 */
export class ReadyHeap {
  op: Int32Array = new Int32Array(8);
  priority: Int32Array = new Int32Array(8);
  readyAt: Int64Array = new Int64Array(8);
  order: Int64Array = new Int64Array(8);
  size: i32 = 0;

  // @ts-ignore: decorator
  @inline
  top(): i32 {
    return unchecked(this.op[0]);
  }

  push(op: i32, priority: i32, readyAt: i64, order: i64): void {
    if (this.size == this.op.length) {
      const capacity = this.size * 2;
      this.op = growI32(this.op, capacity);
      this.priority = growI32(this.priority, capacity);
      this.readyAt = growI64(this.readyAt, capacity);
      this.order = growI64(this.order, capacity);
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(parent, priority, readyAt, order)) break;
      this.set(i, parent);
      i = parent;
    }
    unchecked((this.op[i] = op));
    unchecked((this.priority[i] = priority));
    unchecked((this.readyAt[i] = readyAt));
    unchecked((this.order[i] = order));
  }

  /** Removes the first head (the caller checks that there is one). */
  pop(): void {
    const n = --this.size;
    if (n == 0) return;
    const op = unchecked(this.op[n]);
    const priority = unchecked(this.priority[n]);
    const readyAt = unchecked(this.readyAt[n]);
    const order = unchecked(this.order[n]);
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (
        right < n &&
        this.less(
          right,
          unchecked(this.priority[child]),
          unchecked(this.readyAt[child]),
          unchecked(this.order[child]),
        )
      ) {
        child = right;
      }
      if (!this.less(child, priority, readyAt, order)) break;
      this.set(i, child);
      i = child;
    }
    unchecked((this.op[i] = op));
    unchecked((this.priority[i] = priority));
    unchecked((this.readyAt[i] = readyAt));
    unchecked((this.order[i] = order));
  }

  clear(): void {
    this.size = 0;
  }

  /** Whether record `i` comes before the key (priority, readyAt, order). */
  // @ts-ignore: decorator
  @inline
  private less(i: i32, priority: i32, readyAt: i64, order: i64): bool {
    const p = unchecked(this.priority[i]);
    if (p != priority) return p < priority;
    const r = unchecked(this.readyAt[i]);
    if (r != readyAt) return r < readyAt;
    return unchecked(this.order[i]) < order;
  }

  // @ts-ignore: decorator
  @inline
  private set(to: i32, from: i32): void {
    unchecked((this.op[to] = this.op[from]));
    unchecked((this.priority[to] = this.priority[from]));
    unchecked((this.readyAt[to] = this.readyAt[from]));
    unchecked((this.order[to] = this.order[from]));
  }
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
  add(s: i32): void {
    const w = s >>> 5;
    if (w >= this.words.length) {
      const grown = new Uint32Array(max(w + 1, this.words.length * 2));
      grown.set(this.words);
      this.words = grown;
    }
    const bit: u32 = 1 << (s & 31);
    const word = unchecked(this.words[w]);
    if ((word & bit) != 0) return;
    unchecked((this.words[w] = word | bit));
    this.count++;
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
