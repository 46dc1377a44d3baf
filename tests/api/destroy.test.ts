import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncBarrier } from '../../src/api/barrier.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { DestroyedError, InvalidStateError } from '../../src/errors.ts';
import { EXACT, rejectsCode, simDevice, throwsCode } from '../helpers.ts';

/** destroy() while somebody waits: the wait rejects with DestroyedError, never hangs. */

const destroy = suite('destroy() with a wait pending');

/** An output that will not finish by itself. */
async function pending() {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'never' });
	out.markStarted();
	return { device, out };
}

destroy('a barrier: wait() rejects with DestroyedError', async () => {
	const { device, out } = await pending();
	const barrier = new AsyncBarrier(1, { device });
	barrier.add(out);
	const wait = barrier.wait({ timeout: 100 });
	barrier.destroy();
	await rejectsCode(
		wait,
		DestroyedError,
		'ERR_DESTROYED',
		'AsyncBarrier.wait(): the barrier was destroyed',
	);
	assert.is(device.now(), 0, 'at once, not at the timeout');
});

destroy('a double buffer: swap() rejects with DestroyedError', async () => {
	const device = await simDevice({ ...EXACT, d2hPinnedGBps: 1 });
	const stream = new Stream(device);
	stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
	const buffer = new DoubleBuffer([16], 'int32', { device, stream });
	buffer.transfer();
	await buffer.swap();
	const swap = buffer.swap({ timeout: 100 });
	buffer.destroy();
	await rejectsCode(
		swap,
		DestroyedError,
		'ERR_DESTROYED',
		'DoubleBuffer.swap(): the double buffer was destroyed',
	);
	assert.is(device.now(), 0);
});

destroy('a handler: waitOne() and waitAll() reject with DestroyedError', async () => {
	const { device, out } = await pending();
	const handler = new AsyncOutputHandler({ device });
	handler.submit(out);
	const one = handler.waitOne({ timeout: 100 });
	const all = handler.waitAll({ timeout: 100 });
	handler.destroy();
	await rejectsCode(
		one,
		DestroyedError,
		'ERR_DESTROYED',
		'AsyncOutputHandler.waitOne(): the handler was destroyed',
	);
	await rejectsCode(
		all,
		DestroyedError,
		'ERR_DESTROYED',
		'AsyncOutputHandler.poll(): the handler was destroyed',
	);
	assert.is(out.state, 'in_progress', 'its outputs live on');
});

destroy('the default stream cannot be destroyed', async () => {
	const device = await simDevice(EXACT);
	const stream = Stream.default(device);
	throwsCode(
		() => stream.destroy(),
		InvalidStateError,
		'ERR_INVALID_STATE',
		'Stream.destroy(): the default stream cannot be destroyed',
	);
	stream.launchKernel({ durationNs: 10 });
	await stream.synchronize();
	assert.is(device.now(), 10);
});

destroy.run();
