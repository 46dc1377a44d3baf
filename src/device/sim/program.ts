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

	// Device streams, every op unreleased unless it has an absolute release: one call for all.
	const streamHandles = program.streams.map(() => raw.sim_stream_create(StreamKind.DEVICE, 0));
	let count = 0;
	for (const stream of program.streams) count += stream.ops.length;
	const records = core.inputFloats(count * BATCH_LANES);
	let at = 0;
	for (const [s, stream] of program.streams.entries()) {
		for (const op of stream.ops) {
			writeOp(records, at, streamHandles, s, op);
			at += BATCH_LANES;
		}
	}
	const slotList = enqueueAll(core, count, (i) => {
		let n = i;
		for (const stream of program.streams) {
			if (n < stream.ops.length) return `op '${(stream.ops[n] as ProgramOp).name}'`;
			n -= stream.ops.length;
		}
		return `op ${i}`;
	});
	// Where each slot came from: stream s >= 0 and its index, or host lane -(l + 1) and step.
	const slotGroup = new Int32Array(maxOf(slotList) + 1).fill(NONE);
	const slotIndex = new Int32Array(slotGroup.length);
	const slots: Int32Array[] = [];
	let next = 0;
	for (const [s, stream] of program.streams.entries()) {
		const own = slotList.subarray(next, next + stream.ops.length);
		next += stream.ops.length;
		slots.push(own);
		own.forEach((slot, i) => {
			slotGroup[slot] = s;
			slotIndex[slot] = i;
		});
	}

	// Host lanes: work, launches and waits in order, again in one call.
	const laneHandles = program.lanes.map(() => raw.sim_stream_create(StreamKind.HOST, 0));
	let steps = 0;
	for (const lane of program.lanes) steps += lane.steps.length;
	const stepRecords = core.inputFloats(steps * BATCH_LANES);
	at = 0;
	for (const [l, lane] of program.lanes.entries()) {
		for (const step of lane.steps) {
			writeStep(stepRecords, at, laneHandles[l] as number, streamHandles, slots, step);
			at += BATCH_LANES;
		}
	}
	const stepSlots = enqueueAll(core, steps, (i) => `a step of lane ${laneOf(program, i)}`);
	const laneGroup = new Int32Array(maxOf(stepSlots) + 1).fill(NONE);
	const laneStep = new Int32Array(laneGroup.length);
	next = 0;
	for (const [l, lane] of program.lanes.entries()) {
		for (let n = 0; n < lane.steps.length; n++) {
			const slot = stepSlots[next++] as number;
			laneGroup[slot] = l;
			laneStep[slot] = n;
		}
	}

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
			const slot = report[at + 1] as number;
			const stream = report[at + 3] as number;
			const l = slot < laneGroup.length ? (laneGroup[slot] as number) : NONE;
			if (l !== NONE && stream === laneHandles[l]) {
				(stepEnds[l] as Float64Array)[laneStep[slot] as number] = report[at + 5] as number;
				continue;
			}
			const s = slot < slotGroup.length ? (slotGroup[slot] as number) : NONE;
			if (s === NONE || stream !== streamHandles[s]) continue;
			const i = slotIndex[slot] as number;
			(times[s] as { start: Float64Array }).start[i] = report[at + 4] as number;
			(times[s] as { end: Float64Array }).end[i] = report[at + 5] as number;
			slotGroup[slot] = NONE;
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

/** No stream or lane (in the slot maps). */
const NONE = -1;

/** f64 lanes per op record of sim_enqueue_batch (assembly/scheduler/enqueue.ts). */
const BATCH_LANES = 8;

/** Enqueues `n` records from the input area in one call; returns their slots (a copy). */
function enqueueAll(core: Core, n: number, describe: (i: number) => string): Int32Array {
	const done = core.raw.sim_enqueue_batch(n);
	const slots = core.ints(n).slice();
	if (done < n) {
		throw new InvalidArgumentError(
			`program: the core refused ${describe(done)} (${slots[done] ?? done})`,
		);
	}
	return slots;
}

function maxOf(values: Int32Array): number {
	let max = -1;
	for (const v of values) if (v > max) max = v;
	return max;
}

function laneOf(program: Program, step: number): number {
	let n = step;
	for (const [l, lane] of program.lanes.entries()) {
		if (n < lane.steps.length) return l;
		n -= lane.steps.length;
	}
	return -1;
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
