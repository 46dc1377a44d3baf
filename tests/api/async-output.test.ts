import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import {
	AlreadyDeliveredError,
	CancelledError,
	ForeignObjectError,
	InvalidArgumentError,
	InvalidStateError,
	OutputFailedError,
} from '../../src/errors.ts';
import { EXACT, rejectsCode, simDevice, throwsCode } from '../helpers.ts';

const output = suite('AsyncOutput');

output('moves by hand through its states and delivers its value once', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput<string>(device, { label: 'answer' });
	assert.is(out.state, 'pending');
	assert.is(out.isReady, false);
	out.markStarted();
	device.hostWork(2_500_000);
	out.markCompleted('42');
	assert.is(out.state, 'completed');
	assert.is(out.elapsedMs, 2.5);
	assert.is(await out.get(), '42');
	await rejectsCode(
		out.get(),
		AlreadyDeliveredError,
		'ERR_ALREADY_DELIVERED',
		"AsyncOutput.get(): 'answer' was already delivered; get() delivers once",
	);
});

output('rejects illegal transitions with the state unchanged', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'o' });
	throwsCode(
		() => out.markCompleted(1),
		InvalidStateError,
		'ERR_INVALID_STATE',
		"AsyncOutput.markCompleted(): illegal state transition: 'o' is pending, cannot become completed",
	);
	assert.is(out.state, 'pending');
	out.markStarted();
	out.markCompleted(1);
	throwsCode(
		() => out.markCompleted(2),
		InvalidStateError,
		'ERR_INVALID_STATE',
		/is completed, cannot become completed/,
	);
	throwsCode(() => out.markFailed(new Error('x')), InvalidStateError, 'ERR_INVALID_STATE');
	throwsCode(() => out.cancel(), InvalidStateError, 'ERR_INVALID_STATE');
	assert.is(await out.get(), 1, 'the first value stands');
});

output('get() rejects with the failure as cause, or as cancelled', async () => {
	const device = await simDevice(EXACT);
	const failed = new AsyncOutput(device, { label: 'f' });
	failed.markStarted();
	const reason = new Error('kernel exploded');
	failed.markFailed(reason);
	const error = await rejectsCode(
		failed.get(),
		OutputFailedError,
		'ERR_OUTPUT_FAILED',
		"AsyncOutput.get(): 'f' failed",
	);
	assert.is(error.cause, reason);
	assert.is(failed.error, reason);

	const cancelled = new AsyncOutput(device, { label: 'c' });
	cancelled.cancel();
	await rejectsCode(
		cancelled.get(),
		CancelledError,
		'ERR_CANCELLED',
		"AsyncOutput.get(): 'c' was cancelled",
	);
});

output('wait() resolves with the final state when another task completes the output', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device);
	out.markStarted();
	const waiting = out.wait();
	queueMicrotask(() => out.markCompleted('done'));
	assert.is(await waiting, 'completed');
});

output('an output bound to a copy cannot be finished by hand; it can be given up', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device, { label: 'main' });
	const x = device.alloc('float32', [4]);
	stream.launchKernel({ durationNs: 10_000_000, fill: { target: x, value: 1 } });
	const out = asyncCopyToHost(x, { stream, label: 'logits' });
	const message = (call: string) =>
		`AsyncOutput.${call}(): 'logits' completes by itself when the copy of 16 B to the host on stream 'main' does; only outputs made with new AsyncOutput() are finished by hand (cancel() gives this one up)`;
	throwsCode(
		() => out.markCompleted(new Float32Array([42])),
		InvalidStateError,
		'ERR_INVALID_STATE',
		message('markCompleted'),
	);
	throwsCode(
		() => out.markFailed(new Error('no')),
		InvalidStateError,
		'ERR_INVALID_STATE',
		message('markFailed'),
	);
	assert.is(out.state, 'in_progress');
	assert.equal([...(await out.get())], [1, 1, 1, 1], 'the copy delivers, after its event');
	assert.is(device.now() >= 10_000_000, true);

	const dropped = asyncCopyToHost(x, { stream });
	dropped.cancel();
	await rejectsCode(dropped.get(), CancelledError, 'ERR_CANCELLED');
});

output.run();

const handler = suite('AsyncOutputHandler API');

handler('refuses a foreign output and bad options with typed errors', async () => {
	const a = await simDevice(EXACT);
	const b = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device: a, maxPending: 1 });
	throwsCode(
		() => handler.submit(new AsyncOutput(b)),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		/another device/,
	);
	throwsCode(
		() => new AsyncOutputHandler({ device: a, maxPending: 0 }),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		'Expected an integer in [1, 1048576] for options.maxPending, got 0 (number)',
	);
	throwsCode(
		() => handler.submit({} as AsyncOutput),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		/an AsyncOutput for output/,
	);
});

handler(
	'maxPending 1 with two producers: the second gets through after waitOne, each once, in order',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		const handler = new AsyncOutputHandler<number>({ device, maxPending: 1 });
		const order: string[] = [];
		const produce = async (name: string, ms: number) => {
			const out = new AsyncOutput<number>(device, { label: name });
			out.markStarted();
			stream.launchHostFunc(() => {});
			while (!handler.submit(out)) {
				order.push(`${name} refused`);
				const done = await handler.waitOne();
				order.push(`${done.label} taken`);
			}
			order.push(`${name} submitted`);
			device.hostWork(ms * 1e6);
			out.markCompleted(ms);
		};
		await Promise.all([produce('first', 1), produce('second', 2)]);
		const rest = await handler.waitAll();
		assert.equal(
			rest.map((o) => o.label),
			['second'],
		);
		assert.equal(order, ['first submitted', 'second refused', 'first taken', 'second submitted']);
		assert.is(handler.stats().completed, 2);
	},
);

handler.run();
