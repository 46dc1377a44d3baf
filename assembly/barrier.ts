import { E_DUPLICATE, E_FULL, E_STALE_HANDLE, OK, STATE_FAILED } from "./codes";
import { isTerminal, outputIndex, outputReleaseHandle, outputRetain, outputState } from "./outputs";
import { SlotTable } from "./slot-table";

/**
 * Barriers: a count of outputs to wait for, reusable after `reset`.
 *
 * A barrier keeps the handles added to it; `arrived` counts how many of them are terminal in
 * one pass, so the host asks once per wake-up instead of once per output.
 */
class Barrier {
  members: Int32Array;
  added: i32 = 0;
  generation: i32 = 0;

  constructor(count: i32) {
    this.members = new Int32Array(count);
  }
}

const slots = new SlotTable(16);
const table = new Array<Barrier | null>();

function get(handle: i32): Barrier | null {
  const index = slots.resolve(handle);
  return index < 0 ? null : unchecked(table[index]);
}

/** Creates a barrier for `count` outputs (>= 1). */
export function barrierCreate(count: i32): i32 {
  const index = slots.alloc();
  if (index < 0) return -E_FULL;
  while (table.length <= index) table.push(null);
  table[index] = new Barrier(count);
  return slots.handle(index);
}

/** Destroys a barrier. */
export function barrierDestroy(handle: i32): i32 {
  const index = slots.resolve(handle);
  if (index < 0) return -E_STALE_HANDLE;
  releaseMembers(table[index]!);
  table[index] = null;
  slots.free(index);
  return OK;
}

function releaseMembers(b: Barrier): void {
  for (let i = 0; i < b.added; i++) outputReleaseHandle(unchecked(b.members[i]));
  b.added = 0;
}

/** Adds an output; returns how many were added so far, or E_FULL / E_DUPLICATE / stale. */
export function barrierAdd(handle: i32, output: i32): i32 {
  const b = get(handle);
  if (b == null) return -E_STALE_HANDLE;
  const o = outputIndex(output);
  if (o < 0) return o;
  if (b.added == b.members.length) return -E_FULL;
  for (let i = 0; i < b.added; i++) {
    if (unchecked(b.members[i]) == output) return -E_DUPLICATE;
  }
  unchecked((b.members[b.added++] = output));
  outputRetain(o);
  return b.added;
}

/** How many added outputs are terminal (a freed output counts as arrived). */
export function barrierArrived(handle: i32): i32 {
  const b = get(handle);
  if (b == null) return -E_STALE_HANDLE;
  let arrived = 0;
  for (let i = 0; i < b.added; i++) {
    const o = outputIndex(unchecked(b.members[i]));
    if (o < 0 || isTerminal(outputState(o))) arrived++;
  }
  return arrived;
}

/** The first added output that failed, in order of adding; 0 when none did. */
export function barrierFirstFailed(handle: i32): i32 {
  const b = get(handle);
  if (b == null) return -E_STALE_HANDLE;
  for (let i = 0; i < b.added; i++) {
    const o = outputIndex(unchecked(b.members[i]));
    if (o >= 0 && outputState(o) == STATE_FAILED) return unchecked(b.members[i]);
  }
  return 0;
}

/** The barrier's count. */
export function barrierCount(handle: i32): i32 {
  const b = get(handle);
  return b == null ? -E_STALE_HANDLE : b.members.length;
}

/** Outputs added since the last reset. */
export function barrierAdded(handle: i32): i32 {
  const b = get(handle);
  return b == null ? -E_STALE_HANDLE : b.added;
}

/** The barrier's generation: how many times it was reset. */
export function barrierGeneration(handle: i32): i32 {
  const b = get(handle);
  return b == null ? -E_STALE_HANDLE : b.generation;
}

/** Empties the barrier for reuse and moves its generation on. */
export function barrierReset(handle: i32): i32 {
  const b = get(handle);
  if (b == null) return -E_STALE_HANDLE;
  releaseMembers(b);
  b.generation++;
  return b.generation;
}
