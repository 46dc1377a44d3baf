import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncBarrier } from '../../src/api/barrier.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { Event } from '../../src/api/event.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { TimeoutError } from '../../src/errors.ts';
import { EXACT, rejectsCode, simDevice } from '../helpers.ts';

const MS = 1_000_000;

/** A device, a stream stuck behind a kernel that never ends, and a copy waiting behind it. */
async function stuck() {
	const device = await simDevice({ ...EXACT, d2hPinnedGBps: 1 });
	const stream = new Stream(device, { label: 'stuck' });
	const x = device.alloc('uint8', [1000]);
	stream.launchKernel({ name: 'forever', durationNs: Number.POSITIVE_INFINITY });
	const out = asyncCopyToHost(x, { stream, label: 'logits' });
	return { device, stream, x, out };
}

const timeouts = suite('timeouts on every wait');

timeouts(
	'a kernel that never finishes: waitOne and get time out at 50 ms naming the copy',
	async () => {
		const { device, out } = await stuck();
		const handler = new AsyncOutputHandler({ device, maxPending: 2 });
		handler.submit(out);
		await rejectsCode(
			handler.waitOne({ timeout: 50 }),
			TimeoutError,
			'ERR_TIMEOUT',
			"Timed out after 50 ms waiting for one of 1 pending outputs (0 of 1 arrived; still pending: 'logits' (in_progress, waiting for the copy of 1000 B to the host on stream 'stuck'))",
		);
		assert.is(device.now(), 50 * MS);
		await rejectsCode(
			out.get({ timeout: 50 }),
			TimeoutError,
			'ERR_TIMEOUT',
			"Timed out after 50 ms waiting for output 'logits' (in_progress, waiting for the copy of 1000 B to the host on stream 'stuck')",
		);
		assert.is(device.now(), 100 * MS);
		assert.is(out.state, 'in_progress', 'the output has not finished, nor failed');
		assert.is(handler.numPending, 1, 'the handler still holds it');
		const other = new AsyncOutput(device, { label: 'other' });
		other.markStarted();
		assert.is(handler.submit(other), true, 'and takes more');
		other.markCompleted('x');
		assert.is((await handler.waitOne()).label, 'other');
	},
);

timeouts(
	'every wait rejects with a TimeoutError naming what it waited for and the live state',
	async () => {
		const { device, stream, out } = await stuck();
		const event = new Event(device);
		event.record(stream);
		const handler = new AsyncOutputHandler({ device });
		handler.submit(out);
		const barrier = new AsyncBarrier(2, { device });
		barrier.add(out);
		const buffer = new DoubleBuffer([8], 'uint8', { device, stream });
		buffer.transfer();

		const cases: [Promise<unknown>, RegExp][] = [
			[out.wait({ timeout: 1 }), /waiting for output 'logits' \(in_progress/],
			[stream.synchronize({ timeout: 1 }), /waiting for stream 'stuck' to finish its work/],
			[
				event.synchronize({ timeout: 1 }),
				/waiting for an event recorded on stream 'stuck' to complete/,
			],
			[
				device.synchronize({ timeout: 1 }),
				/device synchronize: 1 of \d+ streams still have work \(stuck\)/,
			],
			[handler.waitAll({ timeout: 1 }), /all of 1 pending outputs \(0 of 1 arrived/],
			[barrier.wait({ timeout: 1 }), /barrier: 0 of 2 outputs arrived \(1 added\)/],
			[
				buffer.swap({ timeout: 1 }).then(() => buffer.swap({ timeout: 1 })),
				/double buffer slot 0 to finish its transfer/,
			],
		];
		for (const [promise, message] of cases) {
			await rejectsCode(promise, TimeoutError, 'ERR_TIMEOUT', message);
		}
		assert.is(out.state, 'in_progress');
		assert.is(handler.numPending, 1);
		assert.is(barrier.added, 1);
	},
);

timeouts('a timeout of 0 rejects at once; a satisfied wait ignores its timeout', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.launchKernel({ durationNs: MS });
	await rejectsCode(stream.synchronize({ timeout: 0 }), TimeoutError, 'ERR_TIMEOUT');
	assert.is(device.now(), 0);
	await stream.synchronize({ timeout: 5 });
	assert.is(device.now(), MS);
});

timeouts.run();

const aborts = suite('cancellation with an AbortSignal');

aborts('every wait rejects with the signal reason; nothing is lost', async () => {
	const { device, stream, out } = await stuck();
	const handler = new AsyncOutputHandler({ device });
	handler.submit(out);
	const barrier = new AsyncBarrier(1, { device });
	barrier.add(out);
	const event = new Event(device);
	event.record(stream);
	const reason = new Error('user gave up');

	const controller = new AbortController();
	const signal = controller.signal;
	const waits = [
		out.wait({ signal }),
		out.get({ signal }),
		stream.synchronize({ signal }),
		event.synchronize({ signal }),
		device.synchronize({ signal }),
		handler.waitOne({ signal }),
		handler.waitAll({ signal }),
		barrier.wait({ signal }),
	].map((p) =>
		p.then(
			() => 'resolved',
			(e) => e,
		),
	);
	await new Promise((resolve) => setTimeout(resolve, 1));
	controller.abort(reason);
	for (const result of await Promise.all(waits)) assert.is(result, reason);

	// An already aborted signal rejects at once.
	const before = device.now();
	const early = await out.get({ signal }).catch((e) => e);
	assert.is(early, reason);
	assert.is(device.now(), before);
	assert.is(out.state, 'in_progress');
	assert.is(handler.numPending, 1);
});

aborts('after an abort the output is still delivered once when it completes', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput<number>(device, { label: 'late' });
	out.markStarted();
	const controller = new AbortController();
	const first = out.get({ signal: controller.signal }).catch((e) => e);
	controller.abort('stop');
	assert.is(await first, 'stop');
	out.markCompleted(7);
	assert.is(await out.get(), 7);
});

aborts.run();
