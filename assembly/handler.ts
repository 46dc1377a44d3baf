import { E_ALREADY_SUBMITTED, E_DUPLICATE, E_FULL, E_STALE_HANDLE, OK, STATE_CANCELLED, STATE_COMPLETED, STATE_FAILED } from "./codes";
import {
  isTerminal,
  outputIndex,
  outputOwner,
  outputRelease,
  outputRetain,
  outputState,
  setOutputOwner,
} from "./outputs";
import { resultFloats, resultInts } from "./results";
import { RingQueue } from "./ring-queue";
import { SlotTable } from "./slot-table";

/**
 * Output handlers: a bounded queue of pending outputs and the list of finished ones.
 *
 *   submit ──> pending (at most maxPending) ──poll──> finished ──take──> handed out
 *                                                      [0 .. taken)  [taken .. length)
 *
 * `poll` moves every finished output out of `pending` in one pass, keeping submission order
 * among them, and hands out all finished outputs not yet handed out. `takeOne` hands out one.
 * `clearCompleted` forgets those already handed out. Nothing here waits: the host waits and
 * then asks again.
 */
class Handler {
  pending: RingQueue;
  finished: RingQueue = new RingQueue(64, true);
  taken: i32 = 0;
  maxPending: i32;
  submitted: f64 = 0;
  rejected: f64 = 0;
  completed: f64 = 0;
  failed: f64 = 0;
  cancelled: f64 = 0;
  polls: f64 = 0;
  peakPending: i32 = 0;

  constructor(maxPending: i32) {
    this.maxPending = maxPending;
    this.pending = new RingQueue(maxPending);
  }
}

const slots = new SlotTable(16);
const table = new Array<Handler | null>();

function get(handle: i32): Handler | null {
  const index = slots.resolve(handle);
  return index < 0 ? null : unchecked(table[index]);
}

/** Creates a handler that holds at most `maxPending` outputs (>= 1); returns its handle. */
export function handlerCreate(maxPending: i32): i32 {
  const index = slots.alloc();
  if (index < 0) return -E_FULL;
  while (table.length <= index) table.push(null);
  table[index] = new Handler(maxPending);
  return slots.handle(index);
}

/** Destroys a handler; its outputs stay alive but belong to no handler. */
export function handlerDestroy(handle: i32): i32 {
  const index = slots.resolve(handle);
  if (index < 0) return -E_STALE_HANDLE;
  const h = table[index]!;
  release(h.pending, h.pending.length);
  release(h.finished, h.finished.length);
  table[index] = null;
  slots.free(index);
  return OK;
}

function release(queue: RingQueue, n: i32): void {
  // The ring's fields in locals: stores to the output rows could alias them otherwise.
  const items = queue.items.dataStart;
  const mask = queue.mask;
  const head = queue.head;
  for (let i = 0; i < n; i++) {
    const o = outputIndex(load<i32>(items + (<usize>((head + <u32>i) & mask) << 2)));
    if (o < 0) continue;
    setOutputOwner(o, 0);
    outputRelease(o);
  }
}

/**
 * Submits an output: 1 when queued, 0 when the handler is full (nothing changes), or a
 * negated code for a stale handle or an output that already belongs to a handler.
 */
export function handlerSubmit(handle: i32, output: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  const o = outputIndex(output);
  if (o < 0) return o;
  if (outputOwner(o) != 0) return -E_ALREADY_SUBMITTED;
  if (h.pending.length >= h.maxPending) {
    h.rejected++;
    return 0;
  }
  h.pending.push(output);
  setOutputOwner(o, handle);
  outputRetain(o);
  h.submitted++;
  if (h.pending.length > h.peakPending) h.peakPending = h.pending.length;
  return 1;
}

/** Slot indices of a batch being submitted (grown as batches grow). */
let batchIndex = new Int32Array(256);

/**
 * Submits `n` outputs whose handles are in `handles`, in order, until the handler is full:
 * returns how many were queued (those that did not fit count as refused, as with submit), or
 * a negated code when one of them cannot be submitted at all (stale, in a handler already, or
 * twice in the batch), with its position as the first i32 result; then nothing changed.
 */
export function handlerSubmitMany(handle: i32, handles: Int32Array, n: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  const room = min(n, h.maxPending - h.pending.length);
  if (batchIndex.length < n) batchIndex = new Int32Array(max(n, batchIndex.length * 2));
  const index = batchIndex;

  // Check every output before changing anything; a mark in `owner` (the handler's own handle,
  // negated) finds one listed twice, and is undone either way.
  let failed = 0;
  let at = 0;
  for (; at < n; at++) {
    const o = outputIndex(unchecked(handles[at]));
    if (o < 0) {
      failed = o;
      break;
    }
    const owner = outputOwner(o);
    if (owner != 0) {
      failed = owner == -handle ? -E_DUPLICATE : -E_ALREADY_SUBMITTED;
      break;
    }
    setOutputOwner(o, -handle);
    unchecked((index[at] = o));
  }
  if (failed != 0) {
    for (let i = 0; i < at; i++) setOutputOwner(unchecked(index[i]), 0);
    resultInts(1)[0] = at;
    return failed;
  }

  // Those that fit are the handler's; the rest are left as they were.
  for (let i = 0; i < room; i++) {
    const o = unchecked(index[i]);
    setOutputOwner(o, handle);
    outputRetain(o);
  }
  for (let i = room; i < n; i++) setOutputOwner(unchecked(index[i]), 0);
  h.pending.pushMany(handles, room);
  h.submitted += room;
  h.rejected += n - room;
  if (h.pending.length > h.peakPending) h.peakPending = h.pending.length;
  return room;
}

/** Moves every finished output from pending to finished, in submission order. */
function collect(h: Handler): void {
  const pending = h.pending;
  const finished = h.finished;
  const n = pending.length;
  finished.reserve(n);
  // Both rings' fields in locals, written back once (stores could alias them otherwise).
  const items = pending.items.dataStart;
  const mask = pending.mask;
  const head = pending.head;
  const out = finished.items.dataStart;
  const outMask = finished.mask;
  let tail = finished.tail;
  let kept = 0;
  let completed = 0;
  let failed = 0;
  let cancelled = 0;
  for (let i = 0; i < n; i++) {
    const handle = load<i32>(items + (<usize>((head + <u32>i) & mask) << 2));
    const o = outputIndex(handle);
    // A freed output (collected by the host's finalizer) counts as cancelled and leaves.
    const state = o < 0 ? STATE_CANCELLED : outputState(o);
    if (!isTerminal(state)) {
      if (kept != i) store<i32>(items + (<usize>((head + <u32>kept) & mask) << 2), handle);
      kept++;
      continue;
    }
    if (o >= 0) {
      store<i32>(out + (<usize>(tail & outMask) << 2), handle);
      tail++;
    }
    if (state == STATE_COMPLETED) completed++;
    else if (state == STATE_FAILED) failed++;
    else cancelled++;
  }
  finished.tail = tail;
  pending.truncate(kept);
  h.completed += completed;
  h.failed += failed;
  h.cancelled += cancelled;
}

/**
 * Moves finished outputs out of pending and hands out every finished output not handed out
 * yet: returns how many, with their handles in the result area.
 */
export function handlerPoll(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  h.polls++;
  collect(h);
  const n = h.finished.length - h.taken;
  h.finished.copyOut(h.taken, resultInts(n), n);
  h.taken += n;
  return n;
}

/** Hands out the oldest finished output not handed out yet; 0 when there is none. */
export function handlerTakeOne(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  collect(h);
  if (h.taken == h.finished.length) return 0;
  return h.finished.at(h.taken++);
}

/**
 * Forgets finished outputs already handed out; returns how many, with their handles in the
 * result area (the host forgets them too).
 */
export function handlerClearCompleted(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  const n = h.taken;
  h.finished.copyOut(0, resultInts(n), n);
  release(h.finished, n);
  h.finished.drop(n);
  h.taken = 0;
  return n;
}

/** Outputs submitted and not finished, as of the last poll. */
export function handlerNumPending(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  collect(h);
  return h.pending.length;
}

/** Finished outputs not cleared (handed out or not). */
export function handlerNumCompleted(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  collect(h);
  return h.finished.length;
}

/** Writes the pending handles to the result area; returns how many. */
export function handlerPending(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  collect(h);
  const n = h.pending.length;
  const out = resultInts(n);
  for (let i = 0; i < n; i++) unchecked((out[i] = h.pending.at(i)));
  return n;
}

/** Writes every finished handle (handed out first) to the result area; returns how many. */
export function handlerFinished(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  collect(h);
  const n = h.finished.length;
  const out = resultInts(n);
  for (let i = 0; i < n; i++) unchecked((out[i] = h.finished.at(i)));
  return n;
}

/** Finished outputs already handed out (and not cleared). */
export function handlerTaken(handle: i32): i32 {
  const h = get(handle);
  return h == null ? -E_STALE_HANDLE : h.taken;
}

/**
 * Writes the counters to the f64 result area, in this order: submitted, rejected, completed,
 * failed, cancelled, polls, pending, finished, peak pending, max pending.
 */
export function handlerStats(handle: i32): i32 {
  const h = get(handle);
  if (h == null) return -E_STALE_HANDLE;
  collect(h);
  const out = resultFloats(10);
  out[0] = h.submitted;
  out[1] = h.rejected;
  out[2] = h.completed;
  out[3] = h.failed;
  out[4] = h.cancelled;
  out[5] = h.polls;
  out[6] = h.pending.length;
  out[7] = h.finished.length;
  out[8] = h.peakPending;
  out[9] = h.maxPending;
  return 10;
}
