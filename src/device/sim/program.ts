import { COMPUTE_UNITS, Engine, OpKind, Rec, RunMode, Stop, StreamKind } from '../../core/codes.js';
import { Core } from '../../core/core.js';
import { InvalidArgumentError } from '../../errors.js';
import type { TimelineKind } from '../../trace/recording.js';

/**
 * Programs: a whole recorded run, host threads included, loaded into the simulated device at
 * once and run to the end in one call (plus one call per 4,096 completions to read them).
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

/** Loads a program into a fresh core and runs it to the end. */
export async function runProgram(
	program: Program,
	options: { opGapNs?: number } = {},
): Promise<ProgramTimes> {
	const core = await Core.create();
	core.raw.sim_set_op_gap(options.opGapNs ?? 0);
	return runProgramOn(core, program);
}

/** Runs a program on a core that has no other work. */
export function runProgramOn(core: Core, program: Program): ProgramTimes {
	const raw = core.raw;

	// Device streams, every op unreleased unless it has an absolute release.
	const streamHandles = program.streams.map(() => raw.sim_stream_create(StreamKind.DEVICE, 0));
	const opStream: number[] = [];
	const opIndex: number[] = [];
	const slots: number[][] = program.streams.map((stream, s) =>
		stream.ops.map((op, i) => {
			const slot = loadOp(core, streamHandles, s, op);
			opStream[slot] = s;
			opIndex[slot] = i;
			return slot;
		}),
	);

	// Host lanes: work, launches and waits in order.
	const laneHandles = program.lanes.map(() => raw.sim_stream_create(StreamKind.HOST, 0));
	const stepOf = new Map<number, [number, number]>();
	program.lanes.forEach((lane, l) => {
		const handle = laneHandles[l] as number;
		for (const [n, step] of lane.steps.entries()) {
			let slot: number;
			if (step.kind === 'work') {
				slot = raw.sim_enqueue_host_work(
					handle,
					OpKind.HOST_WORK,
					Math.max(0, Math.round(step.ns)),
					0,
				);
			} else if (step.kind === 'launch') {
				const target = slots[step.stream]?.[step.index];
				if (target === undefined)
					throw new InvalidArgumentError(`program: no op ${step.index} on stream ${step.stream}`);
				slot = raw.sim_enqueue_launch(handle, target, Math.max(0, Math.round(step.delayNs)), 0);
			} else {
				slot = raw.sim_enqueue_wait(handle, streamHandles[step.stream] as number, step.seq, 0);
			}
			if (slot < 0)
				throw new InvalidArgumentError(`program: the core refused a step of lane ${l} (${slot})`);
			stepOf.set(slot, [l, n]);
		}
	});

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
			const s = opStream[slot];
			const step = stepOf.get(slot);
			if (step !== undefined && report[at + 3] === laneHandles[step[0]]) {
				(stepEnds[step[0]] as Float64Array)[step[1]] = report[at + 5] as number;
				continue;
			}
			if (s === undefined || report[at + 3] !== streamHandles[s]) continue;
			const i = opIndex[slot] as number;
			(times[s] as { start: Float64Array }).start[i] = report[at + 4] as number;
			(times[s] as { end: Float64Array }).end[i] = report[at + 5] as number;
			opStream[slot] = undefined as unknown as number;
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

function loadOp(core: Core, streams: number[], s: number, op: ProgramOp): number {
	const raw = core.raw;
	const handle = streams[s] as number;
	const release = op.releaseAt === undefined ? -1 : Math.max(0, Math.round(op.releaseAt));
	let slot: number;
	if (op.kind === 'wait') {
		slot = raw.sim_enqueue_wait(
			handle,
			streams[op.waitStream ?? -1] ?? 0,
			op.waitSeq ?? 0,
			release,
		);
	} else {
		const [kind, engine] = KIND[op.kind];
		const units =
			op.kind === 'kernel'
				? Math.max(1, Math.round((op.occupancy ?? 1) * COMPUTE_UNITS))
				: COMPUTE_UNITS;
		const duration = op.kind === 'marker' ? 0 : Math.max(0, Math.round(op.durationNs));
		slot = raw.sim_enqueue(handle, kind, engine, duration, units, release, 0);
	}
	if (slot < 0)
		throw new InvalidArgumentError(`program: the core refused op '${op.name}' (${slot})`);
	return slot;
}
