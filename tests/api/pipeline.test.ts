import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncBarrier, asyncBarrier } from '../../src/api/barrier.ts';
import { asyncCopyBatch, asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { EXACT, simDevice } from '../helpers.ts';

const PROFILE = { ...EXACT, d2hPinnedGBps: 1, h2dPinnedGBps: 1 };
const MS = 1_000_000;

const e2e = suite('pipeline of outputs through handler, barrier and double buffer');

e2e('every output arrives once, with its own step values, in order of completion', async () => {
	const device = await simDevice(PROFILE);
	const main = new Stream(device, { label: 'main' });
	const copy = new Stream(device, { label: 'copy' });
	// Three slots for two outputs pending: a slot comes round only after its result was taken.
	const buffer = new DoubleBuffer([1000], 'int32', { device, stream: copy, slots: 3 });
	const handler = new AsyncOutputHandler<Int32Array>({ device, maxPending: 2 });
	const barrier = new AsyncBarrier(6, { device });
	const received: number[] = [];

	for (let step = 0; step < 6; step++) {
		main.launchKernel({
			durationNs: 1 * MS,
			fill: { target: buffer.current, value: step * 1000, step: 1 },
		});
		const out = buffer.transfer({ after: main });
		barrier.add(out);
		while (!handler.submit(out)) {
			const done = await handler.waitOne();
			const values = await done.get();
			received.push(values[0] as number, values[999] as number);
		}
		await buffer.swap();
	}
	for await (const done of handler) {
		const values = await done.get();
		received.push(values[0] as number, values[999] as number);
	}
	await barrier.wait();
	assert.equal(
		received,
		[0, 999, 1000, 1999, 2000, 2999, 3000, 3999, 4000, 4999, 5000, 5999],
		'each step once, untorn, in order',
	);
	assert.is(barrier.arrived, 6);
	const stats = handler.stats();
	assert.is(stats.submitted, 6);
	assert.is(stats.completed, 6);
	assert.is(stats.numPending, 0);
	assert.is(stats.peakPending, 2);
	assert.ok(stats.rejected >= 1, 'backpressure happened');
	// 6 kernels of 1 ms back to back; the last copy (4 KB at 1 B/ns) adds 4 us.
	assert.is(device.now(), 6 * MS + 4000);
});

e2e('a double buffer keeps step i+2 from overwriting step i before its transfer ends', async () => {
	const device = await simDevice(PROFILE);
	const main = new Stream(device);
	const buffer = new DoubleBuffer([2 * MS], 'uint8', { device }); // 2 ms transfers
	const recording = device.record();
	const seen: number[][] = [];
	// The array get() returns is the slot's pinned memory: read it before the slot comes round.
	const take = async (out: AsyncOutput<Uint8Array>) => {
		const v = await out.get();
		seen.push([v[0] as number, v[v.length - 1] as number]);
	};
	let previous: AsyncOutput<Uint8Array> | undefined;
	for (let step = 0; step < 4; step++) {
		main.launchKernel({
			name: `k${step}`,
			durationNs: 0.5 * MS,
			fill: { target: buffer.current, value: step, step: 0 },
		});
		const out = buffer.transfer({ after: main });
		if (previous !== undefined) await take(previous);
		previous = out;
		await buffer.swap();
	}
	await take(previous as AsyncOutput<Uint8Array>);
	assert.equal(seen, [
		[0, 0],
		[1, 1],
		[2, 2],
		[3, 3],
	]);
	const copies = recording.events.filter((e) => e.kind === 'copy_d2h');
	const kernels = recording.events.filter((e) => e.kind === 'kernel');
	for (let i = 2; i < 4; i++) {
		const kernel = kernels[i] as { start: number };
		const transfer = copies[i - 2] as { end: number };
		assert.ok(kernel.start >= transfer.end, `kernel ${i} starts after transfer ${i - 2} ends`);
	}
	assert.equal(buffer.slotStates, ['computing', 'free'], 'four swaps: back at slot 0');
});

e2e('asyncBarrier waits for every output and rejects with the first failure', async () => {
	const device = await simDevice(PROFILE);
	const a = new AsyncOutput(device, { label: 'a' });
	const b = new AsyncOutput(device, { label: 'b' });
	a.markStarted();
	b.markStarted();
	const waiting = asyncBarrier([a, b]);
	a.markCompleted(1);
	b.markFailed(new Error('boom'));
	try {
		await waiting;
		assert.unreachable('should reject');
	} catch (error) {
		assert.is((error as { code: string }).code, 'ERR_OUTPUT_FAILED');
		assert.is(((error as Error).cause as Error).message, 'boom');
	}
});

e2e('asyncCopyBatch delivers several arrays behind one event', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const x = device.alloc('float32', [4]);
	const y = device.alloc('int32', [3]);
	stream.launchKernel({ durationNs: MS, fill: { target: x, value: 0.5, step: 1 } });
	stream.launchKernel({ durationNs: MS, fill: { target: y, value: -1, step: -1 } });
	const out = asyncCopyBatch([x, y], { stream });
	const [hx, hy] = await out.get();
	assert.equal([...(hx as Float32Array)], [0.5, 1.5, 2.5, 3.5]);
	assert.equal([...(hy as Int32Array)], [-1, -2, -3]);
	assert.is(device.now(), 2 * MS + 28);
});

e2e(
	'a pinned result is never handed out before its copy ends: get() waits for the kernel values',
	async () => {
		const device = await simDevice(PROFILE);
		const stream = new Stream(device);
		const src = device.alloc('float32', [256]);
		const pinned = device.allocHost('float32', [256]);
		stream.launchKernel({ durationNs: 10 * MS, fill: { target: src, value: 42, step: 0 } });
		const out = asyncCopyToHost(src, { stream, into: pinned });
		assert.throws(() => pinned.read(), /still in flight/);
		const values = await out.get();
		assert.is(values[0], 42);
		assert.is(values[255], 42);
		assert.is(pinned.read()[0], 42);
	},
);

e2e.run();
