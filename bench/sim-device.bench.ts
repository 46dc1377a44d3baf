import { RunMode, Stop, StreamKind } from '../src/core/codes.ts';
import { Core } from '../src/core/core.ts';
import { type Program, type ProgramOp, runProgram } from '../src/device/sim/program.ts';
import { asyncCopyToHost, createDevice, Event, Stream } from '../src/index.ts';
import {
	type Case,
	compare,
	median,
	type Rates,
	type Row,
	rate,
	ratio,
	times,
	writeResult,
} from './lib/harness.ts';

/**
 * The simulated device: simulated operations per second on a pipeline of kernels, event
 * records, stream waits and device-to-host copies (the async-output step: compute, record,
 * the copy stream waits, copy into pinned memory), issued and then run to idle, at 10,000,
 * 100,000 and 1,000,000 operations. Three ways in:
 *
 * - public API: Stream.launchKernel, Event.record, Stream.waitEvent, asyncCopyToHost (which
 *   also records the event that completes its output: 5 simulated ops per step), then
 *   device.synchronize(), on one device per size;
 * - program: the same ops as a Program (src/device/sim/program.ts), loaded in two calls and
 *   run (runProgram: a pooled core, reset);
 * - core: the same ops already loaded into the core; only the run to idle is timed (the
 *   scheduler's own rate, reading the reports as the device does).
 *
 * The figure is flat when the rate at 1,000,000 is within 20% of the rate at 10,000.
 */

const SIZES = [10_000, 100_000, 1_000_000];
const KERNEL_NS = 1000;
const COPY_NS = 400;

/** One device per size, as an application has one: each call runs `ops` more on it. */
async function publicApiCase(ops: number): Promise<Case> {
	const device = await createDevice('sim');
	const compute = new Stream(device, { label: 'compute' });
	const copy = new Stream(device, { label: 'copy' });
	const src = device.alloc('float32', [4]);
	const ready = new Event(device);
	return {
		name: `public ${ops}`,
		items: ops,
		fn: async () => {
			const before = device.stats().opsCompleted;
			for (let step = 0; step < ops / 5; step++) {
				compute.launchKernel({ durationNs: KERNEL_NS });
				ready.record(compute);
				copy.waitEvent(ready);
				asyncCopyToHost(src, { stream: copy });
			}
			await device.synchronize();
			const done = device.stats().opsCompleted - before;
			if (done !== ops) throw new Error(`public API: ${done} ops completed, expected ${ops}`);
		},
	};
}

/** The same pipeline as a program: 4 ops per step (no output marker). */
function pipeline(ops: number): Program {
	const compute: ProgramOp[] = [];
	const side: ProgramOp[] = [];
	for (let step = 0; step < ops / 4; step++) {
		compute.push({ kind: 'kernel', name: 'step', durationNs: KERNEL_NS, releaseAt: 0 });
		compute.push({ kind: 'marker', name: 'ready', durationNs: 0, releaseAt: 0 });
		side.push({
			kind: 'wait',
			name: 'wait ready',
			durationNs: 0,
			waitStream: 0,
			waitSeq: 2 * step + 2,
			releaseAt: 0,
		});
		side.push({ kind: 'copy_d2h', name: 'copy', durationNs: COPY_NS, bytes: 16, releaseAt: 0 });
	}
	return {
		streams: [
			{ label: 'compute', ops: compute },
			{ label: 'copy', ops: side },
		],
		lanes: [],
	};
}

const programs = new Map(SIZES.map((n) => [n, pipeline(n)]));

async function program(ops: number): Promise<void> {
	const times = await runProgram(programs.get(ops) as Program);
	const expected = (ops / 4) * KERNEL_NS + COPY_NS;
	if (times.stuck !== 0 || times.endNs !== expected) {
		throw new Error(`program: end ${times.endNs} ns (expected ${expected}), ${times.stuck} stuck`);
	}
}

/**
 * The core case: the pipeline is loaded into a reset core before each call (not timed; one
 * instance per size, so that no instance is made or collected while the clock runs), and
 * each call runs it to idle, reading the reports as the device does.
 */
async function coreCase(ops: number): Promise<Case> {
	const core = await Core.create();
	const raw = core.raw;
	const load = () => {
		raw.sim_reset();
		const compute = raw.sim_stream_create(StreamKind.DEVICE, 0);
		const side = raw.sim_stream_create(StreamKind.DEVICE, 0);
		const event = raw.sim_event_create(0);
		for (let step = 0; step < ops / 4; step++) {
			raw.sim_enqueue(compute, 1, 1, KERNEL_NS, 1024, 0, 0);
			raw.sim_event_record(event, compute, 0);
			raw.sim_enqueue_wait(side, compute, 2 * step + 2, 0);
			raw.sim_enqueue(side, 3, 3, COPY_NS, 0, 0, 0);
		}
	};
	return {
		name: `core ${ops}`,
		items: ops,
		fn: () => {
			let records = 0;
			for (;;) {
				const stop = raw.sim_run(RunMode.UNTIL_IDLE, 0);
				records += core.report().length / 8;
				if (stop !== Stop.REPORT_FULL) break;
			}
			if (records !== ops) throw new Error(`core: ${records} records, expected ${ops}`);
		},
		setup: load,
		beforeEach: load,
	};
}

const paths: { label: string; cases: Case[] }[] = [
	{ label: 'public API', cases: await Promise.all(SIZES.map(publicApiCase)) },
	{
		label: 'program',
		cases: SIZES.map((n) => ({ name: `program ${n}`, items: n, fn: () => program(n) })),
	},
	{ label: 'core', cases: await Promise.all(SIZES.map(coreCase)) },
];

const rows: Row[] = [];
const details: Record<string, unknown> = { sizes: SIZES };
for (const path of paths) {
	const rates = await compare(path.cases, {
		rounds: 3,
		timeMs: 300,
		iterations: 1,
		warmupMs: 0,
	});
	const bySize = path.cases.map((c) => rates.get(c.name) as Rates);
	const small = bySize[0] as Rates;
	const large = bySize[bySize.length - 1] as Rates;
	const flat = ratio(large, small);
	const spread = Math.max(...bySize.map((r) => Math.abs(ratio(r, small) - 1)));
	const best = median(bySize.map((r) => r.median));
	rows.push({
		what: `simulated device (${path.label})`,
		figure: `${rate(large.median, 'ops')} at 1M`,
		value: large.median,
		unit: 'ops/s',
		anchor: `${rate(small.median, 'ops')} at 10k, ${rate((bySize[1] as Rates).median, 'ops')} at 100k`,
		anchorValue: small.median,
		ratio: `${times(flat)} (1M / 10k)`,
		ratioValue: flat,
		target: '>= 10 M ops/s, flat within 20%',
		met: best >= 1e7 && large.median >= 1e7 && spread <= 0.2,
	});
	details[path.label] = Object.fromEntries(bySize.map((r) => [r.name, r.perRound]));
}
writeResult('sim-device', rows, details);
