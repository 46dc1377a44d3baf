/**
 * The core's exports: the whole contract between core.wasm and the host.
 *
 * Conventions (see also docs in `src/core/core.ts`):
 * - every function takes and returns numbers only (i32, or f64 for times and counts);
 * - a negative result is a negated code from `codes.ts`; nothing throws;
 * - handles are positive i32 (see `handle.ts`); 0 means "none";
 * - calls that produce many values write them to the result area (`results.ts`) or the run
 *   report (`scheduler/report.ts`) and return the count.
 */

import * as codes from "./codes";
import * as barrier from "./barrier";
import * as buffer from "./double-buffer";
import * as handler from "./handler";
import * as out from "./outputs";
import { handleIndex } from "./handle";
import * as results from "./results";
import { RingQueue } from "./ring-queue";
import * as sched from "./scheduler/enqueue";
import { run } from "./scheduler/run";
import { reportCount, reportPtr } from "./scheduler/report";
import { dev } from "./scheduler/tables";

export {
  OK,
  E_STALE_HANDLE,
  E_INVALID_TRANSITION,
  E_FULL,
  E_ALREADY_DELIVERED,
  E_NOT_FINISHED,
  E_ALREADY_SUBMITTED,
  E_DUPLICATE,
  E_BUSY,
  E_INVALID_ARGUMENT,
  E_TIMING_DISABLED,
  E_NOT_RECORDED,
  E_NOT_READY,
  E_DESTROYED,
} from "./codes";

// Memory --------------------------------------------------------------------------------------

// The core runs AssemblyScript's minimal runtime: no shadow stack and no incremental collector
// on its hot paths (both cost a 3-5x slower scheduler loop). Garbage comes only from objects
// made by the *_create calls and from tables that grew; it is collected here, at the start of
// a create call, where no managed reference is on the Wasm stack (the collector sees only the
// globals, and everything live hangs from them).
let createsSinceCollect = 0;

function collectSometimes(): void {
  if (++createsSinceCollect < 64) return;
  createsSinceCollect = 0;
  __collect();
}

// Result area ---------------------------------------------------------------------------------

export function results_ints_ptr(): usize {
  return results.resultIntsPtr();
}

export function results_floats_ptr(): usize {
  return results.resultFloatsPtr();
}

/** Room for `n` f64 values in the input area; returns its address (valid until the next call). */
export function input_floats(n: i32): usize {
  return results.inputFloats(n);
}

/** Room for `n` i32 values in the input area; returns its address (valid until the next call). */
export function input_ints(n: i32): usize {
  return results.inputInts(n);
}

// Outputs -------------------------------------------------------------------------------------

export function output_create(): i32 {
  return out.outputCreate();
}

/** Creates an output already in progress since `nowNs` (create and move in one call). */
export function output_create_started(nowNs: f64): i32 {
  const handle = out.outputCreate();
  if (handle < 0) return handle;
  out.outputMove(handleIndex(handle), codes.STATE_IN_PROGRESS, nowNs);
  return handle;
}

export function output_state(handle: i32): i32 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : out.outputState(o);
}

/** Moves an output to `to` (an AsyncState number) at `nowNs`. */
export function output_move(handle: i32, to: i32, nowNs: f64): i32 {
  const o = out.outputIndex(handle);
  if (o < 0) return o;
  if (to < 0 || to >= codes.STATE_COUNT) return -codes.E_INVALID_TRANSITION;
  return out.outputMove(o, <u8>to, nowNs);
}

/** Fails an output that is pending or in progress (a device fault). */
export function output_fail_any(handle: i32, nowNs: f64): i32 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : out.outputFailAny(o, nowNs);
}

/** Fails every output that has not finished (a sticky fault); returns how many. */
export function output_fail_all(nowNs: f64): i32 {
  return out.outputFailAll(nowNs);
}

/** Device work is bound to an output (CUDA device: an event the host polls). */
export function output_bind_work(handle: i32): i32 {
  const o = out.outputIndex(handle);
  if (o < 0) return o;
  out.outputBindWork(o);
  return codes.OK;
}

/** The device work bound to an output is done. */
export function output_work_done(handle: i32): i32 {
  const o = out.outputIndex(handle);
  if (o < 0) return o;
  out.outputWorkDone(o);
  return codes.OK;
}

export function output_deliver(handle: i32): i32 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : out.outputDeliver(o);
}

/**
 * Delivers a finished output and lets go of the host's hold on its row, in one call (get()):
 * returns its state, with its start and end times as the first two f64 results, or a negated
 * code (not finished, already delivered, stale) and then nothing changed.
 */
export function output_take(handle: i32): i32 {
  const o = out.outputIndex(handle);
  if (o < 0) return o;
  const delivered = out.outputDeliver(o);
  if (delivered < 0) return delivered;
  const state = <i32>out.outputState(o);
  const times = results.resultFloats(2);
  unchecked((times[0] = out.outputStartNs(o)));
  unchecked((times[1] = out.outputEndNs(o)));
  out.outputRelease(o);
  return state;
}

export function output_delivered(handle: i32): i32 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : <i32>out.outputDelivered(o);
}

export function output_start_ns(handle: i32): f64 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : out.outputStartNs(o);
}

export function output_end_ns(handle: i32): f64 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : out.outputEndNs(o);
}

export function output_owner(handle: i32): i32 {
  const o = out.outputIndex(handle);
  return o < 0 ? o : out.outputOwner(o);
}

/** The host lets go of an output; its row is freed once no handler, barrier or slot holds it. */
export function output_release(handle: i32): i32 {
  const o = out.outputIndex(handle);
  if (o < 0) return o;
  out.outputRelease(o);
  return codes.OK;
}

/** Live output rows. */
export function output_live(): i32 {
  return out.outputLive();
}

/** Live outputs in a state. */
export function output_count(state: i32): i32 {
  return out.outputCount(state);
}

/** 1 when `from -> to` is in the transition table. */
export function output_legal(from: i32, to: i32): i32 {
  return out.isLegal(from, to) ? 1 : 0;
}

// Handlers ------------------------------------------------------------------------------------

export function handler_create(maxPending: i32): i32 {
  collectSometimes();
  if (maxPending < 1) return -codes.E_INVALID_ARGUMENT;
  return handler.handlerCreate(maxPending);
}

export function handler_destroy(h: i32): i32 {
  return handler.handlerDestroy(h);
}

export function handler_submit(h: i32, output: i32): i32 {
  return handler.handlerSubmit(h, output);
}

/** Submits the `n` output handles in the input area; see handlerSubmitMany. */
export function handler_submit_many(h: i32, n: i32): i32 {
  return handler.handlerSubmitMany(h, results.inputArray(), n);
}

export function handler_poll(h: i32): i32 {
  return handler.handlerPoll(h);
}

export function handler_take_one(h: i32): i32 {
  return handler.handlerTakeOne(h);
}

/** Forgets the finished outputs handed out; returns how many, their handles as i32 results. */
export function handler_clear_completed(h: i32): i32 {
  return handler.handlerClearCompleted(h);
}

export function handler_num_pending(h: i32): i32 {
  return handler.handlerNumPending(h);
}

export function handler_num_completed(h: i32): i32 {
  return handler.handlerNumCompleted(h);
}

export function handler_pending(h: i32): i32 {
  return handler.handlerPending(h);
}

export function handler_finished(h: i32): i32 {
  return handler.handlerFinished(h);
}

export function handler_taken(h: i32): i32 {
  return handler.handlerTaken(h);
}

export function handler_stats(h: i32): i32 {
  return handler.handlerStats(h);
}

// Barriers ------------------------------------------------------------------------------------

export function barrier_create(count: i32): i32 {
  collectSometimes();
  if (count < 1) return -codes.E_INVALID_ARGUMENT;
  return barrier.barrierCreate(count);
}

export function barrier_destroy(b: i32): i32 {
  return barrier.barrierDestroy(b);
}

export function barrier_add(b: i32, output: i32): i32 {
  return barrier.barrierAdd(b, output);
}

export function barrier_arrived(b: i32): i32 {
  return barrier.barrierArrived(b);
}

export function barrier_first_failed(b: i32): i32 {
  return barrier.barrierFirstFailed(b);
}

export function barrier_count(b: i32): i32 {
  return barrier.barrierCount(b);
}

export function barrier_added(b: i32): i32 {
  return barrier.barrierAdded(b);
}

export function barrier_generation(b: i32): i32 {
  return barrier.barrierGeneration(b);
}

export function barrier_reset(b: i32): i32 {
  return barrier.barrierReset(b);
}

// Double buffers ------------------------------------------------------------------------------

export function db_create(slots: i32): i32 {
  collectSometimes();
  if (slots < 2) return -codes.E_INVALID_ARGUMENT;
  return buffer.dbCreate(slots);
}

export function db_destroy(d: i32): i32 {
  return buffer.dbDestroy(d);
}

export function db_current(d: i32): i32 {
  return buffer.dbCurrent(d);
}

export function db_next(d: i32): i32 {
  return buffer.dbNext(d);
}

export function db_transfer(d: i32, output: i32): i32 {
  return buffer.dbTransfer(d, output);
}

export function db_swap(d: i32): i32 {
  return buffer.dbSwap(d);
}

export function db_fence(d: i32, slot: i32): i32 {
  return buffer.dbFence(d, slot);
}

export function db_states(d: i32): i32 {
  return buffer.dbStates(d);
}

export function db_swaps(d: i32): i32 {
  return buffer.dbSwaps(d);
}

export function db_reset(d: i32): i32 {
  return buffer.dbReset(d);
}

// Ring queue (exposed for tests and benchmarks of the queue itself) -------------------------

const rings = new Array<RingQueue | null>();

export function ring_create(capacity: i32, growable: i32): i32 {
  collectSometimes();
  rings.push(new RingQueue(capacity, growable != 0));
  return rings.length;
}

export function ring_push(r: i32, item: i32): i32 {
  return rings[r - 1]!.push(item) ? 1 : 0;
}

/** Pushes `count` items start, start+1, ...; returns how many fit. */
export function ring_push_many(r: i32, start: i32, count: i32): i32 {
  const ring = rings[r - 1]!;
  for (let i = 0; i < count; i++) if (!ring.push(start + i)) return i;
  return count;
}

/** Pushes the first `count` items of the input area, in order; returns how many fit. */
export function ring_push_input(r: i32, count: i32): i32 {
  const ring = rings[r - 1]!;
  const items = results.inputArray();
  const n = ring.growable ? count : min(count, ring.capacity - ring.length);
  ring.pushMany(items, n);
  return n;
}

/** Removes up to `count` items into the result area; returns how many. */
export function ring_shift_many(r: i32, count: i32): i32 {
  const ring = rings[r - 1]!;
  const n = min(count, ring.length);
  ring.shiftMany(results.resultInts(n), n);
  return n;
}

export function ring_shift(r: i32): i32 {
  const ring = rings[r - 1]!;
  return ring.length == 0 ? -codes.E_NOT_FINISHED : ring.shift();
}

export function ring_length(r: i32): i32 {
  return rings[r - 1]!.length;
}

export function ring_capacity(r: i32): i32 {
  return rings[r - 1]!.capacity;
}

/** Moves an empty ring's head and tail to `position` (to test counter wrap-around). */
export function ring_seek(r: i32, position: u32): i32 {
  const ring = rings[r - 1]!;
  if (ring.length != 0) return -codes.E_BUSY;
  ring.head = position;
  ring.tail = position;
  return codes.OK;
}

// Simulated device ----------------------------------------------------------------------------

export function sim_stream_create(kind: i32, priority: i32): i32 {
  collectSometimes();
  return sched.streamCreate(<u8>kind, priority);
}

export function sim_stream_destroy(s: i32): i32 {
  return sched.streamDestroy(s);
}

export function sim_stream_issued(s: i32): f64 {
  return sched.streamIssued(s);
}

export function sim_stream_completed(s: i32): f64 {
  return sched.streamCompleted(s);
}

export function sim_enqueue(
  s: i32,
  kind: i32,
  engine: i32,
  duration: f64,
  occupancy: i32,
  release: f64,
  flags: i32,
): i32 {
  return sched.enqueue(s, <u8>kind, <u8>engine, duration, occupancy, release, <u8>flags);
}

export function sim_enqueue_wait(s: i32, on: i32, seq: f64, release: f64): i32 {
  return sched.enqueueWait(s, on, seq, release);
}

/** Stream.waitEvent in one call: a wait for what event `event` captured (see sched). */
export function sim_enqueue_wait_event(s: i32, event: i32, release: f64): i32 {
  return sched.enqueueWaitEvent(s, event, release);
}

/** A marker that completes output `output` when the work before it on `s` has (see sched). */
export function sim_enqueue_output_marker(s: i32, output: i32, release: f64): i32 {
  return sched.enqueueOutputMarker(s, output, release);
}

export function sim_enqueue_launch(lane: i32, target: i32, delay: f64, release: f64): i32 {
  return sched.enqueueLaunch(lane, target, delay, release);
}

export function sim_enqueue_host_work(lane: i32, kind: i32, duration: f64, release: f64): i32 {
  return sched.enqueueHostWork(lane, <u8>kind, duration, release);
}

/**
 * Enqueues `n` ops from the f64 input area (sched.BATCH_LANES each, see enqueueBatch); their
 * slots, or the refused op's negated code, go to the i32 result area. Returns how many.
 */
export function sim_enqueue_batch(n: i32): i32 {
  if (n < 0) return -codes.E_INVALID_ARGUMENT;
  return sched.enqueueBatch(results.inputFloatArray(), n, results.resultInts(n));
}

export function sim_op_seq(op: i32): f64 {
  return sched.opSeq(op);
}

export function sim_op_signal(op: i32, output: i32): i32 {
  return sched.opSignal(op, output);
}

export function sim_event_create(timing: i32): i32 {
  return sched.eventCreate(timing != 0);
}

export function sim_event_destroy(e: i32): i32 {
  return sched.eventDestroy(e);
}

export function sim_event_record(e: i32, s: i32, release: f64): i32 {
  return sched.eventRecord(e, s, release);
}

export function sim_event_query(e: i32): i32 {
  return sched.eventQuery(e);
}

export function sim_event_recorded(e: i32): i32 {
  return sched.eventRecorded(e);
}

export function sim_event_stream(e: i32): i32 {
  return sched.eventStream(e);
}

export function sim_event_seq(e: i32): f64 {
  return sched.eventSeq(e);
}

export function sim_event_time(e: i32): f64 {
  return sched.eventTime(e);
}

export function sim_event_elapsed(a: i32, b: i32): i32 {
  return sched.eventElapsed(a, b);
}

export function sim_waiter_fence(s: i32, seq: f64): i32 {
  return sched.waiterFence(s, seq);
}

export function sim_waiter_time(t: f64): i32 {
  return sched.waiterTime(t);
}

export function sim_waiter_remove(w: i32): i32 {
  return sched.waiterRemove(w);
}

/**
 * Resets the simulated device to a fresh one (clock 0, no streams, ops, events or waiters),
 * so that an instance can run program after program; handles from before are meaningless.
 * Outputs, handlers, barriers and double buffers are left alone.
 */
export function sim_reset(): void {
  dev.reset();
  // No managed reference is on the stack here: the old tables can go now.
  __collect();
}

/** See sched.streamRefillAt: programs loaded in windows. */
export function sim_stream_refill_at(s: i32, at: i32): i32 {
  return sched.streamRefillAt(s, at);
}

/** The issue order of the next op (the tie-break of ops ready together); see sched.setOrder. */
export function sim_set_order(order: f64): void {
  sched.setOrder(order);
}

export function sim_set_op_gap(ns: f64): void {
  sched.setOpGap(ns);
}

/**
 * Runs the clock (RUN_UNTIL_TIME to `target`, RUN_UNTIL_IDLE, RUN_UNTIL_WAITER) and returns why
 * it stopped. STOP_REPORT_FULL means "read the report, then call again": the report filled, or
 * an op whose start the host acts on (a host function) started and the clock must not move on
 * before the host has acted.
 */
export function sim_run(mode: i32, target: f64): i32 {
  return run(mode, <i64>target);
}

export function sim_now(): f64 {
  return <f64>dev.now;
}

export function sim_report_ptr(): usize {
  return reportPtr();
}

export function sim_report_count(): i32 {
  return reportCount();
}

export function sim_engine_busy(engine: i32): f64 {
  return dev.engineBusy[engine];
}

export function sim_queued_ops(): i32 {
  return dev.queuedOps;
}

export function sim_completed_ops(): f64 {
  return dev.completedOps;
}

export function sim_fault(): void {
  sched.fault();
}

export function sim_faulted(): i32 {
  return dev.faulted ? 1 : 0;
}
