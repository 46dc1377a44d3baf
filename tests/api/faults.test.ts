import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncBarrier } from '../../src/api/barrier.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { Event } from '../../src/api/event.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { DeviceFaultError, InvalidStateError, NotReadyError } from '../../src/errors.ts';
import { EXACT, simDevice, throwsCode } from '../helpers.ts';

const MS = 1_000_000;
const faults = suite('sticky faults');

/** The error a promise rejects with (handled at once, so nothing is left unhandled). */
function failure(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.unreachable('expected a rejection'),
		(error) => error,
	);
}

/** Asserts that a promise rejects with exactly `error` (the same object). */
async function rejectsWith(promise: Promise<unknown>, error: unknown): Promise<void> {
	try {
		await promise;
	} catch (caught) {
		assert.is(caught, error);
		return;
	}
	assert.unreachable('expected a rejection');
}

faults(
	'a faulting kernel makes every later call and every pending wait fail with the same error',
	async () => {
		const device = await simDevice(EXACT);
		const a = new Stream(device, { label: 'a' });
		const b = new Stream(device, { label: 'b' });
		const other = new Event(device);
		other.record(b);
		const handler = new AsyncOutputHandler({ device, maxPending: 4 });
		const barrier = new AsyncBarrier(2, { device });
		const x = device.alloc('float32', [16]);

		a.launchKernel({ name: 'bad', durationNs: 2 * MS, fault: true });
		const pending = asyncCopyToHost(x, { stream: a });
		const manual = new AsyncOutput(device, { label: 'manual' });
		manual.markStarted();
		handler.submit(pending);
		handler.submit(manual);
		barrier.add(pending);
		barrier.add(manual);
		const waits = [
			handler.waitAll(),
			barrier.wait(),
			pending.get(),
			manual.wait(),
			a.synchronize(),
		].map(failure);

		const first = await failure(device.synchronize());
		const fatal = device.fatal as DeviceFaultError;
		assert.is(first, fatal);
		assert.instance(fatal, DeviceFaultError);
		assert.is(fatal.code, 'ERR_DEVICE_FAULT');
		assert.is(fatal.cudaError, 'CUDA_ERROR_ILLEGAL_ADDRESS');
		assert.match(fatal.message, /^kernel 'bad' on a hit an illegal address at 2000000 ns/);
		for (const wait of waits) assert.is(await wait, fatal);

		// Every later operation, on any stream, fails with the same error.
		assert.throws(
			() => other.query(),
			(e: unknown) => e === fatal,
		);
		assert.throws(
			() => b.launchKernel({ durationNs: 1 }),
			(e: unknown) => e === fatal,
		);
		assert.throws(
			() => new AsyncOutput(device),
			(e: unknown) => e === fatal,
		);
		await rejectsWith(handler.waitAll(), fatal);
		// Every output that had not finished failed with it.
		assert.is(pending.state, 'failed');
		assert.is(manual.state, 'failed');
		assert.is(pending.error, fatal);
		assert.throws(
			() => handler.poll(),
			(e: unknown) => e === fatal,
		);
	},
);

faults('an injected copy fault is sticky too, and results taken before it stay valid', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	const x = device.alloc('int32', [4]);
	stream.launchKernel({ durationNs: MS, fill: { target: x, value: 5, step: 0 } });
	const before = asyncCopyToHost(x, { stream });
	device.injectFault({ on: 'copy', skip: 1 });
	const second = asyncCopyToHost(x, { stream }); // skipped
	const third = asyncCopyToHost(x, { stream }); // faults
	assert.equal([...(await before.get())], [5, 5, 5, 5]);
	assert.equal([...(await second.get())], [5, 5, 5, 5]);
	const error = await failure(third.get());
	assert.instance(device.fatal, DeviceFaultError);
	assert.is(error, device.fatal);
	assert.match((device.fatal as Error).message, /copy D2H pinned on .* hit an illegal address/);
});

faults('NotReady from elapsedTime is not sticky and changes nothing', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	const start = new Event(device, { timing: true });
	const end = new Event(device, { timing: true });
	start.record(stream);
	stream.launchKernel({ durationNs: 10 * MS });
	end.record(stream);
	throwsCode(() => start.elapsedTime(end), NotReadyError, 'ERR_NOT_READY');
	assert.is(device.fatal, undefined);
	stream.launchKernel({ durationNs: MS });
	await end.synchronize();
	assert.is(start.elapsedTime(end), 10);
});

faults(
	'a host function that calls the device fails with a clear error instead of deadlocking',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		let inner: unknown;
		stream.launchHostFunc(() => {
			try {
				stream.launchKernel({ durationNs: 1 });
			} catch (error) {
				inner = error;
				throw error;
			}
		});
		await stream.synchronize().catch(() => {});
		assert.instance(inner, InvalidStateError);
		assert.is(
			(inner as Error).message,
			'Stream.launchKernel(): a host function must not call the device (CUDA forbids it: it would deadlock)',
		);
		const fatal = device.fatal as DeviceFaultError;
		assert.instance(fatal, DeviceFaultError);
		assert.is(fatal.cause, inner);
		assert.match(fatal.message, /a host function threw/);
	},
);

faults('after a host function throws, the clock stops: later work never completes', async () => {
	const device = await simDevice(EXACT);
	const a = new Stream(device);
	const b = new Stream(device);
	const x = device.alloc('int32', [4]);
	b.launchKernel({ durationNs: 5000, occupancy: 0.5, fill: { target: x, value: 3 } });
	const late = asyncCopyToHost(x, { stream: b, label: 'late' });
	a.launchHostFunc(() => {
		throw new Error('boom');
	});
	await a.synchronize().catch(() => {});
	const fatal = device.fatal as DeviceFaultError;
	assert.instance(fatal, DeviceFaultError);
	assert.is(device.core.raw.sim_faulted(), 1, 'the core knows');
	const now = device.core.raw.sim_now();
	assert.is(late.state, 'failed', 'the copy behind the kernel failed with the fault');
	assert.is(await late.get().catch((e) => e), fatal);
	assert.is(device.core.raw.sim_now(), now, 'nothing ran after the fault');
});

faults('a host function that throws after a kernel fails the work queued behind it', async () => {
	// The clock stops at the host function's start until the host has run it: nothing behind it
	// completes first (before the fix the run went on, and the copy below delivered).
	const device = await simDevice();
	const stream = new Stream(device);
	const a = device.alloc('float32', [4]);
	stream.launchKernel({ durationNs: MS, fill: { target: a, value: 1 } });
	stream.launchHostFunc(() => {
		throw new RangeError('user bug');
	});
	stream.launchKernel({ durationNs: MS, fill: { target: a, value: 2 } });
	const after = asyncCopyToHost(a, { stream });
	const error = await after.get().catch((e) => e);
	assert.instance(error, DeviceFaultError);
	assert.is(error, device.fatal);
	assert.instance((error as DeviceFaultError).cause, RangeError);
	assert.is(after.state, 'failed');
});

faults.run();
