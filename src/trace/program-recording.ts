import { type Program, type ProgramTimes, timelineKind } from '../device/sim/program.js';
import { Recording } from './recording.js';

/** The timeline of a program run, as a recording (for Chrome traces of replays). */
export function programRecording(device: string, program: Program, times: ProgramTimes): Recording {
	const recording = new Recording(device);
	const engine: Record<string, string | undefined> = {
		kernel: 'compute',
		memset: 'compute',
		copy_d2d: 'compute',
		copy_h2d: 'copy H2D',
		copy_d2h: 'copy D2H',
	};
	const rows: { at: number; add: () => void }[] = [];
	program.streams.forEach((stream, s) => {
		const t = times.streams[s] as { start: Float64Array; end: Float64Array };
		stream.ops.forEach((op, i) => {
			const start = t.start[i] as number;
			if (start < 0 || op.kind === 'wait' || op.kind === 'marker') return;
			rows.push({
				at: start,
				add: () =>
					recording.add({
						kind: timelineKind(op.kind),
						name: op.name,
						lane: stream.label,
						engine: engine[op.kind],
						start,
						end: t.end[i] as number,
						bytes: op.bytes,
					}),
			});
		});
	});
	program.lanes.forEach((lane, l) => {
		const ends = times.stepEnds[l] as Float64Array;
		let previous = 0;
		lane.steps.forEach((step, i) => {
			const end = ends[i] as number;
			if (step.kind !== 'launch' && end > previous) {
				// Host work (the time between and inside calls) and waits, as the host spent it.
				const start = previous;
				const kind = step.kind === 'wait' ? 'host_wait' : 'host_work';
				const name = step.name ?? (step.kind === 'wait' ? 'wait' : 'host work');
				rows.push({
					at: start,
					add: () => recording.add({ kind, name, lane: lane.label, start, end }),
				});
			}
			if (end >= 0) previous = end;
		});
	});
	rows.sort((a, b) => a.at - b.at);
	for (const row of rows) row.add();
	return recording;
}
