import { RingQueue } from "../ring-queue";
import { SlotTable, growF64, growI32, growI64, growU8 } from "../slot-table";
import { ENGINE_COUNT } from "./constants";

/**
 * The simulated device's tables, as structs of arrays indexed by slot.
 *
 * streams: kind, priority, queue of op slots, issued and completed counts (a stream's n-th op
 *          has seq n, and "completed >= n" says it is done), when its head became ready
 * ops:     one row per queued or running operation; freed when it completes
 * events:  what an event captured at its last record (stream and seq) and when that completed
 * waiters: what the host is waiting for (a stream reaching a seq, or a time)
 */

export class StreamTable {
  slots: SlotTable = new SlotTable(8);
  kind: Uint8Array = new Uint8Array(8);
  closing: Uint8Array = new Uint8Array(8);
  priority: Int32Array = new Int32Array(8);
  queues: Array<RingQueue | null> = new Array<RingQueue | null>();
  issued: Int64Array = new Int64Array(8);
  completed: Int64Array = new Int64Array(8);
  readyAt: Int64Array = new Int64Array(8);
  /** When the stream's last engine op ended (the next may start `opGap` later). */
  lastEnd: Int64Array = new Int64Array(8);

  ensure(): void {
    const capacity = this.slots.capacity;
    if (this.kind.length >= capacity) return;
    this.kind = growU8(this.kind, capacity);
    this.closing = growU8(this.closing, capacity);
    this.priority = growI32(this.priority, capacity);
    this.issued = growI64(this.issued, capacity);
    this.completed = growI64(this.completed, capacity);
    this.readyAt = growI64(this.readyAt, capacity);
    this.lastEnd = growI64(this.lastEnd, capacity);
  }
}

export class OpTable {
  slots: SlotTable = new SlotTable(64);
  kind: Uint8Array = new Uint8Array(64);
  engine: Uint8Array = new Uint8Array(64);
  flags: Uint8Array = new Uint8Array(64);
  running: Uint8Array = new Uint8Array(64);
  stream: Int32Array = new Int32Array(64);
  occupancy: Int32Array = new Int32Array(64);
  /** WAIT: the stream handle waited on; LAUNCH: the op slot released; MARKER: event slot. */
  dep: Int32Array = new Int32Array(64);
  /** The output completed with this op (MARKER), or 0. */
  signal: Int32Array = new Int32Array(64);
  seq: Int64Array = new Int64Array(64);
  /** WAIT: the count waited for; LAUNCH: the delay before the released op may start. */
  depSeq: Int64Array = new Int64Array(64);
  release: Int64Array = new Int64Array(64);
  duration: Int64Array = new Int64Array(64);
  start: Int64Array = new Int64Array(64);
  order: Int64Array = new Int64Array(64);

  ensure(): void {
    const capacity = this.slots.capacity;
    if (this.kind.length >= capacity) return;
    this.kind = growU8(this.kind, capacity);
    this.engine = growU8(this.engine, capacity);
    this.flags = growU8(this.flags, capacity);
    this.running = growU8(this.running, capacity);
    this.stream = growI32(this.stream, capacity);
    this.occupancy = growI32(this.occupancy, capacity);
    this.dep = growI32(this.dep, capacity);
    this.signal = growI32(this.signal, capacity);
    this.seq = growI64(this.seq, capacity);
    this.depSeq = growI64(this.depSeq, capacity);
    this.release = growI64(this.release, capacity);
    this.duration = growI64(this.duration, capacity);
    this.start = growI64(this.start, capacity);
    this.order = growI64(this.order, capacity);
  }
}

export class EventTable {
  slots: SlotTable = new SlotTable(16);
  timing: Uint8Array = new Uint8Array(16);
  recorded: Uint8Array = new Uint8Array(16);
  stream: Int32Array = new Int32Array(16);
  seq: Int64Array = new Int64Array(16);
  time: Float64Array = new Float64Array(16);

  ensure(): void {
    const capacity = this.slots.capacity;
    if (this.timing.length >= capacity) return;
    this.timing = growU8(this.timing, capacity);
    this.recorded = growU8(this.recorded, capacity);
    this.stream = growI32(this.stream, capacity);
    this.seq = growI64(this.seq, capacity);
    this.time = growF64(this.time, capacity);
  }
}

export const WAIT_FENCE: u8 = 0;
export const WAIT_TIME: u8 = 1;

export class WaiterTable {
  slots: SlotTable = new SlotTable(16);
  kind: Uint8Array = new Uint8Array(16);
  stream: Int32Array = new Int32Array(16);
  seq: Int64Array = new Int64Array(16);
  time: Int64Array = new Int64Array(16);

  ensure(): void {
    const capacity = this.slots.capacity;
    if (this.kind.length >= capacity) return;
    this.kind = growU8(this.kind, capacity);
    this.stream = growI32(this.stream, capacity);
    this.seq = growI64(this.seq, capacity);
    this.time = growI64(this.time, capacity);
  }
}

/** Everything the scheduler owns. One instance of the core is one device. */
export class Device {
  now: i64 = 0;
  order: i64 = 0;
  streams: StreamTable = new StreamTable();
  ops: OpTable = new OpTable();
  events: EventTable = new EventTable();
  waiters: WaiterTable = new WaiterTable();
  /** Slots of running ops, any engine. */
  running: Int32Array = new Int32Array(16);
  runningCount: i32 = 0;
  computeUsed: i32 = 0;
  /** Ops running per engine, and the virtual time each engine spent busy. */
  engineRunning: Int32Array = new Int32Array(ENGINE_COUNT);
  engineBusy: Float64Array = new Float64Array(ENGINE_COUNT);
  queuedOps: i32 = 0;
  completedOps: f64 = 0;
  /** Set once an op flagged as a fault completes: the device is then broken for good. */
  faulted: bool = false;
  /** The least time between consecutive engine ops of one stream (the GPU's front end). */
  opGap: i64 = 0;
  faultOp: i32 = -1;

  /**
   * Forgets everything (a fresh device in the same instance, for the next program): the old
   * tables become garbage and every handle handed out before is meaningless from now on.
   */
  reset(): void {
    this.now = 0;
    this.order = 0;
    this.streams = new StreamTable();
    this.ops = new OpTable();
    this.events = new EventTable();
    this.waiters = new WaiterTable();
    this.running = new Int32Array(16);
    this.runningCount = 0;
    this.computeUsed = 0;
    this.engineRunning = new Int32Array(ENGINE_COUNT);
    this.engineBusy = new Float64Array(ENGINE_COUNT);
    this.queuedOps = 0;
    this.completedOps = 0;
    this.faulted = false;
    this.opGap = 0;
    this.faultOp = -1;
  }
}

export const dev = new Device();
