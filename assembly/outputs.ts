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
import { MAX_SLOTS, handleGen, handleIndex, makeHandle, nextGen } from "./handle";

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

/*
 * The output table: one record per row, OUT_BYTES (32) at outBase + slot * 32, in unmanaged
 * memory (every call on an output reads or writes a few fields of one row: one pointer and one
 * cache line, where a struct of typed arrays cost a chain of loads per field).
 *
 *   0         8       16      20     24    28      29      30     31
 *   | startNs | endNs | owner | refs | gen | state | flags | live | - |
 *
 * owner: the handler that holds the row (its handle, negated while a batch is checked), or 0;
 * refs: holders of the row (the host object, a handler, barriers, a double-buffer slot); gen:
 * the slot's generation (handle.ts). A free row's `owner` links the free list; slots are
 * handed out as SlotTable does (the last freed first), so handles are the same.
 */
const OUT_SHIFT: usize = 5;
const O_START: usize = 0;
const O_END: usize = 8;
const O_OWNER: usize = 16;
const O_REFS: usize = 20;
const O_GEN: usize = 24;
const O_STATE: usize = 28;
const O_FLAGS: usize = 29;
const O_LIVE: usize = 30;

let outCapacity: i32 = 64;
let outBase: usize = heap.alloc(<usize>outCapacity << OUT_SHIFT);
let outUsed: i32 = 0;
let outFreeHead: i32 = -1;
let outLiveCount: i32 = 0;
/** Outputs in each state, indexed by state. */
const counts = new StaticArray<i32>(STATE_COUNT);

// @ts-ignore: decorator
@inline
function rowAt(index: i32): usize {
  return outBase + (<usize>index << OUT_SHIFT);
}

/** The state of a live output (by slot index). */
// @ts-ignore: decorator
@inline
export function outputState(index: i32): u8 {
  return load<u8>(rowAt(index), O_STATE);
}

/** The handler that holds a live output, or 0. */
// @ts-ignore: decorator
@inline
export function outputOwner(index: i32): i32 {
  return load<i32>(rowAt(index), O_OWNER);
}

// @ts-ignore: decorator
@inline
export function setOutputOwner(index: i32, owner: i32): void {
  store<i32>(rowAt(index), owner, O_OWNER);
}

export function outputStartNs(index: i32): f64 {
  return load<f64>(rowAt(index), O_START);
}

export function outputEndNs(index: i32): f64 {
  return load<f64>(rowAt(index), O_END);
}

/** Live outputs in a state. */
export function outputCount(state: i32): i32 {
  return counts[state];
}

/** Creates an output in the pending state; returns its handle, or -E_FULL. */
export function outputCreate(): i32 {
  let index = outFreeHead;
  let gen: i32;
  if (index >= 0) {
    const r = rowAt(index);
    outFreeHead = load<i32>(r, O_OWNER);
    gen = load<i32>(r, O_GEN);
  } else {
    if (outUsed == outCapacity) {
      if (outUsed >= MAX_SLOTS) return -E_FULL;
      outCapacity = min(outCapacity * 2, MAX_SLOTS);
      outBase = heap.realloc(outBase, <usize>outCapacity << OUT_SHIFT);
    }
    index = outUsed++;
    gen = 1;
  }
  const r = rowAt(index);
  store<f64>(r, -1, O_START);
  store<f64>(r, -1, O_END);
  store<i32>(r, 0, O_OWNER);
  store<i32>(r, 1, O_REFS);
  store<i32>(r, gen, O_GEN);
  store<u8>(r, STATE_PENDING, O_STATE);
  store<u8>(r, 0, O_FLAGS);
  store<u8>(r, 1, O_LIVE);
  outLiveCount++;
  unchecked((counts[STATE_PENDING] = unchecked(counts[STATE_PENDING]) + 1));
  return makeHandle(index, gen);
}

/** Moves a live output (by slot index) to `to` at time `nowNs`; returns OK or a negated code. */
export function outputMove(index: i32, to: u8, nowNs: f64): i32 {
  // `index` is a live slot (callers resolve handles first) and states are < STATE_COUNT.
  const r = rowAt(index);
  const from = load<u8>(r, O_STATE);
  if (!isLegal(from, to)) return -E_INVALID_TRANSITION;
  store<u8>(r, to, O_STATE);
  unchecked((counts[from] = unchecked(counts[from]) - 1));
  unchecked((counts[to] = unchecked(counts[to]) + 1));
  if (to == STATE_IN_PROGRESS) store<f64>(r, nowNs, O_START);
  if (isTerminal(to)) {
    if (load<f64>(r, O_START) < 0) store<f64>(r, nowNs, O_START);
    store<f64>(r, nowNs, O_END);
  }
  return OK;
}

/** Fails an output from pending or in progress (a device fault): two legal steps. */
export function outputFailAny(index: i32, nowNs: f64): i32 {
  const state = outputState(index);
  if (isTerminal(state)) return -E_INVALID_TRANSITION;
  if (state == STATE_PENDING) outputMove(index, STATE_IN_PROGRESS, nowNs);
  return outputMove(index, STATE_FAILED, nowNs);
}

/** Fails every live output that has not finished (a sticky device fault); returns how many. */
export function outputFailAll(nowNs: f64): i32 {
  let n = 0;
  for (let i = 0; i < outUsed; i++) {
    const r = rowAt(i);
    if (load<u8>(r, O_LIVE) == 0 || isTerminal(load<u8>(r, O_STATE))) continue;
    outputFailAny(i, nowNs);
    n++;
  }
  return n;
}

/** Marks a terminal output as delivered; a second delivery is rejected. */
export function outputDeliver(index: i32): i32 {
  const r = rowAt(index);
  if (!isTerminal(load<u8>(r, O_STATE))) return -E_NOT_FINISHED;
  const flags = load<u8>(r, O_FLAGS);
  if ((flags & FLAG_DELIVERED) != 0) return -E_ALREADY_DELIVERED;
  store<u8>(r, flags | FLAG_DELIVERED, O_FLAGS);
  return OK;
}

/** Marks device work bound to an output as in flight. */
export function outputBindWork(index: i32): void {
  const r = rowAt(index);
  store<u8>(r, load<u8>(r, O_FLAGS) | FLAG_WORK, O_FLAGS);
}

/** Marks the bound device work as done (whatever the output's state by then). */
export function outputWorkDone(index: i32): void {
  const r = rowAt(index);
  store<u8>(r, load<u8>(r, O_FLAGS) & ~FLAG_WORK, O_FLAGS);
}

/** Whether an output is terminal and no device work bound to it is in flight. */
export function outputSettled(index: i32): bool {
  const r = rowAt(index);
  return isTerminal(load<u8>(r, O_STATE)) && (load<u8>(r, O_FLAGS) & FLAG_WORK) == 0;
}

/** Whether an output's result was delivered. */
export function outputDelivered(index: i32): bool {
  return (load<u8>(rowAt(index), O_FLAGS) & FLAG_DELIVERED) != 0;
}

/** Frees an output's row; its handle goes stale (the generation moves on). */
function outputFree(index: i32): void {
  const r = rowAt(index);
  const state = load<u8>(r, O_STATE);
  unchecked((counts[state] = unchecked(counts[state]) - 1));
  store<u8>(r, 0, O_LIVE);
  store<i32>(r, nextGen(load<i32>(r, O_GEN)), O_GEN);
  store<i32>(r, outFreeHead, O_OWNER);
  outFreeHead = index;
  outLiveCount--;
}

/** A new holder of the row (a handler, a barrier, a double-buffer slot). */
export function outputRetain(index: i32): void {
  const r = rowAt(index);
  store<i32>(r, load<i32>(r, O_REFS) + 1, O_REFS);
}

/** A holder lets go; the row is freed, and its handle goes stale, when none is left. */
export function outputRelease(index: i32): void {
  const r = rowAt(index);
  const refs = load<i32>(r, O_REFS) - 1;
  store<i32>(r, refs, O_REFS);
  if (refs == 0) outputFree(index);
}

/** Releases by handle; a stale handle is ignored (its row is already gone). */
export function outputReleaseHandle(handle: i32): void {
  const index = outputIndex(handle);
  if (index >= 0) outputRelease(index);
}

/** Live output rows (for leak checks). */
export function outputLive(): i32 {
  return outLiveCount;
}

/** The slot of a live output handle, or -E_STALE_HANDLE. */
export function outputIndex(handle: i32): i32 {
  if (handle <= 0) return -E_STALE_HANDLE;
  const index = handleIndex(handle);
  if (index >= outUsed) return -E_STALE_HANDLE;
  const r = rowAt(index);
  if (load<u8>(r, O_LIVE) == 0 || load<i32>(r, O_GEN) != handleGen(handle)) return -E_STALE_HANDLE;
  return index;
}
