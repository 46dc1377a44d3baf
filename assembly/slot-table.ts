import { MAX_SLOTS, handleGen, handleIndex, makeHandle, nextGen } from "./handle";

/**
 * Hands out slot indices with generations, and takes them back.
 *
 * Tables of the core keep their fields in parallel typed arrays indexed by slot (a struct of
 * arrays); this class owns only the bookkeeping: which slots are live, their generations and
 * the free list. Growth doubles the capacity and is the only allocation, so a steady state of
 * create and free allocates nothing.
 */
export class SlotTable {
  gens: Int32Array;
  live: Uint8Array;
  nextFree: Int32Array;
  freeHead: i32 = -1;
  used: i32 = 0;
  liveCount: i32 = 0;

  constructor(capacity: i32) {
    this.gens = new Int32Array(capacity);
    this.live = new Uint8Array(capacity);
    this.nextFree = new Int32Array(capacity);
  }

  /** The current capacity; tables grow their own fields to match it. */
  get capacity(): i32 {
    return this.gens.length;
  }

  /** Takes a free slot; returns its index, or -1 when the table cannot grow any further. */
  alloc(): i32 {
    let index = this.freeHead;
    if (index >= 0) {
      this.freeHead = unchecked(this.nextFree[index]);
    } else {
      if (this.used == this.gens.length) {
        if (this.used >= MAX_SLOTS) return -1;
        this.grow(min(this.used * 2, MAX_SLOTS));
      }
      index = this.used++;
      unchecked((this.gens[index] = 1));
    }
    unchecked((this.live[index] = 1));
    this.liveCount++;
    return index;
  }

  /** Frees a live slot; its generation moves on so that old handles go stale. */
  free(index: i32): void {
    unchecked((this.live[index] = 0));
    unchecked((this.gens[index] = nextGen(unchecked(this.gens[index]))));
    unchecked((this.nextFree[index] = this.freeHead));
    this.freeHead = index;
    this.liveCount--;
  }

  /** The handle of a live slot. */
  // @ts-ignore: decorator
  @inline
  handle(index: i32): i32 {
    return makeHandle(index, unchecked(this.gens[index]));
  }

  /** The slot index a handle names, or -1 when it is stale or was never handed out. */
  // @ts-ignore: decorator
  @inline
  resolve(handle: i32): i32 {
    if (handle <= 0) return -1;
    const index = handleIndex(handle);
    // index < used <= capacity: the loads need no bounds check (every call resolves a handle).
    if (index >= this.used) return -1;
    if (unchecked(this.live[index]) == 0) return -1;
    if (unchecked(this.gens[index]) != handleGen(handle)) return -1;
    return index;
  }

  private grow(capacity: i32): void {
    this.gens = growI32(this.gens, capacity);
    this.live = growU8(this.live, capacity);
    this.nextFree = growI32(this.nextFree, capacity);
  }
}

/** Copies an Int32Array into a larger one. */
export function growI32(from: Int32Array, capacity: i32): Int32Array {
  const to = new Int32Array(capacity);
  to.set(from);
  return to;
}

/** Copies a Uint8Array into a larger one. */
export function growU8(from: Uint8Array, capacity: i32): Uint8Array {
  const to = new Uint8Array(capacity);
  to.set(from);
  return to;
}

/** Copies a Float64Array into a larger one. */
export function growF64(from: Float64Array, capacity: i32): Float64Array {
  const to = new Float64Array(capacity);
  to.set(from);
  return to;
}

/** Copies an Int64Array into a larger one. */
export function growI64(from: Int64Array, capacity: i32): Int64Array {
  const to = new Int64Array(capacity);
  to.set(from);
  return to;
}
