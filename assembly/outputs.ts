import {
  E_ALREADY_DELIVERED,
  E_FULL,
  E_INVALID_TRANSITION,
  E_NOT_FINISHED,
  E_STALE_HANDLE,
  OK,
  STATE_CANCELLED,
  STATE_COMPLETED,
  STATE_COUNT,
  STATE_FAILED,
  STATE_IN_PROGRESS,
  STATE_PENDING,
} from "./codes";
import { SlotTable, growF64, growI32, growU8 } from "./slot-table";

/**
 * The output table: one row per AsyncOutput, and the state machine that moves it.
 *
 *   pending ──> in_progress ──> completed
 *      │             ├────────> failed
 *      └─────────────┴────────> cancelled
 *
 * The legal transitions live in LEGAL below and nowhere else. A rejected transition returns
 * E_INVALID_TRANSITION and leaves the row as it was. Terminal states never change.
 */

const LEGAL = new StaticArray<u8>(STATE_COUNT * STATE_COUNT);
LEGAL[STATE_PENDING * STATE_COUNT + STATE_IN_PROGRESS] = 1;
LEGAL[STATE_PENDING * STATE_COUNT + STATE_CANCELLED] = 1;
LEGAL[STATE_IN_PROGRESS * STATE_COUNT + STATE_COMPLETED] = 1;
LEGAL[STATE_IN_PROGRESS * STATE_COUNT + STATE_FAILED] = 1;
LEGAL[STATE_IN_PROGRESS * STATE_COUNT + STATE_CANCELLED] = 1;

/** Whether a state is terminal (completed, failed or cancelled). */
// @ts-ignore: decorator
@inline
export function isTerminal(state: u8): bool {
  return state >= STATE_COMPLETED;
}

/** Whether the table allows `from -> to`. */
// @ts-ignore: decorator
@inline
export function isLegal(from: i32, to: i32): bool {
  if (from < 0 || from >= STATE_COUNT || to < 0 || to >= STATE_COUNT) return false;
  return unchecked(LEGAL[from * STATE_COUNT + to]) != 0;
}

const FLAG_DELIVERED: u8 = 1;
/** Device work bound to the output is still in flight (its memory is not free yet). */
const FLAG_WORK: u8 = 2;

class OutputTable {
  slots: SlotTable = new SlotTable(64);
  state: Uint8Array = new Uint8Array(64);
  flags: Uint8Array = new Uint8Array(64);
  owner: Int32Array = new Int32Array(64);
  /** Holders of the row: the host object, a handler, barriers, a double-buffer slot. */
  refs: Int32Array = new Int32Array(64);
  startNs: Float64Array = new Float64Array(64);
  endNs: Float64Array = new Float64Array(64);
  /** Outputs in each state, indexed by state. */
  counts: Int32Array = new Int32Array(STATE_COUNT);

  alloc(): i32 {
    const index = this.slots.alloc();
    if (index < 0) return -1;
    if (this.state.length < this.slots.capacity) this.grow(this.slots.capacity);
    // index < capacity after the growth: the stores need no bounds checks.
    unchecked((this.state[index] = STATE_PENDING));
    unchecked((this.flags[index] = 0));
    unchecked((this.owner[index] = 0));
    unchecked((this.refs[index] = 1));
    unchecked((this.startNs[index] = -1));
    unchecked((this.endNs[index] = -1));
    unchecked((this.counts[STATE_PENDING] = unchecked(this.counts[STATE_PENDING]) + 1));
    return index;
  }

  private grow(capacity: i32): void {
    this.state = growU8(this.state, capacity);
    this.flags = growU8(this.flags, capacity);
    this.owner = growI32(this.owner, capacity);
    this.refs = growI32(this.refs, capacity);
    this.startNs = growF64(this.startNs, capacity);
    this.endNs = growF64(this.endNs, capacity);
  }
}

export const outputs = new OutputTable();

/** Creates an output in the pending state; returns its handle, or -E_FULL. */
export function outputCreate(): i32 {
  const index = outputs.alloc();
  if (index < 0) return -E_FULL;
  return outputs.slots.handle(index);
}

/** Moves a live output (by slot index) to `to` at time `nowNs`; returns OK or a negated code. */
export function outputMove(index: i32, to: u8, nowNs: f64): i32 {
  // `index` is a live slot (callers resolve handles first) and states are < STATE_COUNT.
  const from = unchecked(outputs.state[index]);
  if (!isLegal(from, to)) return -E_INVALID_TRANSITION;
  unchecked((outputs.state[index] = to));
  unchecked((outputs.counts[from] = unchecked(outputs.counts[from]) - 1));
  unchecked((outputs.counts[to] = unchecked(outputs.counts[to]) + 1));
  if (to == STATE_IN_PROGRESS) unchecked((outputs.startNs[index] = nowNs));
  if (isTerminal(to)) {
    if (unchecked(outputs.startNs[index]) < 0) unchecked((outputs.startNs[index] = nowNs));
    unchecked((outputs.endNs[index] = nowNs));
  }
  return OK;
}

/** Fails an output from pending or in progress (a device fault): two legal steps. */
export function outputFailAny(index: i32, nowNs: f64): i32 {
  const state = outputs.state[index];
  if (isTerminal(state)) return -E_INVALID_TRANSITION;
  if (state == STATE_PENDING) outputMove(index, STATE_IN_PROGRESS, nowNs);
  return outputMove(index, STATE_FAILED, nowNs);
}

/** Fails every live output that has not finished (a sticky device fault); returns how many. */
export function outputFailAll(nowNs: f64): i32 {
  let n = 0;
  const used = outputs.slots.used;
  for (let i = 0; i < used; i++) {
    if (outputs.slots.live[i] == 0 || isTerminal(outputs.state[i])) continue;
    outputFailAny(i, nowNs);
    n++;
  }
  return n;
}

/** Marks a terminal output as delivered; a second delivery is rejected. */
export function outputDeliver(index: i32): i32 {
  if (!isTerminal(unchecked(outputs.state[index]))) return -E_NOT_FINISHED;
  const flags = unchecked(outputs.flags[index]);
  if ((flags & FLAG_DELIVERED) != 0) return -E_ALREADY_DELIVERED;
  unchecked((outputs.flags[index] = flags | FLAG_DELIVERED));
  return OK;
}

/** Marks device work bound to an output as in flight. */
export function outputBindWork(index: i32): void {
  outputs.flags[index] |= FLAG_WORK;
}

/** Marks the bound device work as done (whatever the output's state by then). */
export function outputWorkDone(index: i32): void {
  outputs.flags[index] &= ~FLAG_WORK;
}

/** Whether an output is terminal and no device work bound to it is in flight. */
export function outputSettled(index: i32): bool {
  return isTerminal(outputs.state[index]) && (outputs.flags[index] & FLAG_WORK) == 0;
}

/** Whether an output's result was delivered. */
export function outputDelivered(index: i32): bool {
  return (outputs.flags[index] & FLAG_DELIVERED) != 0;
}

/** Frees an output's row; its handle goes stale. */
function outputFree(index: i32): void {
  const state = unchecked(outputs.state[index]);
  unchecked((outputs.counts[state] = unchecked(outputs.counts[state]) - 1));
  outputs.slots.free(index);
}

/** A new holder of the row (a handler, a barrier, a double-buffer slot). */
export function outputRetain(index: i32): void {
  unchecked((outputs.refs[index] = unchecked(outputs.refs[index]) + 1));
}

/** A holder lets go; the row is freed, and its handle goes stale, when none is left. */
export function outputRelease(index: i32): void {
  const refs = unchecked(outputs.refs[index]) - 1;
  unchecked((outputs.refs[index] = refs));
  if (refs == 0) outputFree(index);
}

/** Releases by handle; a stale handle is ignored (its row is already gone). */
export function outputReleaseHandle(handle: i32): void {
  const index = outputs.slots.resolve(handle);
  if (index >= 0) outputRelease(index);
}

/** Live output rows (for leak checks). */
export function outputLive(): i32 {
  return outputs.slots.liveCount;
}

/** The slot of a live output handle, or -E_STALE_HANDLE. */
export function outputIndex(handle: i32): i32 {
  const index = outputs.slots.resolve(handle);
  return index < 0 ? -E_STALE_HANDLE : index;
}
