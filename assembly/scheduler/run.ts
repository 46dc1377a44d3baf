import { STATE_COMPLETED, STATE_IN_PROGRESS } from "../codes";
import { outputIndex, outputMove, outputState, outputWorkDone } from "../outputs";
import {
  COMPUTE_UNITS,
  ENGINE_COMPUTE,
  ENGINE_COUNT,
  ENGINE_LANE,
  ENGINE_NONE,
  FLAG_FAULT,
  FLAG_REPORT_START,
  NEVER,
  OP_LAUNCH,
  OP_MARKER,
  OP_WAIT,
  REC_OP_END,
  REC_OP_FAULT,
  REC_OP_START,
  REC_WAITER,
  RUN_UNTIL_TIME,
  RUN_UNTIL_WAITER,
  STOP_FAULT,
  STOP_IDLE,
  STOP_REFILL,
  STOP_REPORT_FULL,
  STOP_TIME,
  STOP_WAITER,
} from "./constants";
import { reportFull, reportPush, reportReset } from "./report";
import {
  OP_DEP,
  OP_DEP_SEQ,
  OP_DURATION,
  OP_ENGINE,
  OP_FLAGS,
  OP_KIND,
  OP_LIVE,
  OP_OCCUPANCY,
  OP_ORDER,
  OP_RELEASE,
  OP_RUNNING,
  OP_SIGNAL,
  OP_START,
  OP_STREAM,
  S_CLOSING,
  S_COMPLETED,
  S_HANDLE,
  S_IN_READY,
  S_ITEMS,
  S_LAST_END,
  S_PRIORITY,
  S_READY_AT,
  S_REFILL_AT,
  S_WAITING_ON,
  S_WAIT_FIRST,
  S_WAIT_NEXT,
  WAIT_FENCE,
  dev,
  opAt,
  opFree,
  queueLength,
  queuePeek,
  queueShift,
  streamAt,
  streamRecordFree,
} from "./tables";

/**
 * The scheduler's run loop: a discrete-event simulation in integer nanoseconds.
 *
 * Each turn of the loop (1) starts what can start at `now`, completing zero-time work (event
 * records, stream waits, launches) at once and repeating until nothing changes, (2) checks the
 * host's waiters, (3) finds the next moment anything can change (a running op's end, a queued
 * op's release, a waiter's deadline) and (4) moves the clock there and completes what ends.
 *
 * Readiness changes only at such moments, so the time an op became ready is exact. Ties are
 * broken by issue order (`order`), never by table layout, which keeps a program's timeline
 * the same bit for bit on every run and every host.
 *
 * Engines: the compute engine runs kernels from different streams side by side while their
 * occupancy fits (strict FIFO by priority, then ready time, then issue order: a kernel that
 * does not fit holds back those after it); each copy engine runs one copy at a time.
 *
 * Design: nothing here scans every stream or every running op. Each stream is in at most one
 * place while its head waits, and moves only when something that could change its head's
 * readiness happens:
 *
 *   head running                 -> dev.completions (by end, issue order), until it ends
 *   head released later          -> dev.timers (by release, or its stream's op gap)
 *   head a wait not yet satisfied -> the wait list of the stream waited on (waitFirst/waitNext)
 *   head an engine op, ready     -> dev.ready[engine] (by priority, ready time, issue order)
 *   anything else                -> dev.dirty: to look at in the next dispatch
 *
 * A stream becomes dirty when its head changes (an op completed, work was issued to an empty
 * stream), when the stream its wait waits on completes enough or is freed, when its timer
 * comes due, and when a launch releases its head. Dispatch visits dirty streams in passes in
 * slot order (StreamSet), exactly as the scan over every stream it replaces did, so zero-time
 * work completes in the same order; then each engine takes from its ready heap, which is the
 * order the sorted scan gave. Heads that become ready while the engines take wait for the next
 * dispatch, as they did when the candidates were a list made before taking. Each op thus
 * costs a few heap operations, O(log n) in the running ops or streams, instead of a pass over
 * all of them at every event. tests/model/scheduler-model.ts is the plain rule set all this
 * must agree with, event for event.
 */

let waiterHit = false;

/** Whether stream `handle` has completed at least `seq` ops (a freed stream completed all). */
// @ts-ignore: decorator
@inline
export function fenceDone(handle: i32, seq: i64): bool {
  const s = dev.streams.slots.resolve(handle);
  if (s < 0) return true;
  return load<i64>(streamAt(s), S_COMPLETED) >= seq;
}

/** When the op of record `r` ends, once started. */
// @ts-ignore: decorator
@inline
function endOf(r: usize): i64 {
  const d = load<i64>(r, OP_DURATION);
  const start = load<i64>(r, OP_START);
  // Saturate rather than overflow: an op that would end past the end of time never ends.
  return d >= NEVER - start ? NEVER : start + d;
}

/** An op whose start the host must act on started in this dispatch. */
let startReported = false;

// @ts-ignore: decorator
@inline
function startOp(op: i32): void {
  const r = opAt(op);
  const now = dev.now;
  store<u8>(r, 1, OP_RUNNING);
  store<i64>(r, now, OP_START);
  const engine = load<u8>(r, OP_ENGINE);
  const running = dev.engineRunning;
  const count = unchecked(running[engine]) + 1;
  unchecked((running[engine] = count));
  if (count == 1) dev.busyMask |= <u32>1 << engine;
  if (engine == ENGINE_COMPUTE) dev.computeUsed += load<i32>(r, OP_OCCUPANCY);
  // Zero-time ops complete as they start (the caller does it): only the others wait for an end.
  if (load<i64>(r, OP_DURATION) != 0) dev.completions.push(op, endOf(r), load<i64>(r, OP_ORDER));
  if ((load<u8>(r, OP_FLAGS) & FLAG_REPORT_START) != 0) {
    // The host acts on this start (a host function runs): the run stops right after the
    // dispatch, before the clock moves, so that what the host does lands at this instant.
    startReported = true;
    const s = load<i32>(r, OP_STREAM);
    reportPush(
      REC_OP_START,
      op,
      load<u8>(r, OP_KIND),
      load<i32>(streamAt(s), S_HANDLE),
      now,
      endOf(r),
      load<i32>(r, OP_SIGNAL),
      load<i64>(streamAt(s), S_COMPLETED) + 1,
    );
  }
}

/**
 * Completes an op at `now`. The streams this may unblock (waiters on its stream, the stream of
 * an op it launches) become dirty; its own stream is the caller's to look at.
 */
function completeOp(op: i32): void {
  const r = opAt(op);
  const now = dev.now;
  const s = load<i32>(r, OP_STREAM);
  const sr = streamAt(s);
  queueShift(sr);
  if (queueLength(sr) + 1 == load<i32>(sr, S_REFILL_AT)) dev.starving++;
  // The head of a stream has seq completed + 1.
  const seq = load<i64>(sr, S_COMPLETED) + 1;
  store<i64>(sr, seq, S_COMPLETED);
  store<i64>(sr, -1, S_READY_AT);

  const engine = load<u8>(r, OP_ENGINE);
  const running = dev.engineRunning;
  const count = unchecked(running[engine]) - 1;
  unchecked((running[engine] = count));
  if (count == 0) dev.busyMask &= ~(<u32>1 << engine);
  if (engine == ENGINE_COMPUTE) dev.computeUsed -= load<i32>(r, OP_OCCUPANCY);
  if (usesEngine(engine)) store<i64>(sr, now, S_LAST_END);
  const handle = load<i32>(sr, S_HANDLE);

  // What the op does when it ends.
  const kind = load<u8>(r, OP_KIND);
  if (kind == OP_MARKER) {
    const e = load<i32>(r, OP_DEP);
    const events = dev.events;
    const live = e >= 0 && e < events.slots.used && unchecked(events.slots.live[e]) != 0;
    if (live && unchecked(events.stream[e]) == handle && unchecked(events.seq[e]) == seq) {
      unchecked((events.time[e] = <f64>now));
    }
  } else if (kind == OP_LAUNCH) {
    const target = load<i32>(r, OP_DEP);
    const delay = load<i64>(r, OP_DEP_SEQ);
    const tr = opAt(target);
    store<i64>(tr, delay >= NEVER - now ? NEVER : now + delay, OP_RELEASE);
    // The released op's stream looks at its head again (whatever op that is by now).
    if (load<u8>(tr, OP_LIVE) != 0) dev.dirty.add(load<i32>(tr, OP_STREAM));
  }
  const signal = load<i32>(r, OP_SIGNAL);
  if (signal != 0) {
    const o = outputIndex(signal);
    if (o >= 0) {
      outputWorkDone(o);
      if (outputState(o) == STATE_IN_PROGRESS) outputMove(o, STATE_COMPLETED, <f64>now);
    }
  }

  const faulted = (load<u8>(r, OP_FLAGS) & FLAG_FAULT) != 0;
  reportPush(
    faulted ? REC_OP_FAULT : REC_OP_END,
    op,
    kind,
    handle,
    load<i64>(r, OP_START),
    now,
    signal,
    seq,
  );
  if (faulted) {
    dev.faulted = true;
    dev.faultOp = op;
  }

  store<u8>(r, 0, OP_RUNNING);
  opFree(op);
  dev.queuedOps--;
  dev.completedOps++;
  if (load<i32>(sr, S_WAIT_FIRST) >= 0) wakeWaits(s, false);
  if (load<u8>(sr, S_CLOSING) != 0 && queueLength(sr) == 0) freeStream(s);
}

/** Frees a stream slot; its handle goes stale, and stale streams count as complete. */
export function freeStream(s: i32): void {
  const sr = streamAt(s);
  if (queueLength(sr) < load<i32>(sr, S_REFILL_AT)) dev.starving--;
  store<u8>(sr, 0, S_CLOSING);
  streamRecordFree(s);
  dev.streams.slots.free(s);
  wakeWaits(s, true);
}

/**
 * Makes dirty the streams whose head waits on stream slot `on` and is now satisfied (all of
 * them when `on` was freed), and takes them off its wait list.
 */
function wakeWaits(on: i32, all: bool): void {
  const or = streamAt(on);
  let s = load<i32>(or, S_WAIT_FIRST);
  if (s < 0) return;
  const completed = load<i64>(or, S_COMPLETED);
  let kept = -1;
  while (s >= 0) {
    const sr = streamAt(s);
    const next = load<i32>(sr, S_WAIT_NEXT);
    // A waiting stream's head is the wait (it cannot change before the wait is satisfied).
    if (all || completed >= load<i64>(opAt(queuePeek(sr)), OP_DEP_SEQ)) {
      store<i32>(sr, -1, S_WAITING_ON);
      dev.dirty.add(s);
    } else {
      store<i32>(sr, kept, S_WAIT_NEXT);
      kept = s;
    }
    s = next;
  }
  store<i32>(or, kept, S_WAIT_FIRST);
}

/** Whether an engine is a device engine (its ops take time and follow the op gap). */
// @ts-ignore: decorator
@inline
function usesEngine(engine: u8): bool {
  return engine != ENGINE_NONE && engine != ENGINE_LANE;
}

/** The earliest the op of record `r` may start: its release, or the op gap after its last op. */
// @ts-ignore: decorator
@inline
function earliest(r: usize): i64 {
  const release = load<i64>(r, OP_RELEASE);
  const opGap = dev.opGap;
  if (opGap == 0 || !usesEngine(load<u8>(r, OP_ENGINE))) return release;
  const last = load<i64>(streamAt(load<i32>(r, OP_STREAM)), S_LAST_END);
  const gap = last >= NEVER - opGap ? NEVER : last + opGap;
  return gap > release ? gap : release;
}

/**
 * Looks at a dirty stream: completes its zero-time work and starts its host-lane work while
 * the head allows, then files the stream where its head waits (see the design note).
 */
function visit(s: i32): void {
  const sr = streamAt(s);
  if (load<usize>(sr, S_ITEMS) == 0) return;
  while (queueLength(sr) > 0) {
    const op = queuePeek(sr);
    const r = opAt(op);
    if (load<u8>(r, OP_RUNNING) != 0) return;
    const at = earliest(r);
    if (at > dev.now) {
      if (at != NEVER) dev.timers.push(s, at);
      return;
    }
    if (load<u8>(r, OP_KIND) == OP_WAIT) {
      const handle = load<i32>(r, OP_DEP);
      if (!fenceDone(handle, load<i64>(r, OP_DEP_SEQ))) {
        if (load<i32>(sr, S_WAITING_ON) < 0) {
          const on = dev.streams.slots.resolve(handle);
          const or = streamAt(on);
          store<i32>(sr, on, S_WAITING_ON);
          store<i32>(sr, load<i32>(or, S_WAIT_FIRST), S_WAIT_NEXT);
          store<i32>(or, s, S_WAIT_FIRST);
        }
        return;
      }
    }
    const engine = load<u8>(r, OP_ENGINE);
    if (load<i64>(sr, S_READY_AT) < 0) store<i64>(sr, dev.now, S_READY_AT);
    if (usesEngine(engine)) {
      if (load<u8>(sr, S_IN_READY) == 0) {
        store<u8>(sr, 1, S_IN_READY);
        const priority = engine == ENGINE_COMPUTE ? load<i32>(sr, S_PRIORITY) : 0;
        unchecked(dev.ready[engine]).push(
          op,
          priority,
          load<i64>(sr, S_READY_AT),
          load<i64>(r, OP_ORDER),
        );
        dev.readyMask |= <u32>1 << engine;
      }
      return;
    }
    // Zero-time work and host-lane work start at once; zero-time work also ends at once.
    startOp(op);
    if (load<i64>(r, OP_DURATION) != 0) return;
    completeOp(op);
    if (dev.faulted) return;
  }
}

/**
 * Completes zero-time work (event records, stream waits, launches) and starts host-lane work,
 * on every dirty stream, until nothing more changes: everything that becomes true at `now` is
 * true before any engine chooses, so the order streams were created in never matters.
 */
function settleZeroTime(): void {
  // Heads whose release (or op gap) has come.
  const timers = dev.timers;
  while (timers.size > 0 && timers.topTime() <= dev.now) {
    dev.dirty.add(timers.topStream());
    timers.pop();
  }
  const dirty = dev.dirty;
  dirty.begin();
  for (;;) {
    const s = dirty.next();
    if (s < 0) return;
    visit(s);
    if (dev.faulted) return;
  }
}

/**
 * Lets the engines take ready heads: by priority (compute only), then ready time, then issue
 * order; an engine that cannot take one stops taking. Returns whether an op completed at once
 * (zero duration), which may make more work ready: that work waits for the next dispatch.
 */
function startEngines(): bool {
  let completed = false;
  // Engines in order (compute, H2D, D2H, host functions), those with ready heads only. Heads
  // are only taken here, never added, so the mask read first is the one to follow.
  let mask = dev.readyMask;
  while (mask != 0) {
    const engine = <i32>ctz(mask);
    mask &= mask - 1;
    const heap = unchecked(dev.ready[engine]);
    while (heap.size > 0) {
      const op = heap.top();
      const r = opAt(op);
      const sr = streamAt(load<i32>(r, OP_STREAM));
      // A second launch of a ready op moves its release on: it is not ready after all.
      const at = earliest(r);
      if (at > dev.now) {
        heap.pop();
        store<u8>(sr, 0, S_IN_READY);
        if (at != NEVER) dev.timers.push(load<i32>(r, OP_STREAM), at);
        continue;
      }
      let fits: bool;
      if (engine == ENGINE_COMPUTE) {
        fits = dev.computeUsed + load<i32>(r, OP_OCCUPANCY) <= COMPUTE_UNITS;
      } else {
        fits = unchecked(dev.engineRunning[engine]) == 0;
      }
      if (!fits) break;
      heap.pop();
      store<u8>(sr, 0, S_IN_READY);
      startOp(op);
      if (load<i64>(r, OP_DURATION) == 0) {
        const s = load<i32>(r, OP_STREAM);
        completeOp(op);
        dev.dirty.add(s);
        completed = true;
        if (dev.faulted) return false;
      }
    }
    if (heap.size == 0) dev.readyMask &= ~(<u32>1 << engine);
  }
  return completed;
}

function dispatch(): void {
  for (;;) {
    settleZeroTime();
    if (dev.faulted) return;
    if (!startEngines()) return;
  }
}

/**
 * Reports and frees every waiter that is satisfied now.
 *
 * TODO(perf): while any host waiter is live this still scans all of them at each turn of the
 * loop (a handler's waitOne registers one per pending output); a fence waiter could sit on
 * its stream's wait list as stream waits do, and time waiters in the timer heap.
 */
// @ts-ignore: decorator
@inline
function checkWaiters(): void {
  if (dev.waiters.slots.liveCount != 0) scanWaiters();
}

function scanWaiters(): void {
  const waiters = dev.waiters;
  const used = waiters.slots.used;
  for (let w = 0; w < used; w++) {
    if (unchecked(waiters.slots.live[w]) == 0) continue;
    let done: bool;
    if (unchecked(waiters.kind[w]) == WAIT_FENCE) {
      done = fenceDone(unchecked(waiters.stream[w]), unchecked(waiters.seq[w]));
    } else {
      done = unchecked(waiters.time[w]) <= dev.now;
    }
    if (!done) continue;
    reportPush(REC_WAITER, waiters.slots.handle(w), 0, waiters.stream[w], dev.now, dev.now, 0, 0);
    waiters.slots.free(w);
    waiterHit = true;
  }
}

/** Whether a timer entry still stands for its stream's head (entries are dropped lazily). */
// @ts-ignore: decorator
@inline
function timerStands(s: i32, t: i64): bool {
  const sr = streamAt(s);
  if (load<usize>(sr, S_ITEMS) == 0 || queueLength(sr) == 0) return false;
  const r = opAt(queuePeek(sr));
  return load<u8>(r, OP_RUNNING) == 0 && earliest(r) == t;
}

/** The next moment anything can change, or NEVER. */
function nextTime(): i64 {
  let next = NEVER;
  const completions = dev.completions;
  if (completions.size > 0) next = completions.topEnd();
  const timers = dev.timers;
  while (timers.size > 0) {
    const t = timers.topTime();
    if (timerStands(timers.topStream(), t)) {
      if (t < next) next = t;
      break;
    }
    timers.pop();
  }
  const waiters = dev.waiters;
  if (waiters.slots.liveCount == 0) return next;
  for (let w = 0; w < waiters.slots.used; w++) {
    if (unchecked(waiters.slots.live[w]) == 0 || unchecked(waiters.kind[w]) == WAIT_FENCE) continue;
    const t = unchecked(waiters.time[w]);
    if (t > dev.now && t < next) next = t;
  }
  return next;
}

/** Moves the clock to `t`, charging busy time to every engine that has work running. */
function advance(t: i64): void {
  if (t <= dev.now) return;
  const dt = <f64>(t - dev.now);
  // Engines with work running (ops on ENGINE_NONE take no engine time).
  let mask = dev.busyMask & ~(<u32>1 << ENGINE_NONE);
  while (mask != 0) {
    const e = <i32>ctz(mask);
    mask &= mask - 1;
    unchecked((dev.engineBusy[e] += dt));
  }
  dev.now = t;
}

/** Completes every running op that ends now, in issue order. */
function completeDue(): void {
  const completions = dev.completions;
  while (completions.size > 0 && completions.topEnd() == dev.now) {
    const op = completions.pop();
    const s = load<i32>(opAt(op), OP_STREAM);
    completeOp(op);
    dev.dirty.add(s);
    if (dev.faulted) return;
  }
}

/**
 * Forgets where every stream waits and looks at all of them again (the op gap changed, which
 * moves every head's earliest start). Ready times are kept, as the scan kept them.
 */
export function rescheduleAll(): void {
  for (let e = 0; e < ENGINE_COUNT; e++) unchecked(dev.ready[e]).clear();
  dev.readyMask = 0;
  dev.timers.clear();
  const slots = dev.streams.slots;
  for (let s = 0; s < slots.used; s++) {
    if (unchecked(slots.live[s]) == 0) continue;
    const sr = streamAt(s);
    store<u8>(sr, 0, S_IN_READY);
    store<i32>(sr, -1, S_WAITING_ON);
    store<i32>(sr, -1, S_WAIT_FIRST);
    store<i32>(sr, -1, S_WAIT_NEXT);
    dev.dirty.add(s);
  }
}

/**
 * Runs the clock forward. `mode` is RUN_UNTIL_TIME (to `target`, even if nothing happens),
 * RUN_UNTIL_IDLE, or RUN_UNTIL_WAITER (stop once a waiter is satisfied). Returns why it
 * stopped; what happened is in the report.
 */
export function run(mode: i32, target: i64): i32 {
  reportReset();
  waiterHit = false;
  while (true) {
    if (dev.faulted) return STOP_FAULT;
    // Before any instant: a stream loaded in windows must hold its next ops (see refill).
    if (dev.starving > 0) return STOP_REFILL;
    dispatch();
    if (dev.faulted) return STOP_FAULT;
    if (startReported) {
      // Not full, but the host must read the report now; the caller runs again at once.
      startReported = false;
      return STOP_REPORT_FULL;
    }
    checkWaiters();
    if (mode == RUN_UNTIL_WAITER && waiterHit) return STOP_WAITER;
    if (reportFull()) return STOP_REPORT_FULL;
    if (mode == RUN_UNTIL_TIME && dev.now >= target) return STOP_TIME;

    const next = nextTime();
    if (mode == RUN_UNTIL_TIME && next > target) {
      advance(target);
      continue;
    }
    if (next == NEVER) return STOP_IDLE;
    advance(next);
    completeDue();
  }
}
