import { Engine, OpFlag, OpKind, Rec, RunMode, Stop, StreamKind } from '../core/codes.js';
import { Core } from '../core/core.js';
import { InvalidArgumentError } from '../errors.js';
import { expectInstance } from '../validate.js';
import { type IssuedOp, Recording } from './recording.js';

/**
 * Replaying a recording on the simulated device.
 *
 * Every operation the host issued goes into a fresh core, in issue order, each on its stream
 * with the release time, duration, compute share and fault flag it had, stream waits pointing
 * at the same op counts; then the clock runs once to where the recording ended. Nothing of the
 * host is re-run: its spans (host work, waits) are what the host did, and they come over as
 * they are. What comes back is the device's part of the timeline scheduled again, so a replay
 * that matches its recording (`hash()`) shows the run depends on nothing but what was issued.
 *
 * A recording replays to the same timeline when it started on an idle device (as one started
 * right after `createDevice` does): work issued before it is not in it.
 */

const KIND: Record<IssuedOp['kind'], [number, number]> = {
	kernel: [OpKind.KERNEL, Engine.COMPUTE],
	copy_h2d: [OpKind.COPY_H2D, Engine.H2D],
	copy_d2h: [OpKind.COPY_D2H, Engine.D2H],
	copy_d2d: [OpKind.COPY_D2D, Engine.COMPUTE],
	memset: [OpKind.MEMSET, Engine.COMPUTE],
	event_record: [OpKind.MARKER, Engine.NONE],
	stream_wait: [OpKind.WAIT, Engine.NONE],
	host_func: [OpKind.HOST_FUNC, Engine.HOST_FUNC],
};

/**
 * Replays a recording on a fresh simulated device and returns the replay's recording: the same
 * streams and issued ops, the device's timeline as the replay scheduled it, the host's spans.
 *
 * @throws InvalidArgumentError when `recording` is not a Recording, or has timeline entries of
 *   device work but no issued operations (a profiler-trace replay, which cannot be re-issued).
 * @example
 *   const replayed = await replayRecording(recording);
 *   replayed.hash() === recording.hash(); // true: the same timeline, bit for bit
 */
export async function replayRecording(recording: Recording): Promise<Recording> {
	expectInstance('recording', recording, Recording, 'a Recording');
	if (recording.ops.length === 0 && recording.events.some((e) => e.lane !== 'host')) {
		throw new InvalidArgumentError(
			'replayRecording(): the recording has device work but no issued operations to replay (a profiler-trace replay cannot be issued again)',
		);
	}

	const core = await Core.create();
	const raw = core.raw;
	raw.sim_set_op_gap(recording.opGapNs);
	const handles = recording.streams.map((s) =>
		raw.sim_stream_create(StreamKind.DEVICE, s.priority),
	);

	// Issue everything, in issue order; a slot's op index comes back in the reports.
	const opOf = new Map<number, number>();
	recording.ops.forEach((op, index) => {
		const slot = issue(core, handles, op);
		if (slot < 0)
			throw new InvalidArgumentError(`replayRecording(): the core refused op ${index} (${slot})`);
		opOf.set(slot, index);
	});

	// Run to where the recording ended, reading completions as the reports fill.
	const replay = new Recording(recording.device);
	replay.profile = recording.profile;
	replay.opGapNs = recording.opGapNs;
	replay.clockNs = recording.clockNs;
	for (const s of recording.streams) replay.addStream({ ...s });
	for (const op of recording.ops) replay.addOp(op);
	for (;;) {
		const stop = raw.sim_run(RunMode.UNTIL_TIME, recording.clockNs);
		const report = core.report();
		for (let at = 0; at < report.length; at += Rec.LANES) {
			const type = report[at];
			if (type !== Rec.OP_END && type !== Rec.OP_FAULT) continue;
			const index = opOf.get(report[at + 1] as number);
			if (index === undefined) continue;
			opOf.delete(report[at + 1] as number);
			const op = recording.ops[index] as IssuedOp;
			replay.add({
				kind: op.kind,
				name: op.name,
				lane: (recording.streams[op.stream] as { label: string }).label,
				engine: op.engine,
				start: report[at + 4] as number,
				end: report[at + 5] as number,
				bytes: op.bytes,
				op: index,
			});
		}
		if (stop !== Stop.REPORT_FULL) break;
	}

	// The host's own spans are inputs, not results: they come over as they were.
	for (const e of recording.events)
		if (e.op === undefined && e.lane === 'host') replay.add({ ...e });
	return replay;
}

function issue(core: Core, handles: number[], op: IssuedOp): number {
	const raw = core.raw;
	const handle = handles[op.stream] ?? -1;
	if (op.kind === 'stream_wait') {
		// A wait for nothing in the recording waits on its own stream's first zero ops: done.
		const on = op.waitFor === undefined ? handle : (handles[op.waitFor.stream] ?? -1);
		return raw.sim_enqueue_wait(handle, on, op.waitFor?.seq ?? 0, op.releaseNs);
	}
	const [kind, engine] = KIND[op.kind];
	const flags = op.fault === true ? OpFlag.FAULT : 0;
	return raw.sim_enqueue(handle, kind, engine, op.durationNs, op.units, op.releaseNs, flags);
}
