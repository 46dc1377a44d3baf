import { STATE_COMPLETED, STATE_IN_PROGRESS } from "../codes";
import { outputIndex, outputMove, outputWorkDone, outputs } from "../outputs";
import { RingQueue } from "../ring-queue";
import { growI32 } from "../slot-table";
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
  STOP_REPORT_FULL,
  STOP_TIME,
  STOP_WAITER,
} from "./constants";
import { reportFull, reportPush, reportReset } from "./report";
import { WAIT_FENCE, dev } from "./tables";

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
 */

let waiterHit = false;
let candidates = new Int32Array(16);

/** Whether stream `handle` has completed at least `seq` ops (a freed stream completed all). */
// @ts-ignore: decorator
@inline
export function fenceDone(handle: i32, seq: i64): bool {
  const s = dev.streams.slots.resolve(handle);
  if (s < 0) return true;
  return unchecked(dev.streams.completed[s]) >= seq;
}

// @ts-ignore: decorator
@inline
function endOf(op: i32): i64 {
  const d = unchecked(dev.ops.duration[op]);
  const start = unchecked(dev.ops.start[op]);
  // Saturate rather than overflow: an op that would end past the end of time never ends.
  return d >= NEVER - start ? NEVER : start + d;
}

/** An op whose start the host must act on started in this dispatch. */
let startReported = false;

function startOp(op: i32): void {
  const ops = dev.ops;
  unchecked((ops.running[op] = 1));
  unchecked((ops.start[op] = dev.now));
  const engine = unchecked(ops.engine[op]);
  unchecked((dev.engineRunning[engine] = unchecked(dev.engineRunning[engine]) + 1));
  if (engine == ENGINE_COMPUTE) dev.computeUsed += unchecked(ops.occupancy[op]);
  if (dev.runningCount == dev.running.length) {
    dev.running = growI32(dev.running, dev.running.length * 2);
  }
  unchecked((dev.running[dev.runningCount++] = op));
  if ((unchecked(ops.flags[op]) & FLAG_REPORT_START) != 0) {
    // The host acts on this start (a host function runs): the run stops right after the
    // dispatch, before the clock moves, so that what the host does lands at this instant.
    startReported = true;
    const s = unchecked(ops.stream[op]);
    reportPush(
      REC_OP_START,
      op,
      ops.kind[op],
      dev.streams.slots.handle(s),
      dev.now,
      endOf(op),
      ops.signal[op],
      ops.seq[op],
    );
  }
}

function completeOp(op: i32): void {
  const ops = dev.ops;
  const streams = dev.streams;
  const s = unchecked(ops.stream[op]);
  const queue = unchecked(streams.queues[s])!;
  queue.shift();
  unchecked((streams.completed[s] = streams.completed[s] + 1));
  unchecked((streams.readyAt[s] = -1));

  const engine = unchecked(ops.engine[op]);
  unchecked((dev.engineRunning[engine] = unchecked(dev.engineRunning[engine]) - 1));
  if (engine == ENGINE_COMPUTE) dev.computeUsed -= unchecked(ops.occupancy[op]);
  if (usesEngine(engine)) unchecked((streams.lastEnd[s] = dev.now));
  removeRunning(op);

  // What the op does when it ends.
  const kind = unchecked(ops.kind[op]);
  if (kind == OP_MARKER) {
    const e = unchecked(ops.dep[op]);
    const events = dev.events;
    const live = e >= 0 && e < events.slots.used && unchecked(events.slots.live[e]) != 0;
    if (
      live &&
      unchecked(events.stream[e]) == streams.slots.handle(s) &&
      unchecked(events.seq[e]) == unchecked(ops.seq[op])
    ) {
      unchecked((events.time[e] = <f64>dev.now));
    }
  } else if (kind == OP_LAUNCH) {
    const target = unchecked(ops.dep[op]);
    const delay = unchecked(ops.depSeq[op]);
    unchecked((ops.release[target] = delay >= NEVER - dev.now ? NEVER : dev.now + delay));
  }
  const signal = unchecked(ops.signal[op]);
  if (signal != 0) {
    const o = outputIndex(signal);
    if (o >= 0) {
      outputWorkDone(o);
      if (outputs.state[o] == STATE_IN_PROGRESS) outputMove(o, STATE_COMPLETED, <f64>dev.now);
    }
  }

  const faulted = (unchecked(ops.flags[op]) & FLAG_FAULT) != 0;
  reportPush(
    faulted ? REC_OP_FAULT : REC_OP_END,
    op,
    kind,
    streams.slots.handle(s),
    unchecked(ops.start[op]),
    dev.now,
    signal,
    unchecked(ops.seq[op]),
  );
  if (faulted) {
    dev.faulted = true;
    dev.faultOp = op;
  }

  unchecked((ops.running[op] = 0));
  ops.slots.free(op);
  dev.queuedOps--;
  dev.completedOps++;
  if (unchecked(streams.closing[s]) != 0 && queue.length == 0) freeStream(s);
}

/** Frees a stream slot; its handle goes stale, and stale streams count as complete. */
export function freeStream(s: i32): void {
  const streams = dev.streams;
  streams.closing[s] = 0;
  unchecked((streams.queues[s] = null));
  streams.slots.free(s);
}

function removeRunning(op: i32): void {
  const n = dev.runningCount;
  for (let i = 0; i < n; i++) {
    if (unchecked(dev.running[i]) != op) continue;
    for (let j = i + 1; j < n; j++) unchecked((dev.running[j - 1] = dev.running[j]));
    dev.runningCount = n - 1;
    return;
  }
}

/** Whether an engine is a device engine (its ops take time and follow the op gap). */
// @ts-ignore: decorator
@inline
function usesEngine(engine: u8): bool {
  return engine != ENGINE_NONE && engine != ENGINE_LANE;
}

/** The earliest an op may start: its release, or the op gap after its stream's last op. */
// @ts-ignore: decorator
@inline
function earliest(op: i32): i64 {
  const release = unchecked(dev.ops.release[op]);
  if (dev.opGap == 0 || !usesEngine(unchecked(dev.ops.engine[op]))) return release;
  const s = unchecked(dev.ops.stream[op]);
  const last = unchecked(dev.streams.lastEnd[s]);
  const gap = last >= NEVER - dev.opGap ? NEVER : last + dev.opGap;
  return gap > release ? gap : release;
}

/** Whether the head op of a stream may start now (not counting its engine). */
// @ts-ignore: decorator
@inline
function headReady(op: i32): bool {
  const ops = dev.ops;
  if (unchecked(ops.running[op]) != 0) return false;
  if (earliest(op) > dev.now) return false;
  if (unchecked(ops.kind[op]) == OP_WAIT) {
    return fenceDone(unchecked(ops.dep[op]), unchecked(ops.depSeq[op]));
  }
  return true;
}

/**
 * Orders engine candidates: by engine (each engine chooses among its own), then, on the compute
 * engine, by priority (lower first), then by ready time, then by issue order. A total order, so
 * that the report lists ops started at the same instant the same way whatever the sort.
 */
function before(a: i32, b: i32): bool {
  const ops = dev.ops;
  const streams = dev.streams;
  const sa = unchecked(ops.stream[a]);
  const sb = unchecked(ops.stream[b]);
  const ea = unchecked(ops.engine[a]);
  const eb = unchecked(ops.engine[b]);
  if (ea != eb) return ea < eb;
  if (ea == ENGINE_COMPUTE) {
    const pa = unchecked(streams.priority[sa]);
    const pb = unchecked(streams.priority[sb]);
    if (pa != pb) return pa < pb;
  }
  const ra = unchecked(streams.readyAt[sa]);
  const rb = unchecked(streams.readyAt[sb]);
  if (ra != rb) return ra < rb;
  return unchecked(ops.order[a]) < unchecked(ops.order[b]);
}

/**
 * Completes zero-time work (event records, stream waits, launches) and starts host-lane work,
 * across all streams, until nothing more changes: everything that becomes true at `now` is
 * true before any engine chooses, so the order streams were created in never matters.
 */
function settleZeroTime(): void {
  const streams = dev.streams;
  const ops = dev.ops;
  let changed = true;
  while (changed) {
    changed = false;
    const used = streams.slots.used;
    for (let s = 0; s < used; s++) {
      const queue = unchecked(streams.queues[s]);
      if (queue == null) continue;
      while (queue.length > 0) {
        const op = queue.peek();
        const engine = unchecked(ops.engine[op]);
        if (engine != ENGINE_NONE && engine != ENGINE_LANE) break;
        if (!headReady(op)) break;
        if (unchecked(streams.readyAt[s]) < 0) unchecked((streams.readyAt[s] = dev.now));
        startOp(op);
        if (unchecked(ops.duration[op]) != 0) break;
        completeOp(op);
        if (dev.faulted) return;
        changed = true;
      }
    }
  }
}

/**
 * Lets the engines take ready heads: by priority (compute only), then ready time, then issue
 * order; an engine that cannot take one stops taking. Returns whether an op completed at once
 * (zero duration), which may make more work ready.
 */
function startEngines(): bool {
  const streams = dev.streams;
  const ops = dev.ops;
  let n = 0;
  const used = streams.slots.used;
  for (let s = 0; s < used; s++) {
    const queue = unchecked(streams.queues[s]);
    if (queue == null || queue.length == 0) continue;
    const op = queue.peek();
    if (!headReady(op)) continue;
    if (unchecked(streams.readyAt[s]) < 0) unchecked((streams.readyAt[s] = dev.now));
    if (n == candidates.length) candidates = growI32(candidates, n * 2);
    unchecked((candidates[n++] = op));
  }

  // Sort candidates (there are few: at most one per stream).
  for (let i = 1; i < n; i++) {
    const op = unchecked(candidates[i]);
    let j = i - 1;
    while (j >= 0 && before(op, unchecked(candidates[j]))) {
      unchecked((candidates[j + 1] = candidates[j]));
      j--;
    }
    unchecked((candidates[j + 1] = op));
  }

  let completed = false;
  let blocked: u32 = 0;
  for (let i = 0; i < n; i++) {
    const op = unchecked(candidates[i]);
    const engine = <i32>unchecked(ops.engine[op]);
    if ((blocked & (1 << engine)) != 0) continue;
    let fits: bool;
    if (engine == ENGINE_COMPUTE) {
      fits = dev.computeUsed + unchecked(ops.occupancy[op]) <= COMPUTE_UNITS;
    } else {
      fits = dev.engineRunning[engine] == 0;
    }
    if (!fits) {
      blocked |= 1 << engine;
      continue;
    }
    startOp(op);
    if (unchecked(ops.duration[op]) == 0) {
      completeOp(op);
      completed = true;
      if (dev.faulted) return false;
    }
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

/** Reports and frees every waiter that is satisfied now. */
function checkWaiters(): void {
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

/** The next moment anything can change, or NEVER. */
function nextTime(): i64 {
  let next = NEVER;
  const ops = dev.ops;
  for (let i = 0; i < dev.runningCount; i++) {
    const end = endOf(unchecked(dev.running[i]));
    if (end < next) next = end;
  }
  const streams = dev.streams;
  const used = streams.slots.used;
  for (let s = 0; s < used; s++) {
    const queue = unchecked(streams.queues[s]);
    if (queue == null || queue.length == 0) continue;
    const op = queue.peek();
    if (unchecked(ops.running[op]) != 0) continue;
    const release = earliest(op);
    if (release > dev.now && release < next) next = release;
  }
  const waiters = dev.waiters;
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
  for (let e = 1; e < ENGINE_COUNT; e++) {
    if (unchecked(dev.engineRunning[e]) > 0) unchecked((dev.engineBusy[e] += dt));
  }
  dev.now = t;
}

/** Completes every running op that ends now, in issue order. */
function completeDue(): void {
  while (true) {
    let pick = -1;
    for (let i = 0; i < dev.runningCount; i++) {
      const op = unchecked(dev.running[i]);
      if (endOf(op) != dev.now) continue;
      if (pick < 0 || unchecked(dev.ops.order[op]) < unchecked(dev.ops.order[pick])) pick = op;
    }
    if (pick < 0) return;
    completeOp(pick);
    if (dev.faulted) return;
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
