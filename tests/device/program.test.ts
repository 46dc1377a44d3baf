import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
	type Program,
	type ProgramOp,
	type ProgramTimes,
	runProgram,
} from '../../src/device/sim/program.ts';

/**
 * Programs without host lanes are loaded into the core in windows of a few thousand ops per
 * stream; with lanes, whole. The timeline must not depend on it: each program here also runs
 * with an empty host lane added (which makes it load whole), and the two must agree exactly.
 */

const seed = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const programs = suite('programs loaded in windows');

/** The same program with an empty host lane: loaded whole. */
function whole(program: Program): Program {
	return { streams: program.streams, lanes: [{ label: 'idle', steps: [] }] };
}

function assertSame(a: ProgramTimes, b: ProgramTimes): void {
	assert.is(a.endNs, b.endNs, 'end');
	assert.is(a.stuck, b.stuck, 'stuck');
	for (const [s, t] of a.streams.entries()) {
		const u = b.streams[s] as { start: Float64Array; end: Float64Array };
		assert.equal(Array.from(t.start), Array.from(u.start), `starts of stream ${s}`);
		assert.equal(Array.from(t.end), Array.from(u.end), `ends of stream ${s}`);
	}
}

/**
 * A random program of `streams` streams and about `ops` ops each: kernels of several
 * occupancies, copies, markers, waits on other streams' ops (loaded or not yet), and runs of
 * zero-time ops longer than a window, so that windows end in every kind of place.
 */
function randomProgram(rand: () => number, streams: number, ops: number): Program {
	const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)] as T;
	const out: { label: string; ops: ProgramOp[] }[] = [];
	for (let s = 0; s < streams; s++) {
		const list: ProgramOp[] = [];
		while (list.length < ops) {
			const r = rand();
			if (r < 0.004) {
				// A run of zero-time ops: where a window ends inside one, the stream must not run
				// dry within the instant it drains (a window ends with an op that takes time).
				const run = pick([1500, 3000, 5000]);
				for (let i = 0; i < run; i++) list.push({ kind: 'marker', name: 'm', durationNs: 0 });
			} else if (r < 0.3) {
				const occupancy = pick([0.25, 0.5, 1]);
				list.push({ kind: 'kernel', name: 'k', durationNs: pick([0, 1, 5, 10]), occupancy });
			} else if (r < 0.45) {
				list.push({ kind: pick(['copy_d2h', 'copy_h2d'] as const), name: 'c', durationNs: 3 });
			} else if (r < 0.6) {
				list.push({ kind: 'marker', name: 'm', durationNs: 0 });
			} else if (r < 0.75 && streams > 1) {
				const on = (s + 1 + Math.floor(rand() * (streams - 1))) % streams;
				const seq = Math.floor(rand() * (list.length + 50));
				list.push({ kind: 'wait', name: 'w', durationNs: 0, waitStream: on, waitSeq: seq });
			} else {
				list.push({ kind: 'kernel', name: 'k', durationNs: 2, releaseAt: list.length });
			}
		}
		// Most ops are released at 0 (those above with releaseAt keep their own).
		for (const op of list) op.releaseAt ??= 0;
		out.push({ label: `s${s}`, ops: list });
	}
	return { streams: out, lanes: [] };
}

function mulberry(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

programs('the pipeline of the benchmark: every op at the same time either way', async () => {
	const compute: ProgramOp[] = [];
	const side: ProgramOp[] = [];
	for (let step = 0; step < 5000; step++) {
		compute.push({ kind: 'kernel', name: 'k', durationNs: 1000, releaseAt: 0 });
		compute.push({ kind: 'marker', name: 'ready', durationNs: 0, releaseAt: 0 });
		side.push({
			kind: 'wait',
			name: 'w',
			durationNs: 0,
			waitStream: 0,
			waitSeq: 2 * step + 2,
			releaseAt: 0,
		});
		side.push({ kind: 'copy_d2h', name: 'copy', durationNs: 400, releaseAt: 0 });
	}
	const program: Program = {
		streams: [
			{ label: 'compute', ops: compute },
			{ label: 'copy', ops: side },
		],
		lanes: [],
	};
	const windowed = await runProgram(program);
	assert.is(windowed.endNs, 5000 * 1000 + 400);
	assert.is(windowed.stuck, 0);
	assert.is((windowed.streams[1] as { end: Float64Array }).end[9999], 5000 * 1000 + 400);
	assertSame(windowed, await runProgram(whole(program)));
});

programs('a window never runs dry inside a run of zero-time ops', async () => {
	// Stream b's first window holds 3,000 copies and the first 1,096 of 5,000 markers. When its
	// last copy ends at 3,000 ns, all 5,000 markers complete at that instant, as they do when
	// loaded whole: the window was extended to end with an op that takes time. (Ending it with
	// the 1,096th marker, the rest came a nanosecond late, after stream a's next kernel.)
	const a: ProgramOp[] = [];
	for (let i = 0; i < 10_000; i++)
		a.push({ kind: 'kernel', name: 'k', durationNs: 1, releaseAt: 0 });
	const b: ProgramOp[] = [];
	for (let i = 0; i < 3000; i++)
		b.push({ kind: 'copy_d2h', name: 'c', durationNs: 1, releaseAt: 0 });
	for (let i = 0; i < 5000; i++) b.push({ kind: 'marker', name: 'm', durationNs: 0, releaseAt: 0 });
	b.push({ kind: 'copy_d2h', name: 'c', durationNs: 10, releaseAt: 0 });
	const program: Program = {
		streams: [
			{ label: 'a', ops: a },
			{ label: 'b', ops: b },
		],
		lanes: [],
	};
	const windowed = await runProgram(program);
	const markers = (windowed.streams[1] as { end: Float64Array }).end.subarray(3000, 8000);
	assert.ok(
		markers.every((t) => t === 3000),
		'every marker ends at 3,000 ns',
	);
	assertSame(windowed, await runProgram(whole(program)));
});

programs(
	'random programs give the timeline of a whole load, with and without an op gap',
	async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer(),
				fc.integer({ min: 1, max: 4 }),
				fc.constantFrom(0, 2),
				async (s, streams, opGapNs) => {
					const program = randomProgram(mulberry(s), streams, 6000);
					const windowed = await runProgram(program, { opGapNs });
					assertSame(windowed, await runProgram(whole(program), { opGapNs }));
				},
			),
			{ numRuns: 40, seed },
		);
	},
);

programs.run();
