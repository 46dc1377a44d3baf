import { E_DESTROYED, E_FULL, E_INVALID_ARGUMENT, E_NOT_READY, E_NOT_RECORDED, E_STALE_HANDLE, E_TIMING_DISABLED, OK } from "../codes";
import { resultFloats } from "../results";
import { outputBindWork, outputIndex } from "../outputs";
import {
  ENGINE_COUNT,
  ENGINE_LANE,
  ENGINE_NONE,
  NEVER,
  OP_LAUNCH,
  OP_MARKER,
  OP_WAIT,
} from "./constants";
import { fenceDone, freeStream, rescheduleAll } from "./run";
import {
  OP_DEP,
  OP_DEP_SEQ,
  OP_DURATION,
  OP_ENGINE,
  OP_FLAGS,
  OP_KIND,
  OP_OCCUPANCY,
  OP_ORDER,
  OP_RELEASE,
  OP_RUNNING,
  OP_SIGNAL,
  OP_START,
  OP_STREAM,
  S_CLOSING,
  S_COMPLETED,
  S_HEAD,
  S_ISSUED,
  S_HANDLE,
  S_ITEMS,
  S_KIND,
  S_LAST_END,
  S_MASK,
  S_PRIORITY,
  S_READY_AT,
  S_REFILL_AT,
  S_TAIL,
  S_WAITING_ON,
  S_WAIT_FIRST,
  S_WAIT_NEXT,
  WAIT_FENCE,
  WAIT_TIME,
  dev,
  opAlloc,
  opAt,
  opLive,
  queueLength,
  queuePush,
  streamAt,
} from "./tables";

/**
 * Building work for the simulated device: streams, operations, events and waiters.
 *
 * Times cross the boundary as f64 holding whole nanoseconds (exact up to 2^53 ns, some 104
 * days) and are kept as i64 inside. A release time of -1 means "not released": the op waits
 * for a LAUNCH op on a host lane to release it (program replay).
 */

/** The largest time the boundary carries exactly (2^53 ns, some 104 days). */
const MAX_TIME: f64 = 9007199254740992.0;

function toTime(t: f64): i64 {
  return t < 0 || t > MAX_TIME ? NEVER : <i64>t;
}

/** Creates a stream of `kind` (device or host lane) with a priority (lower runs first). */
export function streamCreate(kind: u8, priority: i32): i32 {
  const streams = dev.streams;
  const s = streams.alloc();
  if (s < 0) return -E_FULL;
  // The record is zeroed, with an empty queue: set what is not zero.
  const r = streamAt(s);
  store<u8>(r, kind, S_KIND);
  store<i32>(r, priority, S_PRIORITY);
  store<i64>(r, -1, S_READY_AT);
  store<i64>(r, -(1 << 40), S_LAST_END);
  store<i32>(r, -1, S_WAITING_ON);
  store<i32>(r, -1, S_WAIT_FIRST);
  store<i32>(r, -1, S_WAIT_NEXT);
  const handle = streams.slots.handle(s);
  store<i32>(r, handle, S_HANDLE);
  return handle;
}

/** Destroys a stream: it takes no more work, and its slot is freed once its work is done. */
export function streamDestroy(handle: i32): i32 {
  const s = dev.streams.slots.resolve(handle);
  if (s < 0) return -E_STALE_HANDLE;
  const r = streamAt(s);
  if (load<u8>(r, S_CLOSING) != 0) return -E_STALE_HANDLE;
  if (queueLength(r) == 0) freeStream(s);
  else store<u8>(r, 1, S_CLOSING);
  return OK;
}

/** The stream slot of a handle that can take work, or a negated code. */
function usable(handle: i32): i32 {
  const s = dev.streams.slots.resolve(handle);
  if (s < 0) return -E_STALE_HANDLE;
  if (load<u8>(streamAt(s), S_CLOSING) != 0) return -E_DESTROYED;
  return s;
}

/** Ops issued to a stream so far (the seq of its last op). */
export function streamIssued(handle: i32): f64 {
  const s = dev.streams.slots.resolve(handle);
  return s < 0 ? -E_STALE_HANDLE : <f64>load<i64>(streamAt(s), S_ISSUED);
}

/** Ops of a stream completed so far. */
export function streamCompleted(handle: i32): f64 {
  const s = dev.streams.slots.resolve(handle);
  return s < 0 ? -E_STALE_HANDLE : <f64>load<i64>(streamAt(s), S_COMPLETED);
}

/**
 * Appends an op to a stream and returns its slot (the id in run reports), or a negated code.
 * `occupancy` is in COMPUTE_UNITS; `release` is when the host issued it, -1 for "not yet".
 */
export function enqueue(
  handle: i32,
  kind: u8,
  engine: u8,
  duration: f64,
  occupancy: i32,
  release: f64,
  flags: u8,
): i32 {
  const s = usable(handle);
  if (s < 0) return s;
  if ((duration < 0 && duration != -1) || duration > MAX_TIME || isNaN(duration)) {
    return -E_INVALID_ARGUMENT;
  }
  // The engine indexes the scheduler's per-engine tables.
  if (<i32>engine >= ENGINE_COUNT) return -E_INVALID_ARGUMENT;
  const op = opAlloc();
  if (op < 0) return -E_FULL;
  const sr = streamAt(s);
  store<i64>(sr, load<i64>(sr, S_ISSUED) + 1, S_ISSUED);
  const r = opAt(op);
  store<u8>(r, kind, OP_KIND);
  store<u8>(r, engine, OP_ENGINE);
  store<u8>(r, flags, OP_FLAGS);
  store<u8>(r, 0, OP_RUNNING);
  store<i32>(r, s, OP_STREAM);
  store<i32>(r, occupancy, OP_OCCUPANCY);
  store<i32>(r, -1, OP_DEP);
  store<i32>(r, 0, OP_SIGNAL);
  store<i64>(r, 0, OP_DEP_SEQ);
  store<i64>(r, toTime(release), OP_RELEASE);
  store<i64>(r, duration < 0 ? NEVER : <i64>duration, OP_DURATION);
  store<i64>(r, -1, OP_START);
  store<i64>(r, dev.order++, OP_ORDER);
  queuePush(sr, op);
  const queued = queueLength(sr);
  // A new head: the run loop looks at the stream again (a head already there is filed).
  if (queued == 1) dev.dirty.add(s);
  if (queued == load<i32>(sr, S_REFILL_AT)) dev.starving--;
  dev.queuedOps++;
  return op;
}

/**
 * Enqueues `n` ops described by `records` (BATCH_LANES f64 each, see below) in order, and
 * writes each op's slot to `slots`: one call for a whole program instead of one per op.
 * Returns how many were enqueued; when one is refused, its negated code is in `slots` at its
 * position, and the ops before it stay enqueued (a program that fails is thrown away).
 *
 *   record i: [ stream | kind | engine | duration | occupancy | release | dep | depSeq ]
 *
 * kind WAIT: dep is the stream waited on, depSeq the count; LAUNCH: dep is the op released,
 * depSeq the delay; other kinds ignore dep and depSeq (flags are always 0).
 */
export function enqueueBatch(records: Float64Array, n: i32, slots: Int32Array): i32 {
  for (let i = 0; i < n; i++) {
    const at = i * BATCH_LANES;
    const stream = <i32>unchecked(records[at]);
    const kind = <u8>unchecked(records[at + 1]);
    const release = unchecked(records[at + 5]);
    let op: i32;
    if (kind == OP_WAIT) {
      op = enqueueWait(stream, <i32>unchecked(records[at + 6]), unchecked(records[at + 7]), release);
    } else if (kind == OP_LAUNCH) {
      op = enqueueLaunch(stream, <i32>unchecked(records[at + 6]), unchecked(records[at + 7]), release);
    } else {
      const engine = <u8>unchecked(records[at + 2]);
      const occupancy = <i32>unchecked(records[at + 4]);
      op = enqueue(stream, kind, engine, unchecked(records[at + 3]), occupancy, release, 0);
    }
    unchecked((slots[i] = op));
    if (op < 0) return i;
  }
  return n;
}

/** f64 lanes per record of enqueueBatch. */
export const BATCH_LANES: i32 = 8;

/**
 * The seq of a queued op on its stream: ops complete in order, so it is the stream's completed
 * count plus the op's place in the queue (found from the tail: the op asked for is the last
 * one issued, in practice). A slot that holds no op gives -E_STALE_HANDLE.
 */
export function opSeq(op: i32): f64 {
  if (!opLive(op)) return -E_STALE_HANDLE;
  const sr = streamAt(load<i32>(opAt(op), OP_STREAM));
  const items = load<usize>(sr, S_ITEMS);
  const mask = load<u32>(sr, S_MASK);
  const head = load<u32>(sr, S_HEAD);
  let at = load<u32>(sr, S_TAIL);
  while (at != head) {
    at--;
    if (load<i32>(items + (<usize>(at & mask) << 2)) == op) {
      return <f64>(load<i64>(sr, S_COMPLETED) + 1 + <i64>(at - head));
    }
  }
  return -E_STALE_HANDLE;
}

/** Completes output `output` when op `op` completes; until then its bound work is in flight. */
export function opSignal(op: i32, output: i32): i32 {
  if (!opLive(op)) return -E_STALE_HANDLE;
  const o = outputIndex(output);
  if (o < 0) return o;
  store<i32>(opAt(op), output, OP_SIGNAL);
  outputBindWork(o);
  return OK;
}

/** Breaks the device for good (a sticky fault raised by the host, such as a host function that threw). */
export function fault(): void {
  dev.faulted = true;
}

/**
 * Appends a wait to stream `handle`: its later work starts only after stream `on` has
 * completed `seq` ops. The count is copied now, so a later record changes nothing here.
 */
export function enqueueWait(handle: i32, on: i32, seq: f64, release: f64): i32 {
  const op = enqueue(handle, OP_WAIT, ENGINE_NONE, 0, 0, release, 0);
  if (op < 0) return op;
  const r = opAt(op);
  store<i32>(r, on, OP_DEP);
  store<i64>(r, <i64>seq, OP_DEP_SEQ);
  return op;
}

/**
 * Appends a wait for what event `event` captured (`enqueueWait` on its stream and seq), or,
 * for an event never recorded (or stale), a wait that waits for nothing: one call for
 * Stream.waitEvent instead of four.
 */
export function enqueueWaitEvent(handle: i32, event: i32, release: f64): i32 {
  const events = dev.events;
  const e = events.slots.resolve(event);
  if (e < 0 || events.recorded[e] == 0) return enqueueWait(handle, handle, 0, release);
  return enqueueWait(handle, events.stream[e], <f64>events.seq[e], release);
}

/**
 * Appends a marker to stream `handle` that completes output `output` when the work before it
 * has: what recording a fresh event and binding the output to it did, in one call. Returns
 * the op, or a negated code (and then nothing was issued).
 */
export function enqueueOutputMarker(handle: i32, output: i32, release: f64): i32 {
  const o = outputIndex(output);
  if (o < 0) return o;
  const op = enqueue(handle, OP_MARKER, ENGINE_NONE, 0, 0, release, 0);
  if (op < 0) return op;
  store<i32>(opAt(op), output, OP_SIGNAL);
  outputBindWork(o);
  return op;
}

/** Appends a launch to a host lane: when it runs, op `target` is released after `delay`. */
export function enqueueLaunch(lane: i32, target: i32, delay: f64, release: f64): i32 {
  if (!opLive(target)) return -E_STALE_HANDLE;
  const op = enqueue(lane, OP_LAUNCH, ENGINE_NONE, 0, 0, release, 0);
  if (op < 0) return op;
  const r = opAt(op);
  store<i32>(r, target, OP_DEP);
  store<i64>(r, <i64>delay, OP_DEP_SEQ);
  return op;
}

/** Appends host work of `duration` ns to a host lane. */
export function enqueueHostWork(lane: i32, kind: u8, duration: f64, release: f64): i32 {
  return enqueue(lane, kind, ENGINE_LANE, duration, 0, release, 0);
}

/**
 * Loads a stream in windows: from now on a run stops with STOP_REFILL, before it handles the
 * next instant, while the stream holds fewer than `at` queued ops (0 turns this off).
 *
 * The host appends the stream's next ops and runs on; the timeline is the one a whole load
 * gives, provided that (1) the ops get the issue order a whole load would have given them
 * (setOrder) and (2) the last op of every window takes time: a stream can then not run out of
 * ops within one instant (an op that takes time starts and holds the stream, or waits), and
 * ops behind a stream's head never change what the scheduler decides.
 */
export function streamRefillAt(handle: i32, at: i32): i32 {
  const s = dev.streams.slots.resolve(handle);
  if (s < 0) return -E_STALE_HANDLE;
  if (at < 0) return -E_INVALID_ARGUMENT;
  const r = streamAt(s);
  const queued = queueLength(r);
  if (queued < load<i32>(r, S_REFILL_AT)) dev.starving--;
  store<i32>(r, at, S_REFILL_AT);
  if (queued < at) dev.starving++;
  return OK;
}

/** Sets the issue order of the next op enqueued (see streamRefillAt); later ops count on. */
export function setOrder(order: f64): void {
  dev.order = <i64>order;
}

/** Sets the least time between consecutive engine ops of one stream. */
export function setOpGap(ns: f64): void {
  dev.opGap = <i64>ns;
  // Every head's earliest start moves: the run loop files every stream again.
  rescheduleAll();
}

// Events --------------------------------------------------------------------------------------

/** Creates an event; `timing` enables elapsedTime. */
export function eventCreate(timing: bool): i32 {
  const events = dev.events;
  const e = events.slots.alloc();
  if (e < 0) return -E_FULL;
  events.ensure();
  events.timing[e] = timing ? 1 : 0;
  events.recorded[e] = 0;
  events.stream[e] = 0;
  events.seq[e] = 0;
  events.time[e] = -1;
  return events.slots.handle(e);
}

/** Destroys an event. Work that captured it is unaffected. */
export function eventDestroy(handle: i32): i32 {
  const e = dev.events.slots.resolve(handle);
  if (e < 0) return -E_STALE_HANDLE;
  dev.events.slots.free(e);
  return OK;
}

/** Records an event on a stream: it now captures the stream's work so far. Returns the op. */
export function eventRecord(handle: i32, stream: i32, release: f64): i32 {
  const e = dev.events.slots.resolve(handle);
  if (e < 0) return -E_STALE_HANDLE;
  const op = enqueue(stream, OP_MARKER, ENGINE_NONE, 0, 0, release, 0);
  if (op < 0) return op;
  const events = dev.events;
  events.recorded[e] = 1;
  events.stream[e] = stream;
  // The op was just issued: its seq is the stream's issued count.
  events.seq[e] = load<i64>(streamAt(load<i32>(opAt(op), OP_STREAM)), S_ISSUED);
  events.time[e] = -1;
  store<i32>(opAt(op), e, OP_DEP);
  return op;
}

/** 1 when the event's captured work is complete (or it was never recorded), else 0. */
export function eventQuery(handle: i32): i32 {
  const e = dev.events.slots.resolve(handle);
  if (e < 0) return -E_STALE_HANDLE;
  const events = dev.events;
  if (events.recorded[e] == 0) return 1;
  return fenceDone(events.stream[e], events.seq[e]) ? 1 : 0;
}

/** Whether the event was ever recorded. */
export function eventRecorded(handle: i32): i32 {
  const e = dev.events.slots.resolve(handle);
  return e < 0 ? -E_STALE_HANDLE : dev.events.recorded[e];
}

/** The stream handle the event last captured (0 if never recorded). */
export function eventStream(handle: i32): i32 {
  const e = dev.events.slots.resolve(handle);
  return e < 0 ? -E_STALE_HANDLE : dev.events.stream[e];
}

/** The seq the event last captured on its stream. */
export function eventSeq(handle: i32): f64 {
  const e = dev.events.slots.resolve(handle);
  return e < 0 ? -E_STALE_HANDLE : <f64>dev.events.seq[e];
}

/** When the event's captured work completed, in ns, or -1. */
export function eventTime(handle: i32): f64 {
  const e = dev.events.slots.resolve(handle);
  return e < 0 ? -E_STALE_HANDLE : dev.events.time[e];
}

/**
 * Writes the nanoseconds from `start` to `end` (negative when `end` came first) to the f64
 * result area and returns OK, or returns a negated code, checked in PyTorch's order: timing
 * off on either, either never recorded, either not complete.
 */
export function eventElapsed(start: i32, end: i32): i32 {
  const events = dev.events;
  const a = events.slots.resolve(start);
  const b = events.slots.resolve(end);
  if (a < 0 || b < 0) return -E_STALE_HANDLE;
  if (events.timing[a] == 0 || events.timing[b] == 0) return -E_TIMING_DISABLED;
  if (events.recorded[a] == 0 || events.recorded[b] == 0) return -E_NOT_RECORDED;
  if (events.time[a] < 0 || events.time[b] < 0) return -E_NOT_READY;
  resultFloats(1)[0] = events.time[b] - events.time[a];
  return OK;
}

// Waiters -------------------------------------------------------------------------------------

/** Waits for stream `stream` to complete `seq` ops: a waiter handle, or 0 if already done. */
export function waiterFence(stream: i32, seq: f64): i32 {
  if (fenceDone(stream, <i64>seq)) return 0;
  const waiters = dev.waiters;
  const w = waiters.slots.alloc();
  if (w < 0) return -E_FULL;
  waiters.ensure();
  waiters.kind[w] = WAIT_FENCE;
  waiters.stream[w] = stream;
  waiters.seq[w] = <i64>seq;
  waiters.time[w] = 0;
  return waiters.slots.handle(w);
}

/** Waits for the clock to reach `t`: a waiter handle, or 0 if it already has. */
export function waiterTime(t: f64): i32 {
  const time = <i64>t;
  if (time <= dev.now) return 0;
  const waiters = dev.waiters;
  const w = waiters.slots.alloc();
  if (w < 0) return -E_FULL;
  waiters.ensure();
  waiters.kind[w] = WAIT_TIME;
  waiters.stream[w] = 0;
  waiters.seq[w] = 0;
  waiters.time[w] = time;
  return waiters.slots.handle(w);
}

/** Removes a waiter that is no longer wanted (its wait was settled another way). */
export function waiterRemove(handle: i32): i32 {
  const w = dev.waiters.slots.resolve(handle);
  if (w < 0) return -E_STALE_HANDLE;
  dev.waiters.slots.free(w);
  return OK;
}
