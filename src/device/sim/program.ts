import { COMPUTE_UNITS, Engine, OpKind, Rec, RunMode, Stop, StreamKind } from '../../core/codes.js';
import { Core } from '../../core/core.js';
import { InvalidArgumentError } from '../../errors.js';
import type { TimelineKind } from '../../trace/recording.js';

/**
 * Programs: a whole recorded run, host threads included, loaded into the simulated device at
 * once (one call for the device ops, one for the host steps, through the core's input area)
 * and run to the end in one call (plus one call per 4,096 completions to read them).
 *
 * Device streams hold operations in issue order, loaded unreleased. Host lanes hold host work,
 * launches (which release a device operation when the lane reaches them, after a delay) and
 * waits (which hold the lane until a stream has completed a number of operations: a
 * synchronize). This is how a profiler trace is replayed with its host in the loop: when the
 * device runs late, the host's synchronizations end late, and so does everything it launches
 * after them.
 */

/** An operation on a device stream. */
export interface ProgramOp {
	kind: 'kernel' | 'copy_h2d' | 'copy_d2h' | 'copy_d2d' | 'memset' | 'marker' | 'wait';
	name: string;
	durationNs: number;
	/** Kernels: share of the compute engine in (0, 1]. */
	occupancy?: number;
	bytes?: number;
	/** Waits: the stream waited on and the count of its ops to complete. */
	waitStream?: number;
	waitSeq?: number;
	/** When nothing launches it: the absolute release time. */
	releaseAt?: number;
}

/** A step of a host lane. */
export type HostStep =
	| { kind: 'work'; ns: number; name?: string }
	| { kind: 'launch'; stream: number; index: number; delayNs: number }
	| { kind: 'wait'; stream: number; seq: number; name?: string };

/** A program: device streams of ops and host lanes of steps. */
export interface Program {
	streams: { label: string; ops: ProgramOp[] }[];
	lanes: { label: string; steps: HostStep[] }[];
}

/** When each op ran. */
export interface ProgramTimes {
	/** [stream][index] -> start and end in ns. */
	streams: { start: Float64Array; end: Float64Array }[];
	/** [lane] -> when the lane finished its last step. */
	laneEnds: number[];
	/** The clock when everything was done. */
	endNs: number;
	/** Ops that never ran (a wait on something that never comes, for instance). */
	stuck: number;
	/** [lane][step] -> when the step ended. */
	stepEnds: Float64Array[];
}

const KIND: Record<ProgramOp['kind'], [number, number]> = {
	kernel: [OpKind.KERNEL, Engine.COMPUTE],
	copy_h2d: [OpKind.COPY_H2D, Engine.H2D],
	copy_d2h: [OpKind.COPY_D2H, Engine.D2H],
	copy_d2d: [OpKind.COPY_D2D, Engine.COMPUTE],
	memset: [OpKind.MEMSET, Engine.COMPUTE],
	marker: [OpKind.MARKER, Engine.NONE],
	wait: [OpKind.WAIT, Engine.NONE],
};

/** The timeline kind of a program op. */
export function timelineKind(kind: ProgramOp['kind']): TimelineKind {
	if (kind === 'marker') return 'event_record';
	if (kind === 'wait') return 'stream_wait';
	return kind;
}

// Cores that ran a program, reset for the next: instantiating one costs some 1-2 ms (its
// tables are allocated and zeroed), more than a small trace's whole replay. A core that grew
// large is dropped rather than kept (Wasm memory never shrinks).
const idle: Core[] = [];
const POOL = 2;
const KEEP_BYTES = 32 << 20;

/** Loads a program into a fresh simulated device and runs it to the end. */
export async function runProgram(
	program: Program,
	options: { opGapNs?: number } = {},
): Promise<ProgramTimes> {
	const core = idle.pop() ?? (await Core.create());
	core.raw.sim_reset();
	core.raw.sim_set_op_gap(options.opGapNs ?? 0);
	try {
		return runProgramOn(core, program);
	} finally {
		if (idle.length < POOL && core.memoryBytes <= KEEP_BYTES) idle.push(core);
	}
}

/** Runs a program on a core that has no other work. */
export function runProgramOn(core: Core, program: Program): ProgramTimes {
	const raw = core.raw;

	// Device streams, every op unreleased unless it has an absolute release. A launch names the
	// op it releases by its slot, so with lanes every op is loaded at once and slots are kept;
	// without, each stream is loaded in windows, so that the core holds a few thousand ops of
	// it at a time (memory and time per op stay flat however long the program).
	const streamHandles = program.streams.map(() => raw.sim_stream_create(StreamKind.DEVICE, 0));
	const windowed = program.lanes.length === 0;
	const slots: Int32Array[] = [];
	const loaded = new Array<number>(program.streams.length).fill(0);
	// The issue order a whole load gives: stream by stream, each in order (the tie-break).
	const orderBase: number[] = [];
	let total = 0;
	for (const stream of program.streams) {
		orderBase.push(total);
		total += stream.ops.length;
	}

	/** Loads up to `count` more ops of stream `s`, ending the window with one that takes time. */
	const loadMore = (s: number, count: number): void => {
		const ops = (program.streams[s] as { ops: ProgramOp[] }).ops;
		const first = loaded[s] as number;
		let end = Math.min(ops.length, first + count);
		while (end < ops.length && !takesTime(ops[end - 1] as ProgramOp)) end++;
		const own = windowed ? undefined : new Int32Array(ops.length);
		raw.sim_set_order((orderBase[s] as number) + first);
		load(
			core,
			end - first,
			(records, at, i) => writeOp(records, at, streamHandles, s, ops[first + i] as ProgramOp),
			own,
			(i) => `op '${(ops[first + i] as ProgramOp).name}'`,
		);
		if (own !== undefined) slots.push(own);
		loaded[s] = end;
		const handle = streamHandles[s] as number;
		raw.sim_stream_refill_at(handle, end < ops.length ? REFILL_AT : 0);
	};
	for (const [s, stream] of program.streams.entries()) {
		loadMore(s, windowed ? WINDOW : stream.ops.length);
	}

	// Host lanes: work, launches and waits in order.
	const laneHandles = program.lanes.map(() => raw.sim_stream_create(StreamKind.HOST, 0));
	for (const [l, lane] of program.lanes.entries()) {
		const steps = lane.steps;
		const handle = laneHandles[l] as number;
		load(
			core,
			steps.length,
			(records, at, i) =>
				writeStep(records, at, handle, streamHandles, slots, steps[i] as HostStep),
			undefined,
			() => `a step of lane ${l}`,
		);
	}

	// Where a report's stream handle points: device stream s >= 0, or lane l as -(l + 1). A
	// stream's n-th op has seq n, so (handle, seq) finds the op without a map of slots.
	const group = new Int32Array(slotOf(Math.max(0, ...streamHandles, ...laneHandles)) + 1);
	for (const [s, handle] of streamHandles.entries()) group[slotOf(handle)] = s;
	for (const [l, handle] of laneHandles.entries()) group[slotOf(handle)] = -(l + 1);

	// Run to the end, reading completions 4,096 at a time.
	const times = program.streams.map((s) => ({
		start: new Float64Array(s.ops.length).fill(-1),
		end: new Float64Array(s.ops.length).fill(-1),
	}));
	const stepEnds = program.lanes.map((lane) => new Float64Array(lane.steps.length).fill(-1));
	for (;;) {
		const stop = raw.sim_run(RunMode.UNTIL_IDLE, 0);
		const report = core.report();
		for (let at = 0; at < report.length; at += Rec.LANES) {
			if (report[at] !== Rec.OP_END) continue;
			const handle = report[at + 3] as number;
			const g = group[slotOf(handle)] as number;
			const i = (report[at + 7] as number) - 1;
			if (g >= 0) {
				const t = times[g] as { start: Float64Array; end: Float64Array };
				t.start[i] = report[at + 4] as number;
				t.end[i] = report[at + 5] as number;
			} else {
				(stepEnds[-g - 1] as Float64Array)[i] = report[at + 5] as number;
			}
		}
		if (stop === Stop.REFILL) {
			// Some window ran low: top up every stream that has ops left.
			for (const [s, handle] of streamHandles.entries()) {
				const ops = (program.streams[s] as { ops: ProgramOp[] }).ops;
				if ((loaded[s] as number) >= ops.length) continue;
				const queued = raw.sim_stream_issued(handle) - raw.sim_stream_completed(handle);
				if (queued < REFILL_AT) loadMore(s, WINDOW - queued);
			}
			continue;
		}
		if (stop !== Stop.REPORT_FULL) break;
	}
	let stuck = 0;
	for (const t of times) for (const e of t.end) if (e < 0) stuck++;
	const laneEnds = stepEnds.map((ends) =>
		ends.length === 0 ? 0 : (ends[ends.length - 1] as number),
	);
	return { streams: times, laneEnds, stepEnds, endNs: raw.sim_now(), stuck };
}

/** f64 lanes per op record of sim_enqueue_batch (assembly/scheduler/enqueue.ts). */
const BATCH_LANES = 8;

/**
 * Records per sim_enqueue_batch call: the input area stays some 128 kB however long the
 * program (one area for a whole program took 64 MB at a million ops, and the core kept it).
 */
const CHUNK = 2048;

/** Ops of a stream the core holds at most (about) when a program is loaded in windows. */
const WINDOW = 4096;

/** Below this many queued ops, a run stops so that the window is topped up. */
const REFILL_AT = 1024;

/** Whether a program op takes time (as writeOp writes its duration). */
function takesTime(op: ProgramOp): boolean {
	return op.kind !== 'marker' && op.kind !== 'wait' && Math.round(op.durationNs) > 0;
}

/** The slot index of a core handle (its low 20 bits, assembly/handle.ts). */
function slotOf(handle: number): number {
	return handle & 0xfffff;
}

/**
 * Enqueues `n` records, written by `write(records, at, i)`, CHUNK at a time through the
 * input area; their slots go to `slots` when given.
 */
function load(
	core: Core,
	n: number,
	write: (records: Float64Array, at: number, i: number) => void,
	slots: Int32Array | undefined,
	describe: (i: number) => string,
): void {
	for (let first = 0; first < n; first += CHUNK) {
		const m = Math.min(CHUNK, n - first);
		const records = core.inputFloats(m * BATCH_LANES);
		for (let i = 0; i < m; i++) write(records, i * BATCH_LANES, first + i);
		const done = core.raw.sim_enqueue_batch(m);
		const got = core.ints(m);
		if (done < m) {
			throw new InvalidArgumentError(
				`program: the core refused ${describe(first + done)} (${got[done] ?? done})`,
			);
		}
		slots?.set(got, first);
	}
}

/** Writes a device op's record: [stream, kind, engine, duration, occupancy, release, dep, seq]. */
function writeOp(
	records: Float64Array,
	at: number,
	streams: number[],
	s: number,
	op: ProgramOp,
): void {
	const release = op.releaseAt === undefined ? -1 : Math.max(0, Math.round(op.releaseAt));
	records[at] = streams[s] as number;
	records[at + 5] = release;
	if (op.kind === 'wait') {
		records[at + 1] = OpKind.WAIT;
		records[at + 2] = Engine.NONE;
		records[at + 3] = 0;
		records[at + 4] = 0;
		records[at + 6] = streams[op.waitStream ?? -1] ?? 0;
		records[at + 7] = op.waitSeq ?? 0;
		return;
	}
	const [kind, engine] = KIND[op.kind];
	records[at + 1] = kind;
	records[at + 2] = engine;
	records[at + 3] = op.kind === 'marker' ? 0 : Math.max(0, Math.round(op.durationNs));
	records[at + 4] =
		op.kind === 'kernel'
			? Math.max(1, Math.round((op.occupancy ?? 1) * COMPUTE_UNITS))
			: COMPUTE_UNITS;
	records[at + 6] = 0;
	records[at + 7] = 0;
}

/** Writes a host step's record (released at 0: a lane runs from the start). */
function writeStep(
	records: Float64Array,
	at: number,
	lane: number,
	streams: number[],
	slots: Int32Array[],
	step: HostStep,
): void {
	records[at] = lane;
	records[at + 4] = 0;
	records[at + 5] = 0;
	if (step.kind === 'work') {
		records[at + 1] = OpKind.HOST_WORK;
		records[at + 2] = Engine.LANE;
		records[at + 3] = Math.max(0, Math.round(step.ns));
		records[at + 6] = 0;
		records[at + 7] = 0;
	} else if (step.kind === 'launch') {
		const target = slots[step.stream]?.[step.index];
		if (target === undefined)
			throw new InvalidArgumentError(`program: no op ${step.index} on stream ${step.stream}`);
		records[at + 1] = OpKind.LAUNCH;
		records[at + 2] = Engine.NONE;
		records[at + 3] = 0;
		records[at + 6] = target;
		records[at + 7] = Math.max(0, Math.round(step.delayNs));
	} else {
		records[at + 1] = OpKind.WAIT;
		records[at + 2] = Engine.NONE;
		records[at + 3] = 0;
		records[at + 6] = streams[step.stream] as number;
		records[at + 7] = step.seq;
	}
}
