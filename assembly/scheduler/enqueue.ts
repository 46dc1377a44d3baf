import { E_DESTROYED, E_FULL, E_INVALID_ARGUMENT, E_NOT_READY, E_NOT_RECORDED, E_STALE_HANDLE, E_TIMING_DISABLED, OK } from "../codes";
import { RingQueue } from "../ring-queue";
import { resultFloats } from "../results";
import { outputBindWork, outputIndex } from "../outputs";
import { ENGINE_LANE, ENGINE_NONE, NEVER, OP_LAUNCH, OP_MARKER, OP_WAIT } from "./constants";
import { fenceDone, freeStream } from "./run";
import { WAIT_FENCE, WAIT_TIME, dev } from "./tables";

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
  const s = streams.slots.alloc();
  if (s < 0) return -E_FULL;
  streams.ensure();
  streams.kind[s] = kind;
  streams.closing[s] = 0;
  streams.priority[s] = priority;
  streams.issued[s] = 0;
  streams.completed[s] = 0;
  streams.readyAt[s] = -1;
  streams.lastEnd[s] = -(1 << 40);
  while (streams.queues.length <= s) streams.queues.push(null);
  streams.queues[s] = new RingQueue(16, true);
  return streams.slots.handle(s);
}

/** Destroys a stream: it takes no more work, and its slot is freed once its work is done. */
export function streamDestroy(handle: i32): i32 {
  const streams = dev.streams;
  const s = streams.slots.resolve(handle);
  if (s < 0 || streams.closing[s] != 0) return -E_STALE_HANDLE;
  if (streams.queues[s]!.length == 0) freeStream(s);
  else streams.closing[s] = 1;
  return OK;
}

/** The stream slot of a handle that can take work, or a negated code. */
function usable(handle: i32): i32 {
  const s = dev.streams.slots.resolve(handle);
  if (s < 0) return -E_STALE_HANDLE;
  if (dev.streams.closing[s] != 0) return -E_DESTROYED;
  return s;
}

/** Ops issued to a stream so far (the seq of its last op). */
export function streamIssued(handle: i32): f64 {
  const s = dev.streams.slots.resolve(handle);
  return s < 0 ? -E_STALE_HANDLE : <f64>dev.streams.issued[s];
}

/** Ops of a stream completed so far. */
export function streamCompleted(handle: i32): f64 {
  const s = dev.streams.slots.resolve(handle);
  return s < 0 ? -E_STALE_HANDLE : <f64>dev.streams.completed[s];
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
  const ops = dev.ops;
  const op = ops.slots.alloc();
  if (op < 0) return -E_FULL;
  ops.ensure();
  // op < capacity after ensure() and s is a live stream: the stores need no bounds checks.
  const streams = dev.streams;
  const seq = unchecked(streams.issued[s]) + 1;
  unchecked((streams.issued[s] = seq));
  unchecked((ops.kind[op] = kind));
  unchecked((ops.engine[op] = engine));
  unchecked((ops.flags[op] = flags));
  unchecked((ops.running[op] = 0));
  unchecked((ops.stream[op] = s));
  unchecked((ops.occupancy[op] = occupancy));
  unchecked((ops.dep[op] = -1));
  unchecked((ops.signal[op] = 0));
  unchecked((ops.seq[op] = seq));
  unchecked((ops.depSeq[op] = 0));
  unchecked((ops.release[op] = toTime(release)));
  unchecked((ops.duration[op] = duration < 0 ? NEVER : <i64>duration));
  unchecked((ops.start[op] = -1));
  unchecked((ops.order[op] = dev.order++));
  unchecked(streams.queues[s])!.push(op);
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

/** The seq of a queued op on its stream. */
export function opSeq(op: i32): f64 {
  return <f64>dev.ops.seq[op];
}

/** Completes output `output` when op `op` completes; until then its bound work is in flight. */
export function opSignal(op: i32, output: i32): i32 {
  if (op < 0 || op >= dev.ops.slots.used || dev.ops.slots.live[op] == 0) return -E_STALE_HANDLE;
  const o = outputIndex(output);
  if (o < 0) return o;
  dev.ops.signal[op] = output;
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
  dev.ops.dep[op] = on;
  dev.ops.depSeq[op] = <i64>seq;
  return op;
}

/** Appends a launch to a host lane: when it runs, op `target` is released after `delay`. */
export function enqueueLaunch(lane: i32, target: i32, delay: f64, release: f64): i32 {
  if (target < 0 || target >= dev.ops.slots.used || dev.ops.slots.live[target] == 0) {
    return -E_STALE_HANDLE;
  }
  const op = enqueue(lane, OP_LAUNCH, ENGINE_NONE, 0, 0, release, 0);
  if (op < 0) return op;
  dev.ops.dep[op] = target;
  dev.ops.depSeq[op] = <i64>delay;
  return op;
}

/** Appends host work of `duration` ns to a host lane. */
export function enqueueHostWork(lane: i32, kind: u8, duration: f64, release: f64): i32 {
  return enqueue(lane, kind, ENGINE_LANE, duration, 0, release, 0);
}

/** Sets the least time between consecutive engine ops of one stream. */
export function setOpGap(ns: f64): void {
  dev.opGap = <i64>ns;
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
  events.seq[e] = dev.ops.seq[op];
  events.time[e] = -1;
  dev.ops.dep[op] = e;
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
