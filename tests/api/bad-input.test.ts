import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncBarrier, asyncBarrier } from '../../src/api/barrier.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { Event } from '../../src/api/event.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { createDevice } from '../../src/device/create.ts';
import type { Device } from '../../src/device/device.ts';
import {
	AlreadyDeliveredError,
	BusyError,
	DestroyedError,
	ForeignObjectError,
	InvalidArgumentError,
	InvalidStateError,
	QueueFullError,
} from '../../src/errors.ts';
import { EXACT, rejectsCode, simDevice, throwsCode } from '../helpers.ts';

/**
 * Bad input: each case asserts the error class, its stable code and its message, and that
 * nothing changed (the device clock, the work queued, the state of the objects involved).
 */

type Check = () => unknown;

/** Everything observable about a device and a few objects, to compare before and after. */
function snapshot(device: Device, ...more: Check[]): string {
	const stats = device.stats();
	return JSON.stringify([
		device.now(),
		stats.hostBusyNs,
		stats.opsCompleted,
		...more.map((f) => f()),
	]);
}

/** Asserts that `fn` throws as expected and that `observe` reads the same before and after. */
function refuses(
	device: Device,
	fn: () => unknown,
	type: abstract new (...args: never[]) => Error,
	code: string,
	message: string | RegExp,
	...observe: Check[]
): void {
	const before = snapshot(device, ...observe);
	throwsCode(fn, type, code, message);
	assert.is(snapshot(device, ...observe), before, 'nothing changed');
}

const INVALID = 'ERR_INVALID_ARGUMENT';
const bad = suite('bad input');

bad('devices and profiles', async () => {
	await rejectsCode(
		createDevice('gpu' as 'sim'),
		InvalidArgumentError,
		INVALID,
		"Expected one of 'sim', 'cuda', 'auto' for kind, got 'gpu' (string)",
	);
	await rejectsCode(
		createDevice('sim', { profile: 'v100' }),
		InvalidArgumentError,
		INVALID,
		"Expected a profile id (h200, h100-sxm, h100-pcie, a100, rtx4090) for profile, got 'v100' (string)",
	);
	await rejectsCode(
		createDevice('sim', { profile: { d2hPinnedGBps: 0 } }),
		InvalidArgumentError,
		INVALID,
		'Expected a bandwidth > 0 for profile.d2hPinnedGBps, got 0 (number)',
	);
	await rejectsCode(
		createDevice('sim', { profile: { copyLatencyNs: -1 } }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number >= 0 for profile.copyLatencyNs, got -1 (number)',
	);
	await rejectsCode(
		createDevice('sim', { profile: { launchNs: Number.NaN } }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number >= 0 for profile.launchNs, got NaN (number)',
	);
});

bad('memory: dtypes and shapes', async () => {
	const device = await simDevice(EXACT);
	const dtypes = 'float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64';
	refuses(
		device,
		() => device.alloc('float16' as 'float32', [4]),
		InvalidArgumentError,
		INVALID,
		`Expected a dtype (${dtypes}) for dtype, got 'float16' (string)`,
	);
	const shape = 'Expected a shape (an array of non-negative integers) for shape';
	refuses(
		device,
		() => device.alloc('float32', [-1]),
		InvalidArgumentError,
		INVALID,
		`${shape}, got [-1] (array)`,
	);
	refuses(
		device,
		() => device.alloc('float32', [2, 1.5]),
		InvalidArgumentError,
		INVALID,
		`${shape}, got [2, 1.5] (array)`,
	);
	refuses(
		device,
		() => device.allocHost('int32', [Number.NaN]),
		InvalidArgumentError,
		INVALID,
		`${shape}, got [NaN] (array)`,
	);
	refuses(
		device,
		() => device.alloc('int32', 4 as unknown as number[]),
		InvalidArgumentError,
		INVALID,
		`${shape}, got 4 (number)`,
	);
	refuses(
		device,
		() => device.alloc('int32', [Number.POSITIVE_INFINITY]),
		InvalidArgumentError,
		INVALID,
		`${shape}, got [Infinity] (array)`,
	);
});

bad(
	'host work and kernels: negative, fractional, NaN or infinite sizes and durations',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		const idle = () => stream.query();
		refuses(
			device,
			() => device.hostWork(-5),
			InvalidArgumentError,
			INVALID,
			'Expected a finite number >= 0 for ns, got -5 (number)',
		);
		refuses(
			device,
			() => device.hostWork(Number.NaN),
			InvalidArgumentError,
			INVALID,
			/got NaN \(number\)/,
		);
		refuses(
			device,
			() => device.hostWork(Number.POSITIVE_INFINITY),
			InvalidArgumentError,
			INVALID,
			/got Infinity/,
		);
		refuses(
			device,
			() => stream.launchKernel({ durationNs: -1 }),
			InvalidArgumentError,
			INVALID,
			'Expected a finite number >= 0 for spec.durationNs, got -1 (number)',
			idle,
		);
		refuses(
			device,
			() => stream.launchKernel({ durationNs: Number.NaN }),
			InvalidArgumentError,
			INVALID,
			/spec\.durationNs, got NaN/,
			idle,
		);
		refuses(
			device,
			() => stream.launchKernel({ durationNs: 1, occupancy: 0 }),
			InvalidArgumentError,
			INVALID,
			'Expected a number in (0, 1] for spec.occupancy, got 0 (number)',
			idle,
		);
		refuses(
			device,
			() => stream.launchKernel({ durationNs: 1, occupancy: 1.5 }),
			InvalidArgumentError,
			INVALID,
			/spec\.occupancy, got 1\.5/,
			idle,
		);
		refuses(
			device,
			() => stream.launchKernel(null as unknown as { durationNs: number }),
			InvalidArgumentError,
			INVALID,
			'Expected an options object for spec, got null (null)',
			idle,
		);
		const x = device.alloc('float32', [4]);
		refuses(
			device,
			() => stream.launchKernel({ durationNs: 1, fill: { target: x, value: Number.NaN } }),
			InvalidArgumentError,
			INVALID,
			'Expected a finite number for spec.fill.value, got NaN (number)',
			idle,
		);
		refuses(
			device,
			() =>
				stream.launchKernel({
					durationNs: 1,
					fill: { target: new Float32Array(4) as never, value: 1 },
				}),
			InvalidArgumentError,
			INVALID,
			'Expected a DeviceArray for spec.fill.target, got Float32Array (object)',
			idle,
		);
		refuses(
			device,
			() => stream.launchHostFunc('f' as never),
			InvalidArgumentError,
			INVALID,
			"Expected a function for fn, got 'f' (string)",
			idle,
		);
		refuses(
			device,
			() => stream.memset(x, 256),
			InvalidArgumentError,
			INVALID,
			'Expected an integer in [0, 255] for byte, got 256 (number)',
			idle,
		);
	},
);

bad('streams and events: options and objects of another device', async () => {
	const device = await simDevice(EXACT);
	const other = await simDevice(EXACT);
	const stream = new Stream(device);
	const foreign = new Stream(other);
	const event = new Event(device);
	refuses(
		device,
		() => new Stream(device, { priority: 0.5 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [-1000, 1000] for options.priority, got 0.5 (number)',
	);
	refuses(
		device,
		() => new Stream(device, 'fast' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'fast' (string)",
	);
	refuses(
		device,
		() => new Event(device, { timing: 'yes' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a boolean for options.timing, got 'yes' (string)",
	);
	refuses(
		device,
		() => event.record(foreign),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'Event.record(): the stream belongs to another device than the event',
		() => event.query(),
	);
	refuses(
		device,
		() => stream.waitEvent(new Event(other)),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'Stream.waitEvent(): the object belongs to another device than the stream',
	);
	refuses(
		device,
		() => stream.waitEvent('e' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an Event for event, got 'e' (string)",
	);
	refuses(
		device,
		() => event.elapsedTime(new Event(other, { timing: true })),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'Event.elapsedTime(): the events belong to different devices',
	);
	refuses(
		device,
		() => stream.waitStream(foreign),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		/another device/,
	);
});

bad('wait options: negative, NaN or infinite timeouts, and a signal that is not one', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.launchKernel({ durationNs: 1000 });
	const timeout = 'Expected a finite number >= 0 for options.timeout';
	assert.throws(
		() => stream.synchronize({ timeout: -1 }),
		(e: Error) => e.message === `${timeout}, got -1 (number)`,
	);
	for (const [value, shown] of [
		[-1, '-1'],
		[Number.NaN, 'NaN'],
		[Number.POSITIVE_INFINITY, 'Infinity'],
	] as const) {
		refuses(
			device,
			() => stream.synchronize({ timeout: value }),
			InvalidArgumentError,
			INVALID,
			`${timeout}, got ${shown} (number)`,
			() => stream.query(),
		);
	}
	refuses(
		device,
		() => stream.synchronize({ signal: {} as AbortSignal }),
		InvalidArgumentError,
		INVALID,
		'Expected an AbortSignal for options.signal, got Object (object)',
	);
});

bad('handlers, barriers and double buffers: counts and capacities', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({ device, maxPending: 0 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for options.maxPending, got 0 (number)',
	);
	refuses(
		device,
		() => new AsyncOutputHandler({ device, maxPending: 2.5 }),
		InvalidArgumentError,
		INVALID,
		/got 2\.5 \(number\)/,
	);
	refuses(
		device,
		() => new AsyncOutputHandler({} as never),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got undefined (undefined)',
	);
	refuses(
		device,
		() => new AsyncBarrier(0, { device }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for count, got 0 (number)',
	);
	refuses(
		device,
		() => new AsyncBarrier(-2, { device }),
		InvalidArgumentError,
		INVALID,
		/for count, got -2/,
	);
	refuses(
		device,
		() => new DoubleBuffer([4], 'float32', { device, slots: 1 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [2, 64] for options.slots, got 1 (number)',
	);
	refuses(
		device,
		() => new DoubleBuffer([-4], 'float32', { device }),
		InvalidArgumentError,
		INVALID,
		/shape, got \[-4\]/,
	);
	refuses(
		device,
		() => new DoubleBuffer([4], 'complex64' as 'float32', { device }),
		InvalidArgumentError,
		INVALID,
		/for dtype, got 'complex64'/,
	);
	await rejectsCode(
		asyncBarrier([]),
		InvalidArgumentError,
		INVALID,
		'Expected at least one output for outputs, got [] (array)',
	);
});

bad('copies: a destination too small, the wrong types, objects of another device', async () => {
	const device = await simDevice(EXACT);
	const other = await simDevice(EXACT);
	const stream = new Stream(device);
	const x = device.alloc('float32', [4]); // 16 bytes
	const idle = () => stream.query();
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into: device.allocHost('float32', [2]) }),
		InvalidArgumentError,
		INVALID,
		'Expected a destination of at least 16 bytes for options.into, got 8 bytes',
		idle,
	);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into: new Float32Array(3) }),
		InvalidArgumentError,
		INVALID,
		/at least 16 bytes for options\.into, got 12 bytes/,
		idle,
	);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into: [1, 2] as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a PinnedArray or a typed array for options.into, got [1, 2] (array)',
		idle,
	);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream: new Stream(other) }),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'asyncCopyToHost(): the stream belongs to another device than src',
		idle,
	);
	refuses(
		device,
		() => asyncCopyToHost(x, { into: other.allocHost('float32', [4]) }),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'asyncCopyToHost(): options.into belongs to another device',
		idle,
	);
	refuses(
		device,
		() => asyncCopyToHost('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a DeviceArray for src, got 'x' (string)",
	);
	refuses(
		device,
		() => stream.copyToDevice(x, new Float32Array(8)),
		InvalidArgumentError,
		INVALID,
		'Expected a source of 16 bytes for src (the size of dst), got 32 bytes',
		idle,
	);
});

bad('use after destroy and free', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.destroy();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1 }),
		DestroyedError,
		'ERR_DESTROYED',
		'Stream.launchKernel(): the stream was destroyed',
	);
	const event = new Event(device);
	event.destroy();
	refuses(
		device,
		() => event.record(),
		DestroyedError,
		'ERR_DESTROYED',
		'Event.record(): the event was destroyed',
	);
	const handler = new AsyncOutputHandler({ device });
	handler.destroy();
	refuses(
		device,
		() => handler.submit(new AsyncOutput(device)),
		DestroyedError,
		'ERR_DESTROYED',
		'AsyncOutputHandler.submit(): the handler was destroyed',
	);
	const barrier = new AsyncBarrier(1, { device });
	barrier.destroy();
	refuses(
		device,
		() => barrier.add(new AsyncOutput(device)),
		DestroyedError,
		'ERR_DESTROYED',
		'AsyncBarrier.add(): the barrier was destroyed',
	);
	const buffer = new DoubleBuffer([4], 'int8', { device });
	buffer.destroy();
	await rejectsCode(
		buffer.swap(),
		DestroyedError,
		'ERR_DESTROYED',
		'DoubleBuffer.swap(): the double buffer was destroyed',
	);
	const x = device.alloc('float32', [4]);
	x.free();
	const live = new Stream(device);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream: live }),
		DestroyedError,
		'ERR_DESTROYED',
		'asyncCopyToHost(): the device array was freed',
		() => live.query(),
	);

	const gone = await simDevice(EXACT);
	gone.destroy();
	throwsCode(
		() => new Stream(gone),
		DestroyedError,
		'ERR_DESTROYED',
		'Stream: the device was destroyed',
	);
	throwsCode(
		() => gone.alloc('int8', [1]),
		DestroyedError,
		'ERR_DESTROYED',
		'alloc: the device was destroyed',
	);
});

bad('outputs: completing or failing twice, get() twice, reuse after delivery', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput<number>(device, { label: 'o' });
	out.markStarted();
	out.markCompleted(1);
	const state = () => out.state;
	refuses(
		device,
		() => out.markCompleted(2),
		InvalidStateError,
		'ERR_INVALID_STATE',
		"AsyncOutput.markCompleted(): illegal state transition: 'o' is completed, cannot become completed",
		state,
	);
	refuses(
		device,
		() => out.markFailed(new Error('late')),
		InvalidStateError,
		'ERR_INVALID_STATE',
		/'o' is completed, cannot become failed/,
		state,
	);
	const failed = new AsyncOutput(device, { label: 'f' });
	failed.markStarted();
	failed.markFailed(new Error('first'));
	refuses(
		device,
		() => failed.markFailed(new Error('second')),
		InvalidStateError,
		'ERR_INVALID_STATE',
		/'f' is failed, cannot become failed/,
		() => (failed.error as Error).message,
	);
	assert.is(await out.get(), 1);
	await rejectsCode(
		out.get(),
		AlreadyDeliveredError,
		'ERR_ALREADY_DELIVERED',
		"AsyncOutput.get(): 'o' was already delivered; get() delivers once",
	);
	const handler = new AsyncOutputHandler({ device });
	refuses(
		device,
		() => handler.submit(out),
		InvalidStateError,
		'ERR_INVALID_STATE',
		"AsyncOutputHandler.submit(): 'o' was already delivered and cannot be submitted",
		() => handler.numPending,
	);
	refuses(
		device,
		() => out.markStarted(),
		InvalidStateError,
		'ERR_INVALID_STATE',
		/'o' is completed, cannot become in_progress/,
	);
});

bad(
	'handlers and barriers: objects of another handler or device, duplicates, overflow',
	async () => {
		const device = await simDevice(EXACT);
		const other = await simDevice(EXACT);
		const first = new AsyncOutputHandler({ device });
		const second = new AsyncOutputHandler({ device });
		const out = new AsyncOutput(device, { label: 'shared' });
		first.submit(out);
		const pending = () => [first.numPending, second.numPending];
		refuses(
			device,
			() => second.submit(out),
			ForeignObjectError,
			'ERR_FOREIGN_OBJECT',
			"AsyncOutputHandler.submit(): the output already belongs to a handler: 'shared'",
			pending,
		);
		refuses(
			device,
			() => first.submit(new AsyncOutput(other)),
			ForeignObjectError,
			'ERR_FOREIGN_OBJECT',
			'AsyncOutputHandler.submit(): the output belongs to another device',
			pending,
		);
		refuses(
			device,
			() => first.submit({} as AsyncOutput),
			InvalidArgumentError,
			INVALID,
			'Expected an AsyncOutput for output, got Object (object)',
			pending,
		);
		const barrier = new AsyncBarrier(1, { device });
		barrier.add(out);
		const added = () => barrier.added;
		refuses(
			device,
			() => barrier.add(out),
			QueueFullError,
			'ERR_QUEUE_FULL',
			"AsyncBarrier.add(): full: 'shared' (the barrier holds 1 of 1)",
			added,
		);
		const two = new AsyncBarrier(2, { device });
		two.add(out);
		refuses(
			device,
			() => two.add(out),
			InvalidStateError,
			'ERR_INVALID_STATE',
			"AsyncBarrier.add(): the output was already added: 'shared' (the barrier holds 1 of 2)",
			() => two.added,
		);
		await rejectsCode(
			second.waitOne(),
			InvalidStateError,
			'ERR_INVALID_STATE',
			'AsyncOutputHandler.waitOne(): no output is pending or finished',
		);
	},
);

bad('busy buffers: a pinned write under a copy, a second transfer, a reset in flight', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	const dst = device.alloc('int32', [4]);
	const src = device.allocHost('int32', [4]);
	src.write([1, 2, 3, 4]);
	stream.launchKernel({ durationNs: 1000 });
	stream.copyToDevice(dst, src);
	refuses(
		device,
		() => src.write([9, 9, 9, 9]),
		BusyError,
		'ERR_BUSY',
		'PinnedArray.write(): a copy into or out of this array is still in flight',
		() => [...src.data],
	);
	const buffer = new DoubleBuffer([4], 'int32', { device, stream });
	buffer.transfer();
	refuses(
		device,
		() => buffer.transfer(),
		InvalidStateError,
		'ERR_INVALID_STATE',
		'DoubleBuffer.transfer(): illegal state transition: slot 0 is already transferring',
		() => buffer.slotStates,
	);
	await buffer.swap();
	refuses(
		device,
		() => buffer.reset(),
		BusyError,
		'ERR_BUSY',
		'DoubleBuffer.reset(): still in use by a transfer in flight: a transfer is in flight',
		() => buffer.currentSlot,
	);
});

bad.run();
