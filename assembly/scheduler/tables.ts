import { MAX_SLOTS } from "../handle";
import { SlotTable, growF64, growI32, growI64, growU8 } from "../slot-table";
import { ENGINE_COUNT } from "./constants";
import { CompletionHeap, ReadyHeap, StreamSet, TimerHeap } from "./heaps";

/**
 * The simulated device's tables.
 *
 * streams: kind, priority, queue of op slots, issued and completed counts (a stream's n-th op
 *          has seq n, and "completed >= n" says it is done), when its head became ready, and
 *          where the run loop keeps the stream meanwhile (see the design note in run.ts)
 * ops:     one record per queued or running operation; freed when it completes
 * events:  what an event captured at its last record (stream and seq) and when that completed
 * waiters: what the host is waiting for (a stream reaching a seq, or a time)
 *
 * Ops and streams are fixed-size records in unmanaged memory (heap.alloc), reached from a base
 * pointer in a Wasm global: the run loop reads and writes most fields of an op when it starts
 * and ends it, and a record is one cache line behind one pointer, where a struct of typed
 * arrays costs a chain of loads per field (table, array, data) that every store makes the
 * engine do again. Events and waiters, touched rarely, stay structs of arrays.
 *
 *   op, OP_BYTES (64) at opBase + slot * 64
 *   0       8          16        24      32       40       44          48    52       56
 *   | start | duration | release | order | depSeq | stream | occupancy | dep | signal |
 *   56     57       58      59        60     61
 *   | kind | engine | flags | running | live | (free) |
 *
 *   stream, STREAM_BYTES (128) at streamBase + slot * 128
 *   0        8           16        24        32      36     40     44     48
 *   | issued | completed | readyAt | lastEnd | items | mask | head | tail | priority |
 *   52          56          60         64     65        66        67       68         72
 *   | waitingOn | waitFirst | waitNext | kind | closing | inReady | (free) | refillAt | handle |
 *   76
 *   | (free) |
 *
 * A free op's `stream` field links the free list. A stream's queue is a ring of op slots at
 * `items` (mask + 1 of them, a power of two; head and tail count up and are masked), 0 once
 * the stream is freed. The seq of an op is not stored: a stream runs its ops in order, so its
 * head has seq `completed + 1`.
 */

// Op fields (byte offsets in an op record).
export const OP_SHIFT: usize = 6;
export const OP_START: usize = 0;
export const OP_DURATION: usize = 8;
export const OP_RELEASE: usize = 16;
export const OP_ORDER: usize = 24;
/** WAIT: the count waited for; LAUNCH: the delay before the released op may start. */
export const OP_DEP_SEQ: usize = 32;
export const OP_STREAM: usize = 40;
export const OP_OCCUPANCY: usize = 44;
/** WAIT: the stream handle waited on; LAUNCH: the op slot released; MARKER: event slot. */
export const OP_DEP: usize = 48;
/** The output completed with this op, or 0. */
export const OP_SIGNAL: usize = 52;
export const OP_KIND: usize = 56;
export const OP_ENGINE: usize = 57;
export const OP_FLAGS: usize = 58;
export const OP_RUNNING: usize = 59;
export const OP_LIVE: usize = 60;

// Stream fields (byte offsets in a stream record).
export const STREAM_SHIFT: usize = 7;
export const S_ISSUED: usize = 0;
export const S_COMPLETED: usize = 8;
export const S_READY_AT: usize = 16;
/** When the stream's last engine op ended (the next may start `opGap` later). */
export const S_LAST_END: usize = 24;
export const S_ITEMS: usize = 32;
export const S_MASK: usize = 36;
export const S_HEAD: usize = 40;
export const S_TAIL: usize = 44;
export const S_PRIORITY: usize = 48;
/** The stream slot whose completions the head (a stream wait) waits for, or -1. */
export const S_WAITING_ON: usize = 52;
/** Streams waiting on this one: the first, and the next after each (intrusive, -1 ends). */
export const S_WAIT_FIRST: usize = 56;
export const S_WAIT_NEXT: usize = 60;
export const S_KIND: usize = 64;
export const S_CLOSING: usize = 65;
/** 1 while the stream's head is in its engine's ready heap. */
export const S_IN_READY: usize = 66;
/** Loaded in windows: the run stops for more when fewer ops than this are queued (0: off). */
export const S_REFILL_AT: usize = 68;
/** The stream's handle (what reports name it by). */
export const S_HANDLE: usize = 72;

export let opBase: usize = 0;
let opCapacity: i32 = 0;
/** Op slots ever handed out since the last reset (free ones included). */
export let opUsed: i32 = 0;
let opFreeHead: i32 = -1;

export let streamBase: usize = 0;
let streamCapacity: i32 = 0;

/** The record of op slot `op`. */
// @ts-ignore: decorator
@inline
export function opAt(op: i32): usize {
  return opBase + (<usize>op << OP_SHIFT);
}

/** The record of stream slot `s`. */
// @ts-ignore: decorator
@inline
export function streamAt(s: i32): usize {
  return streamBase + (<usize>s << STREAM_SHIFT);
}

/** Takes a free op slot (the last freed first, as the slot tables do), or -1 when full. */
export function opAlloc(): i32 {
  let op = opFreeHead;
  if (op >= 0) {
    opFreeHead = load<i32>(opAt(op), OP_STREAM);
  } else {
    if (opUsed == opCapacity) {
      if (opUsed >= MAX_SLOTS) return -1;
      opCapacity = min(opCapacity * 2, MAX_SLOTS);
      opBase = heap.realloc(opBase, <usize>opCapacity << OP_SHIFT);
    }
    op = opUsed++;
  }
  store<u8>(opAt(op), 1, OP_LIVE);
  return op;
}

/** Frees an op slot. */
// @ts-ignore: decorator
@inline
export function opFree(op: i32): void {
  const r = opAt(op);
  store<u8>(r, 0, OP_LIVE);
  store<i32>(r, opFreeHead, OP_STREAM);
  opFreeHead = op;
}

/** Whether `op` names a queued or running op. */
// @ts-ignore: decorator
@inline
export function opLive(op: i32): bool {
  return op >= 0 && op < opUsed && load<u8>(opAt(op), OP_LIVE) != 0;
}

/** Ops in a stream's queue. */
// @ts-ignore: decorator
@inline
export function queueLength(r: usize): i32 {
  return <i32>(load<u32>(r, S_TAIL) - load<u32>(r, S_HEAD));
}

/** The first op of a stream's queue (the caller checks that there is one). */
// @ts-ignore: decorator
@inline
export function queuePeek(r: usize): i32 {
  const at = <usize>(load<u32>(r, S_HEAD) & load<u32>(r, S_MASK));
  return load<i32>(load<usize>(r, S_ITEMS) + (at << 2));
}

/** Drops the first op of a stream's queue. */
// @ts-ignore: decorator
@inline
export function queueShift(r: usize): void {
  store<u32>(r, load<u32>(r, S_HEAD) + 1, S_HEAD);
}

/** Appends an op to a stream's queue, doubling the ring when it is full. */
export function queuePush(r: usize, op: i32): void {
  let items = load<usize>(r, S_ITEMS);
  let mask = load<u32>(r, S_MASK);
  const head = load<u32>(r, S_HEAD);
  let tail = load<u32>(r, S_TAIL);
  if (tail - head == mask + 1) {
    // Copy in queue order into a ring twice the size, from 0.
    const size = (mask + 1) << 1;
    const grown = heap.alloc(<usize>size << 2);
    for (let i: u32 = 0; i <= mask; i++) {
      store<i32>(grown + (<usize>i << 2), load<i32>(items + (<usize>((head + i) & mask) << 2)));
    }
    heap.free(items);
    items = grown;
    tail = mask + 1;
    mask = size - 1;
    store<usize>(r, items, S_ITEMS);
    store<u32>(r, mask, S_MASK);
    store<u32>(r, 0, S_HEAD);
  }
  store<i32>(items + (<usize>(tail & mask) << 2), op);
  store<u32>(r, tail + 1, S_TAIL);
}

/** Gives a new stream slot its record (zeroed but for what streamCreate sets) and a queue. */
function streamRecordInit(s: i32): void {
  if (s >= streamCapacity) {
    const capacity = max(streamCapacity * 2, s + 1);
    streamBase = heap.realloc(streamBase, <usize>capacity << STREAM_SHIFT);
    streamCapacity = capacity;
  }
  const r = streamAt(s);
  memory.fill(r, 0, 1 << STREAM_SHIFT);
  store<usize>(r, heap.alloc(16 << 2), S_ITEMS);
  store<u32>(r, 15, S_MASK);
}

/** Lets go of a freed stream's queue. */
export function streamRecordFree(s: i32): void {
  const r = streamAt(s);
  const items = load<usize>(r, S_ITEMS);
  if (items != 0) heap.free(items);
  store<usize>(r, 0, S_ITEMS);
}

/** Stream handles; the fields are in the stream records. */
export class StreamTable {
  slots: SlotTable = new SlotTable(8);

  /** Allocates a slot with a fresh record and an empty queue; -1 when full. */
  alloc(): i32 {
    const s = this.slots.alloc();
    if (s >= 0) streamRecordInit(s);
    return s;
  }
}

/** Frees every op and stream record (reset), leaving room for a few. */
function recordsReset(streams: SlotTable | null): void {
  if (streams != null) {
    for (let s = 0; s < streams.used; s++) {
      if (unchecked(streams.live[s]) != 0) streamRecordFree(s);
    }
  }
  if (opBase != 0) heap.free(opBase);
  opCapacity = 64;
  opBase = heap.alloc(<usize>opCapacity << OP_SHIFT);
  opUsed = 0;
  opFreeHead = -1;
  if (streamBase != 0) heap.free(streamBase);
  streamCapacity = 8;
  streamBase = heap.alloc(<usize>streamCapacity << STREAM_SHIFT);
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
  events: EventTable = new EventTable();
  waiters: WaiterTable = new WaiterTable();
  /** Running ops that take time, by end. */
  completions: CompletionHeap = new CompletionHeap();
  /** Streams whose head may start later, by when. */
  timers: TimerHeap = new TimerHeap();
  /** Ready heads per engine (ENGINE_NONE and ENGINE_LANE stay empty: their ops never wait). */
  ready: StaticArray<ReadyHeap> = newReadyHeaps();
  /** Streams to look at in the next dispatch. */
  dirty: StreamSet = new StreamSet();
  computeUsed: i32 = 0;
  /** Bit e: engine e has ops running; ready heads waiting (the loop skips idle engines). */
  busyMask: u32 = 0;
  readyMask: u32 = 0;
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
  /** Streams loaded in windows that hold fewer ops than their refill mark. */
  starving: i32 = 0;

  /**
   * Forgets everything (a fresh device in the same instance, for the next program): the old
   * tables become garbage and every handle handed out before is meaningless from now on.
   */
  reset(): void {
    recordsReset(this.streams.slots);
    this.completions.free();
    this.timers.free();
    for (let e = 0; e < ENGINE_COUNT; e++) unchecked(this.ready[e]).free();
    this.now = 0;
    this.order = 0;
    this.streams = new StreamTable();
    this.events = new EventTable();
    this.waiters = new WaiterTable();
    this.completions = new CompletionHeap();
    this.timers = new TimerHeap();
    this.ready = newReadyHeaps();
    this.dirty = new StreamSet();
    this.computeUsed = 0;
    this.busyMask = 0;
    this.readyMask = 0;
    this.engineRunning = new Int32Array(ENGINE_COUNT);
    this.engineBusy = new Float64Array(ENGINE_COUNT);
    this.queuedOps = 0;
    this.completedOps = 0;
    this.faulted = false;
    this.opGap = 0;
    this.faultOp = -1;
    this.starving = 0;
  }
}

/** One ready heap per engine number (ENGINE_COUNT of them). */
function newReadyHeaps(): StaticArray<ReadyHeap> {
  return [
    new ReadyHeap(),
    new ReadyHeap(),
    new ReadyHeap(),
    new ReadyHeap(),
    new ReadyHeap(),
    new ReadyHeap(),
  ];
}

recordsReset(null);
export const dev = new Device();
