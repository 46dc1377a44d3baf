import { E_BUSY, E_FULL, E_INVALID_TRANSITION, E_STALE_HANDLE, OK, SLOT_COMPUTING, SLOT_FREE, SLOT_TRANSFERRING } from "./codes";
import { outputIndex, outputReleaseHandle, outputRetain, outputSettled } from "./outputs";
import { resultInts } from "./results";
import { SlotTable } from "./slot-table";

/**
 * Double (or N-slot) buffer bookkeeping.
 *
 *   free ──swap──> computing ──transfer──> transferring ──fence done──> free
 *
 * One slot at a time is `current` (computing). `transfer` hands the current slot to a copy and
 * records the copy's output as the slot's fence. `swap` moves `current` to the next slot in
 * rotation and succeeds only when that slot is free; while its fence is pending it returns
 * E_BUSY and changes nothing, and the host waits on the fence and asks again.
 */
class DoubleBuffer {
  state: Uint8Array;
  fence: Int32Array;
  current: i32 = 0;
  swaps: i32 = 0;

  constructor(slots: i32) {
    this.state = new Uint8Array(slots);
    this.fence = new Int32Array(slots);
    this.state[0] = SLOT_COMPUTING;
  }

  /** Frees transferring slots whose fence has finished. */
  refresh(): void {
    const n = this.state.length;
    for (let i = 0; i < n; i++) {
      if (unchecked(this.state[i]) != SLOT_TRANSFERRING) continue;
      const fence = unchecked(this.fence[i]);
      const o = outputIndex(fence);
      // A cancelled transfer still holds its slot until the copy itself is done.
      if (o >= 0 && !outputSettled(o)) continue;
      unchecked((this.state[i] = SLOT_FREE));
      unchecked((this.fence[i] = 0));
      outputReleaseHandle(fence);
    }
  }
}

const slots = new SlotTable(16);
const table = new Array<DoubleBuffer | null>();

function get(handle: i32): DoubleBuffer | null {
  const index = slots.resolve(handle);
  return index < 0 ? null : unchecked(table[index]);
}

/** Creates the bookkeeping for `n` slots (>= 2); slot 0 starts as current. */
export function dbCreate(n: i32): i32 {
  const index = slots.alloc();
  if (index < 0) return -E_FULL;
  while (table.length <= index) table.push(null);
  table[index] = new DoubleBuffer(n);
  return slots.handle(index);
}

/** Destroys a double buffer's bookkeeping. */
export function dbDestroy(handle: i32): i32 {
  const index = slots.resolve(handle);
  if (index < 0) return -E_STALE_HANDLE;
  const d = table[index]!;
  for (let i = 0; i < d.fence.length; i++) outputReleaseHandle(d.fence[i]);
  table[index] = null;
  slots.free(index);
  return OK;
}

/** The current (computing) slot. */
export function dbCurrent(handle: i32): i32 {
  const d = get(handle);
  return d == null ? -E_STALE_HANDLE : d.current;
}

/** Hands the current slot to a transfer whose completion is `output`. */
export function dbTransfer(handle: i32, output: i32): i32 {
  const d = get(handle);
  if (d == null) return -E_STALE_HANDLE;
  const o = outputIndex(output);
  if (o < 0) return o;
  if (d.state[d.current] != SLOT_COMPUTING) return -E_INVALID_TRANSITION;
  d.state[d.current] = SLOT_TRANSFERRING;
  d.fence[d.current] = output;
  outputRetain(o);
  return d.current;
}

/** The slot `swap` would hand out next. */
export function dbNext(handle: i32): i32 {
  const d = get(handle);
  if (d == null) return -E_STALE_HANDLE;
  return (d.current + 1) % d.state.length;
}

/**
 * Moves `current` to the next slot: returns the new current slot, or E_BUSY (nothing changed)
 * when that slot is still being transferred. A current slot that was never transferred is
 * given up (its contents were not wanted) and becomes free.
 */
export function dbSwap(handle: i32): i32 {
  const d = get(handle);
  if (d == null) return -E_STALE_HANDLE;
  d.refresh();
  const next = (d.current + 1) % d.state.length;
  if (d.state[next] != SLOT_FREE) return -E_BUSY;
  if (d.state[d.current] == SLOT_COMPUTING) d.state[d.current] = SLOT_FREE;
  d.state[next] = SLOT_COMPUTING;
  d.current = next;
  d.swaps++;
  return next;
}

/** The fence (an output handle) of a slot; 0 when the slot is not transferring. */
export function dbFence(handle: i32, slot: i32): i32 {
  const d = get(handle);
  if (d == null) return -E_STALE_HANDLE;
  d.refresh();
  return d.fence[slot];
}

/** Writes each slot's state to the result area; returns the slot count. */
export function dbStates(handle: i32): i32 {
  const d = get(handle);
  if (d == null) return -E_STALE_HANDLE;
  d.refresh();
  const n = d.state.length;
  const out = resultInts(n);
  for (let i = 0; i < n; i++) unchecked((out[i] = d.state[i]));
  return n;
}

/** Swaps done so far. */
export function dbSwaps(handle: i32): i32 {
  const d = get(handle);
  return d == null ? -E_STALE_HANDLE : d.swaps;
}

/** Returns to the initial state; E_BUSY (nothing changed) while a transfer is in flight. */
export function dbReset(handle: i32): i32 {
  const d = get(handle);
  if (d == null) return -E_STALE_HANDLE;
  d.refresh();
  const n = d.state.length;
  for (let i = 0; i < n; i++) if (d.state[i] == SLOT_TRANSFERRING) return -E_BUSY;
  for (let i = 0; i < n; i++) d.state[i] = SLOT_FREE;
  d.state[0] = SLOT_COMPUTING;
  d.current = 0;
  d.swaps = 0;
  return OK;
}
