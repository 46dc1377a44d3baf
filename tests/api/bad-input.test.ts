import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncBarrier, asyncBarrier } from '../../src/api/barrier.ts';
import { asyncCopyBatch, asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { Event } from '../../src/api/event.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { createDevice } from '../../src/device/create.ts';
import type { Device } from '../../src/device/device.ts';
import {
	AlreadyDeliveredError,
	BusyError,
	CancelledError,
	DestroyedError,
	ForeignObjectError,
	InvalidArgumentError,
	InvalidStateError,
	NotReadyError,
	NotRecordedError,
	OutOfMemoryError,
	OutputFailedError,
	QueueFullError,
	TimingDisabledError,
} from '../../src/errors.ts';
import { runDecodeLoop } from '../../src/pipeline/decode-loop.ts';
import { toChromeTrace } from '../../src/trace/chrome.ts';
import { toHtmlTimeline } from '../../src/trace/html.ts';
import { parseKineto } from '../../src/trace/kineto.ts';
import { Recording } from '../../src/trace/recording.ts';
import { recordingsToJson } from '../../src/trace/recording-file.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { EXACT, rejectsCode, simDevice, throwsCode } from '../helpers.ts';

/**
 * Bad input: each case asserts the error class, its stable code and its message, and that
 * nothing changed (the device clock, the work queued, the state of the objects involved).
 */

type Check = () => unknown;
type ErrorClass = abstract new (...args: never[]) => Error;

/** Everything observable about a device and a few objects, to compare before and after. */
function snapshot(device: Device, ...more: Check[]): string {
	// The observers first: one that refreshes the device cannot change what is read after it.
	const observed = more.map((f) => f());
	const stats = device.stats();
	return JSON.stringify([device.now(), stats.hostBusyNs, stats.opsCompleted, ...observed]);
}

/** Asserts that `fn` throws as expected and that `observe` reads the same before and after. */
function refuses(
	device: Device,
	fn: () => unknown,
	type: ErrorClass,
	code: string,
	message: string | RegExp,
	...observe: Check[]
): void {
	const before = snapshot(device, ...observe);
	throwsCode(fn, type, code, message);
	assert.is(snapshot(device, ...observe), before, 'nothing changed');
}

/** As `refuses`, for a call that returns a promise: the promise rejects and nothing changed. */
async function refusesAsync(
	device: Device,
	fn: () => Promise<unknown>,
	type: ErrorClass,
	code: string,
	message: string | RegExp,
	...observe: Check[]
): Promise<void> {
	const before = snapshot(device, ...observe);
	await rejectsCode(fn(), type, code, message);
	assert.is(snapshot(device, ...observe), before, 'nothing changed');
}

/** A device with exact times and a stream on it; `idle` observes whether the stream has work. */
async function withStream() {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	return { device, stream, idle: () => stream.query() };
}

/** As `withStream`, with a second device whose objects are foreign to the first. */
async function withOther() {
	return { ...(await withStream()), other: await simDevice(EXACT) };
}

/**
 * A device on the default profile, whose calls cost host time (EXACT's cost nothing and would
 * hide a charge), and a stream on it. `queued` and `live` read the core directly, since
 * `stream.query()` would itself charge a call: the work queued and the live output rows.
 */
async function withCosts() {
	const device = await simDevice();
	const stream = new Stream(device);
	const raw = device.core.raw;
	return { device, stream, queued: () => raw.sim_queued_ops(), live: () => raw.output_live() };
}

/** As `withCosts`, with a second stream on the device that was destroyed. */
async function withDestroyedStream() {
	const made = await withCosts();
	const destroyed = new Stream(made.device, { label: 'gone' });
	destroyed.destroy();
	return { ...made, destroyed };
}

/** An output marked by hand up to completed, with the value 1. */
function completed(device: Device, label: string): AsyncOutput<number> {
	const out = new AsyncOutput<number>(device, { label });
	out.markStarted();
	out.markCompleted(1);
	return out;
}

/** An output whose result was already taken by get(). */
async function delivered(device: Device, label: string): Promise<AsyncOutput<number>> {
	const out = completed(device, label);
	assert.is(await out.get(), 1);
	return out;
}

/** A pinned array holding the result of 'first', a finished copy whose output was not taken. */
async function heldPinned() {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int32', [4]);
	const into = device.allocHost('int32', [4]);
	const first = asyncCopyToHost(x, { stream, into, label: 'first' });
	assert.is(await first.wait(), 'completed');
	return { device, stream, idle, x, into, first };
}

/** A pinned array that a copy to the host (behind a 1 us kernel) is still writing. */
async function copyInFlight() {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	const into = device.allocHost('int8', [4]);
	stream.launchKernel({ durationNs: 1000 });
	const output = asyncCopyToHost(x, { stream, into, label: 'in flight' });
	return { device, stream, idle, x, into, output };
}

/** One of each object, made before the device is destroyed under them. */
async function afterDeviceDestroy() {
	const device = await simDevice(EXACT);
	const made = {
		device,
		stream: new Stream(device),
		event: new Event(device, { timing: true }),
		end: new Event(device, { timing: true }),
		handler: new AsyncOutputHandler({ device }),
		barrier: new AsyncBarrier(1, { device }),
		output: new AsyncOutput(device, { label: 'o' }),
		array: device.alloc('int8', [4]),
		buffer: new DoubleBuffer([4], 'int8', { device }),
	};
	device.destroy();
	return made;
}

/** An int32[4] pinned array holding 9, 8, 7, 6: not zeros, so that a partial write shows. */
async function pinnedInt32() {
	const device = await simDevice(EXACT);
	const pinned = device.allocHost('int32', [4]);
	pinned.write([9, 8, 7, 6]);
	return { device, pinned, contents: () => [...pinned.read()] };
}

/** An int64[2] pinned array holding 9n, 8n; `contents` as strings (JSON has no bigints). */
async function pinnedInt64() {
	const device = await simDevice(EXACT);
	const pinned = device.allocHost('int64', [2]);
	pinned.write([9n, 8n]);
	return { device, pinned, contents: () => [...pinned.read()].map(String) };
}

const INVALID = 'ERR_INVALID_ARGUMENT';
const STATE = 'ERR_INVALID_STATE';
const FOREIGN = 'ERR_FOREIGN_OBJECT';
const DESTROYED = 'ERR_DESTROYED';
const BUSY = 'ERR_BUSY';
const DTYPES = 'float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64';
const SHAPE = 'Expected a shape (an array of non-negative integers) for shape';
const DURATION = 'Expected a duration of 0 to 2^52 ns';
const TIMEOUT = 'Expected a timeout of 0 to 2147483647 ms for options.timeout';
const HELD =
	"the array still holds the result of 'first', which was not taken yet; " +
	'get() or cancel() that output first';
const IN_BUFFER = '(the simulated device keeps it in an ArrayBuffer)';
const CLOCK_END = 'the virtual clock reached its end (2^53 ns, some 104 days): create a new device';

/** The start of the message for values a pinned array cannot take. */
function badValues(kind: 'numbers' | 'bigints', room: number): string {
	return `Expected ${kind} (an array or typed array of at most ${room}) for values`;
}

/** The message of a move that an output's life (pending, in_progress, then final) forbids. */
function illegal(method: string, label: string, from: string, to: string): string {
	const move = `'${label}' is ${from}, cannot become ${to}`;
	return `AsyncOutput.${method}(): illegal state transition: ${move}`;
}

const bad = suite('bad input');

// Devices and profiles -----------------------------------------------------------------------

bad("createDevice('gpu'): an unknown device kind is refused", async () => {
	await rejectsCode(
		createDevice('gpu' as 'sim'),
		InvalidArgumentError,
		INVALID,
		"Expected one of 'sim', 'cuda', 'auto' for kind, got 'gpu' (string)",
	);
});

bad("createDevice('sim', 'x'): options that are not an object are refused", async () => {
	await rejectsCode(
		createDevice('sim', 'x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'x' (string)",
	);
});

bad("profile 'v100': an unknown profile id is refused", async () => {
	await rejectsCode(
		createDevice('sim', { profile: 'v100' }),
		InvalidArgumentError,
		INVALID,
		"Expected a profile id (h200, h100-sxm, h100-pcie, a100, rtx4090) for profile, got 'v100' (string)",
	);
});

bad('profile 5: a profile that is neither an id nor an object is refused', async () => {
	await rejectsCode(
		createDevice('sim', { profile: 5 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected an options object for profile, got 5 (number)',
	);
});

bad('profile { d2hPinnedGBps: 0 }: a bandwidth of 0 is refused', async () => {
	await rejectsCode(
		createDevice('sim', { profile: { d2hPinnedGBps: 0 } }),
		InvalidArgumentError,
		INVALID,
		'Expected a bandwidth > 0 for profile.d2hPinnedGBps, got 0 (number)',
	);
});

bad('profile { copyLatencyNs: -1 }: a negative latency is refused', async () => {
	await rejectsCode(
		createDevice('sim', { profile: { copyLatencyNs: -1 } }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number >= 0 for profile.copyLatencyNs, got -1 (number)',
	);
});

bad('profile { launchNs: NaN }: a NaN call time is refused', async () => {
	await rejectsCode(
		createDevice('sim', { profile: { launchNs: Number.NaN } }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number >= 0 for profile.launchNs, got NaN (number)',
	);
});

bad('profile { launchNs: Infinity }: an infinite call time is refused', async () => {
	await rejectsCode(
		createDevice('sim', { profile: { launchNs: Number.POSITIVE_INFINITY } }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number >= 0 for profile.launchNs, got Infinity (number)',
	);
});

bad("profile { launchNs: '5' }: a call time that is a string is refused", async () => {
	await rejectsCode(
		createDevice('sim', { profile: { launchNs: '5' as never } }),
		InvalidArgumentError,
		INVALID,
		"Expected a finite number >= 0 for profile.launchNs, got '5' (string)",
	);
});

// Objects that need a device, given something else ----------------------------------------------

bad("new AsyncOutput('x'): a device that is not a Device is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutput('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a Device for device, got 'x' (string)",
		() => device.core.raw.output_live(),
	);
});

bad("new Event('x'): a device that is not a Device is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Event('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a Device for device, got 'x' (string)",
	);
});

bad("new Stream('x'): a device that is not a Device is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Stream('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a Device for device, got 'x' (string)",
	);
});

bad('new AsyncOutputHandler({ device: {} }): a device that is no Device is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({ device: {} as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got Object (object)',
	);
});

bad('new AsyncBarrier(1, { device: {} }): a device that is not a Device is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncBarrier(1, { device: {} as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got Object (object)',
	);
});

bad('new DoubleBuffer({ device: {} }): a device that is not a Device is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([4], 'int32', { device: {} as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got Object (object)',
	);
});

// Memory: dtypes and shapes ------------------------------------------------------------------

bad("alloc('float16'): an unknown dtype is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('float16' as 'float32', [4]),
		InvalidArgumentError,
		INVALID,
		`Expected a dtype (${DTYPES}) for dtype, got 'float16' (string)`,
	);
});

bad("allocHost('float16'): an unknown dtype is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.allocHost('float16' as 'float32', [4]),
		InvalidArgumentError,
		INVALID,
		`Expected a dtype (${DTYPES}) for dtype, got 'float16' (string)`,
	);
});

bad('alloc(shape [-1]): a negative dim is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('float32', [-1]),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got [-1] (array)`,
	);
});

bad('alloc(shape [2, 1.5]): a fractional dim is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('float32', [2, 1.5]),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got [2, 1.5] (array)`,
	);
});

bad('allocHost(shape [NaN]): a NaN dim is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.allocHost('int32', [Number.NaN]),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got [NaN] (array)`,
	);
});

bad('alloc(shape 4): a shape that is not an array is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('int32', 4 as unknown as number[]),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got 4 (number)`,
	);
});

bad("alloc(shape 'abc'): a string shape is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('int32', 'abc' as unknown as number[]),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got 'abc' (string)`,
	);
});

bad('alloc(shape [Infinity]): an infinite dim is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('int32', [Number.POSITIVE_INFINITY]),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got [Infinity] (array)`,
	);
});

bad('alloc(shape [2^27, 2^27]): more than 2^53 elements are refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('int32', [2 ** 27, 2 ** 27]),
		InvalidArgumentError,
		INVALID,
		'Expected a shape of at most 2^53 elements for shape, got [134217728, 134217728] (array)',
	);
});

bad('alloc(shape [2^25, 2^25]): more device memory than can be had is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.alloc('int32', [2 ** 25, 2 ** 25]),
		OutOfMemoryError,
		'ERR_OUT_OF_MEMORY',
		`alloc(): cannot allocate 4503599627370496 bytes of device memory ${IN_BUFFER}`,
	);
});

bad("allocHost('float64', [2^40]): more pinned memory than can be had is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.allocHost('float64', [2 ** 40]),
		OutOfMemoryError,
		'ERR_OUT_OF_MEMORY',
		`allocHost(): cannot allocate 8796093022208 bytes of pinned host memory ${IN_BUFFER}`,
	);
});

// Host work: durations ---------------------------------------------------------------------

bad('hostWork(-5): a negative duration is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.hostWork(-5),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for ns, got -5 (number)`,
	);
});

bad('hostWork(NaN): a NaN duration is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.hostWork(Number.NaN),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for ns, got NaN (number)`,
	);
});

bad('hostWork(Infinity): an infinite duration is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.hostWork(Number.POSITIVE_INFINITY),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for ns, got Infinity (number)`,
	);
});

bad('hostWork(2^60): a duration above 2^52 ns is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.hostWork(2 ** 60),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for ns, got 1152921504606847000 (number)`,
	);
});

bad("hostWork('5'): a duration that is a string is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.hostWork('5' as never),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for ns, got '5' (string)`,
	);
});

bad('hostWork(1) at 2^53 ns: moving the virtual clock past 2^53 ns is refused', async () => {
	const device = await simDevice(EXACT);
	device.hostWork(2 ** 52);
	device.hostWork(2 ** 52);
	assert.is(device.now(), 2 ** 53);
	refuses(
		device,
		() => device.hostWork(1),
		InvalidArgumentError,
		INVALID,
		'hostWork(): the virtual clock would pass 2^53 ns (it is at 9007199254740992 ns)',
	);
});

bad('launchKernel() at 2^53 ns: a kernel that would end past virtual time is refused', async () => {
	const { device, stream, queued } = await withCosts();
	device.hostWork(2 ** 52);
	device.hostWork(2 ** 52);
	assert.is(device.now(), 2 ** 53);
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1 }),
		InvalidStateError,
		STATE,
		'launchKernel(): the kernel would end past the end of virtual time (2^53 ns, some 104 days): create a new device',
		queued,
	);
});

bad('event.record() at 2^53 ns: a call once the virtual clock has ended is refused', async () => {
	const { device, stream, queued } = await withCosts();
	const event = new Event(device);
	device.hostWork(2 ** 52);
	device.hostWork(2 ** 52);
	refuses(device, () => event.record(stream), InvalidStateError, STATE, CLOCK_END, queued);
});

// Kernels, host functions and memsets ------------------------------------------------------

bad('launchKernel({ durationNs: -1 }): a negative duration is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: -1 }),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for spec.durationNs, got -1 (number)`,
		idle,
	);
});

bad('launchKernel({ durationNs: NaN }): a NaN duration is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: Number.NaN }),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for spec.durationNs, got NaN (number)`,
		idle,
	);
});

bad('launchKernel({ durationNs: -Infinity }): a duration of -Infinity is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: Number.NEGATIVE_INFINITY }),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for spec.durationNs, got -Infinity (number)`,
		idle,
	);
});

bad('launchKernel({ durationNs: 2^60 }): a duration above 2^52 ns is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 2 ** 60 }),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for spec.durationNs, got 1152921504606847000 (number)`,
		idle,
	);
});

bad('launchKernel({}): a missing duration is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({} as never),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for spec.durationNs, got undefined (undefined)`,
		idle,
	);
});

bad("launchKernel({ durationNs: '5' }): a duration that is a string is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: '5' as never }),
		InvalidArgumentError,
		INVALID,
		`${DURATION} for spec.durationNs, got '5' (string)`,
		idle,
	);
});

bad('launchKernel({ occupancy: 0 }): an occupancy of 0 is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, occupancy: 0 }),
		InvalidArgumentError,
		INVALID,
		'Expected a number in (0, 1] for spec.occupancy, got 0 (number)',
		idle,
	);
});

bad('launchKernel({ occupancy: 1.5 }): an occupancy above 1 is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, occupancy: 1.5 }),
		InvalidArgumentError,
		INVALID,
		'Expected a number in (0, 1] for spec.occupancy, got 1.5 (number)',
		idle,
	);
});

bad('launchKernel({ occupancy: NaN }): a NaN occupancy is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, occupancy: Number.NaN }),
		InvalidArgumentError,
		INVALID,
		'Expected a number in (0, 1] for spec.occupancy, got NaN (number)',
		idle,
	);
});

bad("launchKernel({ fault: 'yes' }): a fault flag that is not a boolean is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, fault: 'yes' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a boolean for spec.fault, got 'yes' (string)",
		idle,
	);
});

bad('launchKernel(null): a spec that is not an object is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel(null as unknown as { durationNs: number }),
		InvalidArgumentError,
		INVALID,
		'Expected an options object for spec, got null (null)',
		idle,
	);
});

bad("launchKernel({ fill: 'x' }): a fill that is not an object is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, fill: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for spec.fill, got 'x' (string)",
		idle,
	);
});

bad('launchKernel({ fill: { value: NaN } }): a NaN fill value is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]);
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, fill: { target: x, value: Number.NaN } }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number for spec.fill.value, got NaN (number)',
		idle,
	);
});

bad('launchKernel({ fill: { step: NaN } }): a NaN fill step is refused', async () => {
	const { device, stream, idle } = await withStream();
	const fill = { target: device.alloc('float32', [4]), value: 1, step: Number.NaN };
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, fill }),
		InvalidArgumentError,
		INVALID,
		'Expected a finite number for spec.fill.step, got NaN (number)',
		idle,
	);
});

bad('launchKernel({ fill }): a host array as the fill target is refused', async () => {
	const { device, stream, idle } = await withStream();
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
});

bad('launchKernel({ fill: { target } }): a target of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	const fill = { target: other.alloc('int8', [4]), value: 1 };
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, fill }),
		ForeignObjectError,
		FOREIGN,
		'Stream.launchKernel(): the object belongs to another device than the stream',
		idle,
	);
});

bad('launchKernel({ fill: { target } }): a freed target is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	x.free();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, fill: { target: x, value: 1 } }),
		DestroyedError,
		DESTROYED,
		'Stream.launchKernel(): the device array was freed',
		idle,
	);
});

bad("launchHostFunc('f'): a host function that is not a function is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchHostFunc('f' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a function for fn, got 'f' (string)",
		idle,
	);
});

bad('memset(x, 256): a byte above 255 is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]);
	refuses(
		device,
		() => stream.memset(x, 256),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [0, 255] for byte, got 256 (number)',
		idle,
	);
});

bad('memset(x, -1): a negative byte is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => stream.memset(x, -1),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [0, 255] for byte, got -1 (number)',
		idle,
	);
});

bad('memset(x, 1.5): a fractional byte is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => stream.memset(x, 1.5),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [0, 255] for byte, got 1.5 (number)',
		idle,
	);
});

bad("memset('x', 0): a target that is not a DeviceArray is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.memset('x' as never, 0),
		InvalidArgumentError,
		INVALID,
		"Expected a DeviceArray for target, got 'x' (string)",
		idle,
	);
});

bad('memset(x, 0): a target of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => stream.memset(other.alloc('int8', [4]), 0),
		ForeignObjectError,
		FOREIGN,
		'Stream.memset(): the object belongs to another device than the stream',
		idle,
	);
});

bad('launchKernel({ name: 5 }): a name that is not a string is refused', async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1, name: 5 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a string for spec.name, got 5 (number)',
		idle,
	);
});

bad('memset(x, 1): a freed target is refused, charging no host time', async () => {
	const { device, stream, queued } = await withCosts();
	const x = device.alloc('int8', [4]);
	x.free();
	refuses(
		device,
		() => stream.memset(x, 1),
		DestroyedError,
		DESTROYED,
		'Stream.memset(): the device array was freed',
		queued,
	);
});

// Fault injection ----------------------------------------------------------------------------

bad("injectFault({ on: 'gpu' }): an unknown kind of operation is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.injectFault({ on: 'gpu' as 'kernel' }),
		InvalidArgumentError,
		INVALID,
		"Expected one of 'kernel', 'copy' for options.on, got 'gpu' (string)",
	);
});

bad('injectFault({}): a missing kind of operation is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.injectFault({} as never),
		InvalidArgumentError,
		INVALID,
		"Expected one of 'kernel', 'copy' for options.on, got undefined (undefined)",
	);
});

bad('injectFault(null): options that are not an object are refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.injectFault(null as never),
		InvalidArgumentError,
		INVALID,
		'Expected an options object for options, got null (null)',
	);
});

bad('injectFault({ skip: -1 }): a negative skip count is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.injectFault({ on: 'kernel', skip: -1 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer >= 0 for options.skip, got -1 (number)',
	);
});

bad('injectFault({ skip: 1.5 }): a fractional skip count is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => device.injectFault({ on: 'copy', skip: 1.5 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer >= 0 for options.skip, got 1.5 (number)',
	);
});

// Streams and events: options and objects of another device ----------------------------------

bad('new Stream({ priority: 0.5 }): a fractional priority is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Stream(device, { priority: 0.5 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [-1000, 1000] for options.priority, got 0.5 (number)',
	);
});

bad('new Stream({ priority: 1001 }): a priority out of range is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Stream(device, { priority: 1001 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [-1000, 1000] for options.priority, got 1001 (number)',
	);
});

bad("new Stream(device, 'fast'): options that are not an object are refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Stream(device, 'fast' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'fast' (string)",
	);
});

bad("new Event({ timing: 'yes' }): a timing flag that is not a boolean is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Event(device, { timing: 'yes' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a boolean for options.timing, got 'yes' (string)",
	);
});

bad('new Event({ blocking: 1 }): a blocking flag that is not a boolean is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Event(device, { blocking: 1 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a boolean for options.blocking, got 1 (number)',
	);
});

bad('event.record(stream): recording on a stream of another device is refused', async () => {
	const { device, other } = await withOther();
	const event = new Event(device);
	refuses(
		device,
		() => event.record(new Stream(other)),
		ForeignObjectError,
		FOREIGN,
		'Event.record(): the stream belongs to another device than the event',
		() => event.query(),
	);
});

bad("event.record('x'): a stream that is not a Stream is refused", async () => {
	const device = await simDevice(EXACT);
	const event = new Event(device);
	refuses(
		device,
		() => event.record('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for stream, got 'x' (string)",
		() => event.query(),
	);
});

bad('stream.recordEvent(event): an event of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => stream.recordEvent(new Event(other)),
		ForeignObjectError,
		FOREIGN,
		'Event.record(): the stream belongs to another device than the event',
		idle,
	);
});

bad('stream.recordEvent(event): a destroyed event is refused', async () => {
	const { device, stream, idle } = await withStream();
	const event = new Event(device);
	event.destroy();
	refuses(
		device,
		() => stream.recordEvent(event),
		DestroyedError,
		DESTROYED,
		'Event.record(): the event was destroyed',
		idle,
	);
});

bad('stream.waitEvent(event): an event of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => stream.waitEvent(new Event(other)),
		ForeignObjectError,
		FOREIGN,
		'Stream.waitEvent(): the object belongs to another device than the stream',
		idle,
	);
});

bad("stream.waitEvent('e'): an event that is not an Event is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.waitEvent('e' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an Event for event, got 'e' (string)",
		idle,
	);
});

bad('stream.waitStream(other): a stream of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => stream.waitStream(new Stream(other)),
		ForeignObjectError,
		FOREIGN,
		'Stream.waitStream(): the object belongs to another device than the stream',
		idle,
	);
});

bad("stream.waitStream('x'): a stream that is not a Stream is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.waitStream('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for other, got 'x' (string)",
		idle,
	);
});

bad('new Stream({ label: 5 }): a label that is not a string is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new Stream(device, { label: 5 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a string for options.label, got 5 (number)',
	);
});

bad("stream.recordEvent('x'): an event that is not an Event is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.recordEvent('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an Event for event, got 'x' (string)",
		idle,
	);
});

bad('stream.waitEvent(event): a destroyed event is refused, charging no host time', async () => {
	const { device, stream, queued } = await withCosts();
	const event = new Event(device);
	event.destroy();
	refuses(
		device,
		() => stream.waitEvent(event),
		DestroyedError,
		DESTROYED,
		'Stream.waitEvent(): the event was destroyed',
		queued,
	);
});

bad('event.record(stream): a destroyed stream is refused, charging no host time', async () => {
	const { device, destroyed, queued } = await withDestroyedStream();
	const event = new Event(device);
	refuses(
		device,
		() => event.record(destroyed),
		DestroyedError,
		DESTROYED,
		'Event.record(): the stream was destroyed',
		queued,
	);
});

bad('stream.waitStream(other): a destroyed stream is refused, charging no host time', async () => {
	const { device, stream, destroyed, queued } = await withDestroyedStream();
	refuses(
		device,
		() => stream.waitStream(destroyed),
		DestroyedError,
		DESTROYED,
		'Stream.waitStream(): the stream was destroyed',
		queued,
	);
});

// Event.elapsedTime ----------------------------------------------------------------------------

bad('elapsedTime(end): an end event of another device is refused', async () => {
	const { device, other } = await withOther();
	const event = new Event(device, { timing: true });
	refuses(
		device,
		() => event.elapsedTime(new Event(other, { timing: true })),
		ForeignObjectError,
		FOREIGN,
		'Event.elapsedTime(): the events belong to different devices',
	);
});

bad("elapsedTime('x'): an end that is not an Event is refused", async () => {
	const device = await simDevice(EXACT);
	const event = new Event(device, { timing: true });
	refuses(
		device,
		() => event.elapsedTime('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an Event for end, got 'x' (string)",
	);
});

bad('elapsedTime(end): a destroyed end event is refused', async () => {
	const device = await simDevice(EXACT);
	const start = new Event(device, { timing: true });
	const end = new Event(device, { timing: true });
	end.destroy();
	refuses(
		device,
		() => start.elapsedTime(end),
		DestroyedError,
		DESTROYED,
		'Event.elapsedTime(): the event was destroyed',
	);
});

bad('elapsedTime(end): events made without { timing: true } are refused', async () => {
	const { device, stream, idle } = await withStream();
	const start = stream.recordEvent(new Event(device));
	const end = stream.recordEvent(new Event(device));
	assert.ok(stream.query());
	refuses(
		device,
		() => start.elapsedTime(end),
		TimingDisabledError,
		'ERR_TIMING_DISABLED',
		'Event.elapsedTime(): both events must be created with { timing: true }',
		idle,
	);
});

bad('elapsedTime(end): events never recorded are refused', async () => {
	const device = await simDevice(EXACT);
	const start = new Event(device, { timing: true });
	refuses(
		device,
		() => start.elapsedTime(new Event(device, { timing: true })),
		NotRecordedError,
		'ERR_NOT_RECORDED',
		'Event.elapsedTime(): both events must be recorded first',
	);
});

bad('elapsedTime(end): an end event whose work has not completed is refused', async () => {
	const { device, stream, idle } = await withStream();
	const start = stream.recordEvent(new Event(device, { timing: true }));
	stream.launchKernel({ durationNs: 1000 });
	const end = stream.recordEvent(new Event(device, { timing: true }));
	assert.not.ok(stream.query());
	refuses(
		device,
		() => start.elapsedTime(end),
		NotReadyError,
		'ERR_NOT_READY',
		'Event.elapsedTime(): both events must have completed; synchronize the end event first',
		idle,
		() => end.query(),
	);
});

// Wait options: negative, NaN, infinite or too long timeouts, and a signal that is not one ------

bad('stream.synchronize({ timeout: -1 }): a negative timeout is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => stream.synchronize({ timeout: -1 }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got -1 (number)`,
		idle,
	);
});

bad('stream.synchronize({ timeout: NaN }): a NaN timeout is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => stream.synchronize({ timeout: Number.NaN }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got NaN (number)`,
		idle,
	);
});

bad('stream.synchronize({ timeout: Infinity }): an infinite timeout is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => stream.synchronize({ timeout: Number.POSITIVE_INFINITY }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got Infinity (number)`,
		idle,
	);
});

bad("synchronize({ timeout: 2^31 }): a timeout above setTimeout's limit is refused", async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => stream.synchronize({ timeout: 2 ** 31 }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got 2147483648 (number)`,
		idle,
	);
});

bad('stream.synchronize({ signal: {} }): a signal that is not one is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => stream.synchronize({ signal: {} as AbortSignal }),
		InvalidArgumentError,
		INVALID,
		'Expected an AbortSignal for options.signal, got Object (object)',
		idle,
	);
});

bad('event.synchronize({ timeout: -1 }): a negative timeout is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	const event = stream.recordEvent();
	await refusesAsync(
		device,
		() => event.synchronize({ timeout: -1 }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got -1 (number)`,
		idle,
	);
});

bad('device.synchronize({ timeout: -1 }): a negative timeout is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => device.synchronize({ timeout: -1 }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got -1 (number)`,
		idle,
	);
});

bad('device.synchronize({ signal: 1 }): a signal that is not one is refused', async () => {
	const { device, stream, idle } = await withStream();
	stream.launchKernel({ durationNs: 1000 });
	await refusesAsync(
		device,
		() => device.synchronize({ signal: 1 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected an AbortSignal for options.signal, got 1 (number)',
		idle,
	);
});

bad('output.wait({ timeout: NaN }): a NaN timeout is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'w' });
	await refusesAsync(
		device,
		() => out.wait({ timeout: Number.NaN }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got NaN (number)`,
		() => out.state,
	);
});

bad("output.get('x'): wait options that are not an object are refused", async () => {
	const device = await simDevice(EXACT);
	const out = completed(device, 'g');
	await refusesAsync(
		device,
		() => out.get('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'x' (string)",
		() => out.state,
	);
	assert.is(await out.get(), 1, 'the result is still there to take');
});

bad('handler.waitOne({ timeout: -1 }): a negative timeout is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	handler.submit(new AsyncOutput(device));
	await refusesAsync(
		device,
		() => handler.waitOne({ timeout: -1 }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got -1 (number)`,
		() => handler.numPending,
	);
});

bad("handler.waitAll({ signal: 'x' }): a signal that is not one is refused", async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	handler.submit(new AsyncOutput(device));
	await refusesAsync(
		device,
		() => handler.waitAll({ signal: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected an AbortSignal for options.signal, got 'x' (string)",
		() => handler.numPending,
	);
});

bad('barrier.wait({ timeout: -1 }): a negative timeout is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(2, { device });
	barrier.add(new AsyncOutput(device));
	await refusesAsync(
		device,
		() => barrier.wait({ timeout: -1 }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got -1 (number)`,
		() => barrier.added,
		() => barrier.arrived,
	);
});

bad('asyncBarrier(outputs, { timeout: NaN }): a NaN timeout is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'b' });
	await refusesAsync(
		device,
		() => asyncBarrier([out], { timeout: Number.NaN }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got NaN (number)`,
		() => out.state,
	);
});

bad('buffer.swap({ timeout: NaN }): a NaN timeout is refused', async () => {
	const device = await simDevice(EXACT);
	const buffer = new DoubleBuffer([4], 'int32', { device });
	await refusesAsync(
		device,
		() => buffer.swap({ timeout: Number.NaN }),
		InvalidArgumentError,
		INVALID,
		`${TIMEOUT}, got NaN (number)`,
		() => buffer.currentSlot,
		() => buffer.slotStates,
	);
});

// Handlers, barriers and double buffers: counts and capacities ---------------------------------

bad('new AsyncOutputHandler({ maxPending: 0 }) is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({ device, maxPending: 0 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for options.maxPending, got 0 (number)',
	);
});

bad('new AsyncOutputHandler({ maxPending: 2.5 }): a fractional capacity is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({ device, maxPending: 2.5 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for options.maxPending, got 2.5 (number)',
	);
});

bad('new AsyncOutputHandler({ maxPending: 2^20 + 1 }) is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({ device, maxPending: 2 ** 20 + 1 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for options.maxPending, got 1048577 (number)',
	);
});

bad("new AsyncOutputHandler({ maxPending: '4' }) is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({ device, maxPending: '4' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected an integer in [1, 1048576] for options.maxPending, got '4' (string)",
	);
});

bad('new AsyncOutputHandler({}): a missing device is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler({} as never),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got undefined (undefined)',
	);
});

bad('new AsyncOutputHandler(): missing options are refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutputHandler(undefined as never),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got undefined (undefined)',
	);
});

bad('new AsyncBarrier(0): a barrier count of 0 is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncBarrier(0, { device }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for count, got 0 (number)',
	);
});

bad('new AsyncBarrier(-2): a negative barrier count is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncBarrier(-2, { device }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for count, got -2 (number)',
	);
});

bad('new AsyncBarrier(NaN): a NaN barrier count is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncBarrier(Number.NaN, { device }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for count, got NaN (number)',
	);
});

bad('new AsyncBarrier(2^21): a barrier count too large is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncBarrier(2 ** 21, { device }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [1, 1048576] for count, got 2097152 (number)',
	);
});

bad('new AsyncBarrier(1): missing options are refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncBarrier(1, undefined as never),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got undefined (undefined)',
	);
});

bad('new DoubleBuffer({ slots: 1 }): fewer than 2 slots are refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([4], 'float32', { device, slots: 1 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [2, 64] for options.slots, got 1 (number)',
	);
});

bad('new DoubleBuffer({ slots: 65 }): more than 64 slots are refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([4], 'float32', { device, slots: 65 }),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [2, 64] for options.slots, got 65 (number)',
	);
});

bad('new DoubleBuffer(shape [-4]): a negative dim is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([-4], 'float32', { device }),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got [-4] (array)`,
	);
});

bad("new DoubleBuffer(shape 'x'): a shape that is not an array is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer('x' as never, 'float32', { device }),
		InvalidArgumentError,
		INVALID,
		`${SHAPE}, got 'x' (string)`,
	);
});

bad("new DoubleBuffer(dtype 'complex64'): an unknown dtype is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([4], 'complex64' as 'float32', { device }),
		InvalidArgumentError,
		INVALID,
		`Expected a dtype (${DTYPES}) for dtype, got 'complex64' (string)`,
	);
});

bad('new DoubleBuffer({}): a missing device is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([4], 'float32', {} as never),
		InvalidArgumentError,
		INVALID,
		'Expected a Device for options.device, got undefined (undefined)',
	);
});

bad("new DoubleBuffer({ stream: 'x' }): a stream that is not a Stream is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new DoubleBuffer([4], 'float32', { device, stream: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for options.stream, got 'x' (string)",
	);
});

bad('asyncBarrier([]): an empty list of outputs is refused', async () => {
	const device = await simDevice(EXACT);
	await refusesAsync(
		device,
		() => asyncBarrier([]),
		InvalidArgumentError,
		INVALID,
		'Expected at least one output for outputs, got [] (array)',
	);
});

bad("asyncBarrier('x'): outputs that are not an array are refused", async () => {
	const device = await simDevice(EXACT);
	await refusesAsync(
		device,
		() => asyncBarrier('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an array of AsyncOutput for outputs, got 'x' (string)",
	);
});

bad("asyncBarrier(['x']): a first output that is not an AsyncOutput is refused", async () => {
	const device = await simDevice(EXACT);
	await refusesAsync(
		device,
		() => asyncBarrier(['x' as never]),
		InvalidArgumentError,
		INVALID,
		"Expected an AsyncOutput for outputs[0], got 'x' (string)",
	);
});

bad('asyncBarrier([a, b]): outputs of different devices are refused', async () => {
	const { device, other } = await withOther();
	const mine = new AsyncOutput(device, { label: 'mine' });
	await refusesAsync(
		device,
		() => asyncBarrier([mine, new AsyncOutput(other)]),
		ForeignObjectError,
		FOREIGN,
		'AsyncBarrier.add(): the output belongs to another device',
		() => mine.state,
	);
});

bad('asyncBarrier([o, o]): the same output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'dup' });
	await refusesAsync(
		device,
		() => asyncBarrier([out, out]),
		InvalidStateError,
		STATE,
		"AsyncBarrier.add(): the output was already added: 'dup' (the barrier holds 1 of 2)",
		() => out.state,
	);
});

bad('new DoubleBuffer({ stream }): a destroyed stream is refused', async () => {
	const { device, destroyed, queued, live } = await withDestroyedStream();
	refuses(
		device,
		() => new DoubleBuffer([4], 'int32', { device, stream: destroyed }),
		DestroyedError,
		DESTROYED,
		'new DoubleBuffer(): the stream was destroyed',
		queued,
		live,
	);
});

bad('new DoubleBuffer({ stream }): a stream of another device is refused', async () => {
	const { device, other } = await withOther();
	const stream = new Stream(other);
	refuses(
		device,
		() => new DoubleBuffer([4], 'int32', { device, stream }),
		ForeignObjectError,
		FOREIGN,
		'new DoubleBuffer(): options.stream belongs to another device',
	);
});

bad("asyncBarrier([o, 'x']): a later output that is not an AsyncOutput is refused", async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'b' });
	await refusesAsync(
		device,
		() => asyncBarrier([out, 'x' as never]),
		InvalidArgumentError,
		INVALID,
		"Expected an AsyncOutput for outputs[1], got 'x' (string)",
		() => out.state,
	);
});

// Copies: a destination too small, the wrong types, objects of another device --------------------

bad('asyncCopyToHost({ into }): a pinned destination too small is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]); // 16 bytes
	const into = device.allocHost('float32', [2]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into }),
		InvalidArgumentError,
		INVALID,
		'Expected a destination of at least 16 bytes for options.into, got 8 bytes',
		idle,
		() => into.busy,
	);
});

bad('asyncCopyToHost({ into }): a typed-array destination too small is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]);
	const into = new Float32Array(3);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into }),
		InvalidArgumentError,
		INVALID,
		'Expected a destination of at least 16 bytes for options.into, got 12 bytes',
		idle,
		() => [...into],
	);
});

bad('asyncCopyToHost({ into: [1, 2] }): a plain array destination is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into: [1, 2] as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a PinnedArray or a typed array for options.into, got [1, 2] (array)',
		idle,
	);
});

bad('asyncCopyToHost({ stream }): a stream of another device is refused', async () => {
	const { device, idle, other } = await withOther();
	const x = device.alloc('float32', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream: new Stream(other) }),
		ForeignObjectError,
		FOREIGN,
		'asyncCopyToHost(): the stream belongs to another device than src',
		idle,
	);
});

bad('asyncCopyToHost({ into }): a pinned array of another device is refused', async () => {
	const { device, idle, other } = await withOther();
	const x = device.alloc('float32', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { into: other.allocHost('float32', [4]) }),
		ForeignObjectError,
		FOREIGN,
		'asyncCopyToHost(): options.into belongs to another device',
		idle,
	);
});

bad("asyncCopyToHost('x'): a source that is not a DeviceArray is refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => asyncCopyToHost('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a DeviceArray for src, got 'x' (string)",
	);
});

bad("asyncCopyToHost(x, 'x'): options that are not an object are refused", async () => {
	const { device, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, 'x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'x' (string)",
		idle,
	);
});

bad("asyncCopyToHost({ stream: 'x' }): a stream that is not a Stream is refused", async () => {
	const { device, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for options.stream, got 'x' (string)",
		idle,
	);
});

bad("asyncCopyToHost({ after: 'x' }): an after that is not a Stream is refused", async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, after: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for options.after, got 'x' (string)",
		idle,
	);
});

bad('asyncCopyToHost({ after }): a stream of another device to wait for is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, after: new Stream(other) }),
		ForeignObjectError,
		FOREIGN,
		'asyncCopyToHost(): options.after belongs to another device than src',
		idle,
	);
});

bad('asyncCopyToHost({ into }): a pinned array a copy is still writing is refused', async () => {
	const { device, stream, idle, x, into, output } = await copyInFlight();
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into }),
		BusyError,
		BUSY,
		'asyncCopyToHost(): options.into is still used by a copy in flight',
		idle,
		() => output.state,
		() => into.busy,
	);
});

bad('asyncCopyToHost({ into }): a pinned array a copy to the device reads is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	const into = device.allocHost('int8', [4]);
	stream.launchKernel({ durationNs: 1000 });
	stream.copyToDevice(x, into);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into }),
		BusyError,
		BUSY,
		'asyncCopyToHost(): options.into is still used by a copy in flight',
		idle,
		() => into.busy,
	);
});

bad('asyncCopyToHost({ into }): a pinned array holding a result not taken is refused', async () => {
	const { device, stream, idle, x, into, first } = await heldPinned();
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, into }),
		BusyError,
		BUSY,
		`asyncCopyToHost(): options.into: ${HELD}`,
		idle,
		() => first.state,
		() => into.heldBy,
	);
});

bad('asyncCopyToHost(x): a freed source is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]);
	x.free();
	refuses(
		device,
		() => asyncCopyToHost(x, { stream }),
		DestroyedError,
		DESTROYED,
		'asyncCopyToHost(): the device array was freed',
		idle,
	);
});

bad('asyncCopyBatch([]): an empty list of sources is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => asyncCopyBatch([]),
		InvalidArgumentError,
		INVALID,
		'Expected a non-empty array of DeviceArray for sources, got [] (array)',
	);
});

bad("asyncCopyBatch('x'): sources that are not an array are refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => asyncCopyBatch('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a non-empty array of DeviceArray for sources, got 'x' (string)",
	);
});

bad("asyncCopyBatch([x, 'y']): a source that is not a DeviceArray is refused", async () => {
	const { device, idle } = await withStream();
	refuses(
		device,
		() => asyncCopyBatch([device.alloc('int8', [1]), 'y' as never]),
		InvalidArgumentError,
		INVALID,
		"Expected a DeviceArray for sources[1], got 'y' (string)",
		idle,
	);
});

bad('asyncCopyBatch([a, b]): sources of different devices are refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => asyncCopyBatch([device.alloc('int8', [1]), other.alloc('int8', [1])], { stream }),
		ForeignObjectError,
		FOREIGN,
		'asyncCopyBatch(): the sources belong to different devices',
		idle,
	);
});

bad('asyncCopyBatch([x]): a freed source is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [1]);
	x.free();
	refuses(
		device,
		() => asyncCopyBatch([x], { stream }),
		DestroyedError,
		DESTROYED,
		'asyncCopyBatch(): the device array was freed',
		idle,
	);
});

bad('asyncCopyBatch({ stream }): a stream of another device is refused', async () => {
	const { device, idle, other } = await withOther();
	refuses(
		device,
		() => asyncCopyBatch([device.alloc('int8', [1])], { stream: new Stream(other) }),
		ForeignObjectError,
		FOREIGN,
		'asyncCopyBatch(): the stream belongs to another device than src',
		idle,
	);
});

bad("asyncCopyBatch({ after: 'x' }): an after that is not a Stream is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => asyncCopyBatch([device.alloc('int8', [1])], { stream, after: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for options.after, got 'x' (string)",
		idle,
	);
});

bad("asyncCopyBatch(sources, 'x'): options that are not an object are refused", async () => {
	const { device, idle } = await withStream();
	refuses(
		device,
		() => asyncCopyBatch([device.alloc('int8', [1])], 'x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'x' (string)",
		idle,
	);
});

bad('copyToDevice(dst, src): a source of another size than dst is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('float32', [4]);
	refuses(
		device,
		() => stream.copyToDevice(x, new Float32Array(8)),
		InvalidArgumentError,
		INVALID,
		'Expected a source of 16 bytes for src (the size of dst), got 32 bytes',
		idle,
	);
});

bad("copyToDevice('x', src): a destination that is not a DeviceArray is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.copyToDevice('x' as never, new Int8Array(4)),
		InvalidArgumentError,
		INVALID,
		"Expected a DeviceArray for dst, got 'x' (string)",
		idle,
	);
});

bad("copyToDevice(dst, 'x'): a source that is not host memory is refused", async () => {
	const { device, stream, idle } = await withStream();
	refuses(
		device,
		() => stream.copyToDevice(device.alloc('int8', [4]), 'x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected a PinnedArray or a typed array for src, got 'x' (string)",
		idle,
	);
});

bad('copyToDevice(dst, src): a destination of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => stream.copyToDevice(other.alloc('int8', [4]), new Int8Array(4)),
		ForeignObjectError,
		FOREIGN,
		'Stream.copyToDevice(): the object belongs to another device than the stream',
		idle,
	);
});

bad('copyToDevice(dst, src): a pinned source of another device is refused', async () => {
	const { device, stream, idle, other } = await withOther();
	refuses(
		device,
		() => stream.copyToDevice(device.alloc('int8', [4]), other.allocHost('int8', [4])),
		ForeignObjectError,
		FOREIGN,
		'Stream.copyToDevice(): the object belongs to another device than the stream',
		idle,
	);
});

bad('copyToDevice(dst, src): a freed destination is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	x.free();
	refuses(
		device,
		() => stream.copyToDevice(x, new Int8Array(4)),
		DestroyedError,
		DESTROYED,
		'Stream.copyToDevice(): the device array was freed',
		idle,
	);
});

bad('copyToDevice(dst, src): a pinned source a copy is still writing is refused', async () => {
	const { device, stream, idle, x, into, output } = await copyInFlight();
	refuses(
		device,
		() => stream.copyToDevice(x, into),
		BusyError,
		BUSY,
		'PinnedArray.write(): a copy into or out of this array is still in flight',
		idle,
		() => output.state,
	);
});

bad('asyncCopyToHost({ stream }): a destroyed stream is refused, making no output', async () => {
	const { device, destroyed, queued, live } = await withDestroyedStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream: destroyed }),
		DestroyedError,
		DESTROYED,
		'asyncCopyToHost(): the stream was destroyed',
		queued,
		live,
	);
});

bad('asyncCopyToHost({ after }): a destroyed stream to wait for is refused', async () => {
	const { device, destroyed, queued, live } = await withDestroyedStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { after: destroyed }),
		DestroyedError,
		DESTROYED,
		'asyncCopyToHost(): the stream was destroyed',
		queued,
		live,
	);
});

bad('asyncCopyToHost({ label: 5 }): a label that is not a string is refused', async () => {
	const { device, stream, idle } = await withStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyToHost(x, { stream, label: 5 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a string for options.label, got 5 (number)',
		idle,
		() => device.core.raw.output_live(),
	);
});

bad('asyncCopyBatch({ stream }): a destroyed stream is refused, making no output', async () => {
	const { device, destroyed, queued, live } = await withDestroyedStream();
	const x = device.alloc('int8', [4]);
	refuses(
		device,
		() => asyncCopyBatch([x], { stream: destroyed }),
		DestroyedError,
		DESTROYED,
		'asyncCopyBatch(): the stream was destroyed',
		queued,
		live,
	);
});

// Pinned arrays in use ---------------------------------------------------------------------

bad('pinned.write(): writing a pinned array a copy to the device reads is refused', async () => {
	const { device, stream } = await withStream();
	const dst = device.alloc('int32', [4]);
	const src = device.allocHost('int32', [4]);
	src.write([1, 2, 3, 4]);
	stream.launchKernel({ durationNs: 1000 });
	stream.copyToDevice(dst, src);
	refuses(
		device,
		() => src.write([9, 9, 9, 9]),
		BusyError,
		BUSY,
		'PinnedArray.write(): a copy into or out of this array is still in flight',
		() => [...src.data],
	);
});

bad('pinned.write(): writing a pinned array holding a result not taken is refused', async () => {
	const { device, idle, into, first } = await heldPinned();
	refuses(
		device,
		() => into.write([1, 2, 3, 4]),
		BusyError,
		BUSY,
		`PinnedArray.write(): ${HELD}`,
		idle,
		() => first.state,
		() => [...into.data],
	);
});

bad('pinned.read(): reading a pinned array a copy is still writing is refused', async () => {
	const { device, idle, into, output } = await copyInFlight();
	refuses(
		device,
		() => into.read(),
		BusyError,
		BUSY,
		'PinnedArray.read(): a copy into this array is still in flight; await its output first',
		idle,
		() => output.state,
	);
});

bad('pinned.write([1, 2, 3, 4, 5]): more values than the array holds are refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([1, 2, 3, 4, 5]),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 4)}, got [1, 2, 3, 4, 5] (array)`,
		contents,
	);
});

bad('pinned.write(values, -1): a negative offset is refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([1], -1),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [0, 4] for offset, got -1 (number)',
		contents,
	);
});

bad('pinned.write([1], 4): a value past the end of the array is refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([1], 4),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 0)}, got [1] (array)`,
		contents,
	);
});

bad('pinned.write(values, 1.5): a fractional offset is refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([1], 1.5),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [0, 4] for offset, got 1.5 (number)',
		contents,
	);
});

bad('pinned.write(values, NaN): a NaN offset is refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([1], Number.NaN),
		InvalidArgumentError,
		INVALID,
		'Expected an integer in [0, 4] for offset, got NaN (number)',
		contents,
	);
});

bad('pinned.write([1n]): a bigint into an int32 array is refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([1n] as never),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 4)}, got [1n] (array)`,
		contents,
	);
});

bad('pinned.write([1]): a number into an int64 array is refused', async () => {
	const { device, pinned, contents } = await pinnedInt64();
	refuses(
		device,
		() => pinned.write([1]),
		InvalidArgumentError,
		INVALID,
		`${badValues('bigints', 2)}, got [1] (array)`,
		contents,
	);
});

bad('pinned.write(null): values that are not an array are refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write(null as never),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 4)}, got null (null)`,
		contents,
	);
});

bad("pinned.write('12'): a string of digits as values is refused", async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write('12' as never),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 4)}, got '12' (string)`,
		contents,
	);
});

bad('pinned.write(5): a single number as values is refused', async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write(5 as never),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 4)}, got 5 (number)`,
		contents,
	);
});

bad("pinned.write([NaN, 'a']): values with a string among them are refused", async () => {
	const { device, pinned, contents } = await pinnedInt32();
	refuses(
		device,
		() => pinned.write([Number.NaN, 'a'] as never),
		InvalidArgumentError,
		INVALID,
		`${badValues('numbers', 4)}, got [NaN, 'a'] (array)`,
		contents,
	);
});

bad('pinned.write(): Float32Array into float32 and BigInt64Array into int64 work', async () => {
	const device = await simDevice(EXACT);
	const floats = device.allocHost('float32', [4]);
	floats.write(new Float32Array([0.5, -1.25, 3, 1e6]));
	assert.equal([...floats.read()], [0.5, -1.25, 3, 1e6]);

	const bigints = device.allocHost('int64', [2]);
	bigints.write(new BigInt64Array([-1n, 2n ** 40n]));
	assert.equal([...bigints.read()], [-1n, 2n ** 40n]);
});

// Use after destroy and free -------------------------------------------------------------------

bad('stream.launchKernel() after stream.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.destroy();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1 }),
		DestroyedError,
		DESTROYED,
		'Stream.launchKernel(): the stream was destroyed',
	);
});

bad('stream.query() after stream.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.destroy();
	refuses(
		device,
		() => stream.query(),
		DestroyedError,
		DESTROYED,
		'Stream.query(): the stream was destroyed',
	);
});

bad('stream.synchronize() after stream.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.destroy();
	await refusesAsync(
		device,
		() => stream.synchronize(),
		DestroyedError,
		DESTROYED,
		'Stream.synchronize(): the stream was destroyed',
	);
});

bad('stream.launchHostFunc() after stream.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	stream.destroy();
	refuses(
		device,
		() => stream.launchHostFunc(() => {}),
		DestroyedError,
		DESTROYED,
		'Stream.launchHostFunc(): the stream was destroyed',
	);
});

bad('event.record() after event.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const event = new Event(device);
	event.destroy();
	refuses(
		device,
		() => event.record(),
		DestroyedError,
		DESTROYED,
		'Event.record(): the event was destroyed',
	);
});

bad('event.query() after event.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const event = new Event(device);
	event.destroy();
	refuses(
		device,
		() => event.query(),
		DestroyedError,
		DESTROYED,
		'Event.query(): the event was destroyed',
	);
});

bad('event.synchronize() after event.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const event = new Event(device);
	event.destroy();
	await refusesAsync(
		device,
		() => event.synchronize(),
		DestroyedError,
		DESTROYED,
		'Event.synchronize(): the event was destroyed',
	);
});

bad('handler.submit() after handler.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	handler.destroy();
	const out = new AsyncOutput(device, { label: 's' });
	refuses(
		device,
		() => handler.submit(out),
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.submit(): the handler was destroyed',
		() => out.state,
	);
});

bad('handler.poll() after handler.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	handler.destroy();
	refuses(
		device,
		() => handler.poll(),
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.poll(): the handler was destroyed',
	);
});

bad('handler.numPending after handler.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	handler.destroy();
	refuses(
		device,
		() => handler.numPending,
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.numPending: the handler was destroyed',
	);
});

bad('handler.waitOne() after handler.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	handler.destroy();
	await refusesAsync(
		device,
		() => handler.waitOne(),
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.waitOne(): the handler was destroyed',
	);
});

bad('barrier.add() after barrier.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(1, { device });
	barrier.destroy();
	const out = new AsyncOutput(device, { label: 'a' });
	refuses(
		device,
		() => barrier.add(out),
		DestroyedError,
		DESTROYED,
		'AsyncBarrier.add(): the barrier was destroyed',
		() => out.state,
	);
});

bad('barrier.reset() after barrier.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(1, { device });
	barrier.destroy();
	refuses(
		device,
		() => barrier.reset(),
		DestroyedError,
		DESTROYED,
		'AsyncBarrier.reset(): the barrier was destroyed',
	);
});

bad('barrier.arrived after barrier.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(1, { device });
	barrier.destroy();
	refuses(
		device,
		() => barrier.arrived,
		DestroyedError,
		DESTROYED,
		'AsyncBarrier.arrived: the barrier was destroyed',
	);
});

bad('barrier.wait() after barrier.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(1, { device });
	barrier.destroy();
	await refusesAsync(
		device,
		() => barrier.wait(),
		DestroyedError,
		DESTROYED,
		'AsyncBarrier.wait(): the barrier was destroyed',
	);
});

bad('buffer.swap() after buffer.destroy() is refused', async () => {
	const device = await simDevice(EXACT);
	const buffer = new DoubleBuffer([4], 'int8', { device });
	buffer.destroy();
	await refusesAsync(
		device,
		() => buffer.swap(),
		DestroyedError,
		DESTROYED,
		'DoubleBuffer.swap(): the double buffer was destroyed',
	);
});

// Use after device.destroy() of objects made before ----------------------------------------------

bad('new Stream(device) after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => new Stream(device),
		DestroyedError,
		DESTROYED,
		'Stream: the device was destroyed',
	);
});

bad('Stream.default(device) after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => Stream.default(device),
		DestroyedError,
		DESTROYED,
		'Stream: the device was destroyed',
	);
});

bad('new Event(device) after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => new Event(device),
		DestroyedError,
		DESTROYED,
		'new Event(): the device was destroyed',
	);
});

bad('new AsyncOutput(device) after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => new AsyncOutput(device),
		DestroyedError,
		DESTROYED,
		'new AsyncOutput(): the device was destroyed',
	);
});

bad('new AsyncOutputHandler({ device }) after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => new AsyncOutputHandler({ device }),
		DestroyedError,
		DESTROYED,
		'new AsyncOutputHandler(): the device was destroyed',
	);
});

bad('device.alloc() after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => device.alloc('int8', [1]),
		DestroyedError,
		DESTROYED,
		'alloc: the device was destroyed',
	);
});

bad('device.allocHost() after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => device.allocHost('int8', [1]),
		DestroyedError,
		DESTROYED,
		'allocHost: the device was destroyed',
	);
});

bad('device.hostWork() after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => device.hostWork(1),
		DestroyedError,
		DESTROYED,
		'hostWork: the device was destroyed',
	);
});

bad('device.injectFault() after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	refuses(
		device,
		() => device.injectFault({ on: 'kernel' }),
		DestroyedError,
		DESTROYED,
		'injectFault: the device was destroyed',
	);
});

bad('device.synchronize() after device.destroy() is refused', async () => {
	const { device } = await afterDeviceDestroy();
	await refusesAsync(
		device,
		() => device.synchronize(),
		DestroyedError,
		DESTROYED,
		'synchronize: the device was destroyed',
	);
});

bad('stream.launchKernel() after device.destroy() is refused', async () => {
	const { device, stream } = await afterDeviceDestroy();
	refuses(
		device,
		() => stream.launchKernel({ durationNs: 1 }),
		DestroyedError,
		DESTROYED,
		'Stream.launchKernel(): the device was destroyed',
	);
});

bad('stream.query() after device.destroy() is refused', async () => {
	const { device, stream } = await afterDeviceDestroy();
	refuses(
		device,
		() => stream.query(),
		DestroyedError,
		DESTROYED,
		'Stream.query(): the device was destroyed',
	);
});

bad('stream.synchronize() after device.destroy() is refused', async () => {
	const { device, stream } = await afterDeviceDestroy();
	await refusesAsync(
		device,
		() => stream.synchronize(),
		DestroyedError,
		DESTROYED,
		'Stream.synchronize(): the device was destroyed',
	);
});

bad('stream.copyToDevice() after device.destroy() is refused', async () => {
	const { device, stream, array } = await afterDeviceDestroy();
	refuses(
		device,
		() => stream.copyToDevice(array, new Int8Array(4)),
		DestroyedError,
		DESTROYED,
		'Stream.copyToDevice(): the device was destroyed',
	);
});

bad('stream.waitEvent() after device.destroy() is refused', async () => {
	const { device, stream, event } = await afterDeviceDestroy();
	refuses(
		device,
		() => stream.waitEvent(event),
		DestroyedError,
		DESTROYED,
		'Stream.waitEvent(): the device was destroyed',
	);
});

bad('event.record() after device.destroy() is refused', async () => {
	const { device, stream, event } = await afterDeviceDestroy();
	refuses(
		device,
		() => event.record(stream),
		DestroyedError,
		DESTROYED,
		'Event.record(): the device was destroyed',
	);
});

bad('event.query() after device.destroy() is refused', async () => {
	const { device, event } = await afterDeviceDestroy();
	refuses(
		device,
		() => event.query(),
		DestroyedError,
		DESTROYED,
		'Event.query(): the device was destroyed',
	);
});

bad('event.synchronize() after device.destroy() is refused', async () => {
	const { device, event } = await afterDeviceDestroy();
	await refusesAsync(
		device,
		() => event.synchronize(),
		DestroyedError,
		DESTROYED,
		'Event.synchronize(): the device was destroyed',
	);
});

bad('event.elapsedTime() after device.destroy() is refused', async () => {
	const { device, event, end } = await afterDeviceDestroy();
	refuses(
		device,
		() => event.elapsedTime(end),
		DestroyedError,
		DESTROYED,
		'Event.elapsedTime(): the device was destroyed',
	);
});

bad('handler.submit() after device.destroy() is refused', async () => {
	const { device, handler, output } = await afterDeviceDestroy();
	refuses(
		device,
		() => handler.submit(output),
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.submit(): the device was destroyed',
	);
});

bad('handler.poll() after device.destroy() is refused', async () => {
	const { device, handler } = await afterDeviceDestroy();
	refuses(
		device,
		() => handler.poll(),
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.poll(): the device was destroyed',
	);
});

bad('handler.numPending after device.destroy() is refused', async () => {
	const { device, handler } = await afterDeviceDestroy();
	refuses(
		device,
		() => handler.numPending,
		DestroyedError,
		DESTROYED,
		'AsyncOutputHandler.numPending: the device was destroyed',
	);
});

bad('barrier.add() after device.destroy() is refused', async () => {
	const { device, barrier, output } = await afterDeviceDestroy();
	refuses(
		device,
		() => barrier.add(output),
		DestroyedError,
		DESTROYED,
		'AsyncBarrier.add(): the device was destroyed',
	);
});

bad('barrier.wait() after device.destroy() is refused', async () => {
	const { device, barrier } = await afterDeviceDestroy();
	await refusesAsync(
		device,
		() => barrier.wait(),
		DestroyedError,
		DESTROYED,
		'AsyncBarrier.wait(): the device was destroyed',
	);
});

bad('output.markStarted() after device.destroy() is refused', async () => {
	const { device, output } = await afterDeviceDestroy();
	refuses(
		device,
		() => output.markStarted(),
		DestroyedError,
		DESTROYED,
		'AsyncOutput.markStarted(): the device was destroyed',
		() => output.state,
	);
});

bad('output.cancel() after device.destroy() is refused', async () => {
	const { device, output } = await afterDeviceDestroy();
	refuses(
		device,
		() => output.cancel(),
		DestroyedError,
		DESTROYED,
		'AsyncOutput.cancel(): the device was destroyed',
		() => output.state,
	);
});

bad('output.get() after device.destroy() is refused', async () => {
	const { device, output } = await afterDeviceDestroy();
	await refusesAsync(
		device,
		() => output.get(),
		DestroyedError,
		DESTROYED,
		'AsyncOutput.get(): the device was destroyed',
		() => output.state,
	);
});

bad('buffer.transfer() after device.destroy() is refused', async () => {
	const { device, buffer } = await afterDeviceDestroy();
	refuses(
		device,
		() => buffer.transfer(),
		DestroyedError,
		DESTROYED,
		'DoubleBuffer.transfer(): the device was destroyed',
	);
});

bad('buffer.swap() after device.destroy() is refused', async () => {
	const { device, buffer } = await afterDeviceDestroy();
	await refusesAsync(
		device,
		() => buffer.swap(),
		DestroyedError,
		DESTROYED,
		'DoubleBuffer.swap(): the device was destroyed',
	);
});

bad('buffer.reset() after device.destroy() is refused', async () => {
	const { device, buffer } = await afterDeviceDestroy();
	refuses(
		device,
		() => buffer.reset(),
		DestroyedError,
		DESTROYED,
		'DoubleBuffer.reset(): the device was destroyed',
	);
});

bad('buffer.current after device.destroy() is refused', async () => {
	const { device, buffer } = await afterDeviceDestroy();
	refuses(
		device,
		() => buffer.current,
		DestroyedError,
		DESTROYED,
		'DoubleBuffer.current: the device was destroyed',
	);
});

bad('asyncCopyToHost(x) after device.destroy() is refused', async () => {
	const { device, array } = await afterDeviceDestroy();
	refuses(
		device,
		() => asyncCopyToHost(array),
		DestroyedError,
		DESTROYED,
		'asyncCopyToHost(): the device was destroyed',
	);
});

bad('asyncCopyBatch([x]) after device.destroy() is refused', async () => {
	const { device, array } = await afterDeviceDestroy();
	refuses(
		device,
		() => asyncCopyBatch([array]),
		DestroyedError,
		DESTROYED,
		'asyncCopyBatch(): the device was destroyed',
	);
});

// Outputs: completing or failing twice, get() twice, reuse after delivery -----------------------

bad('markCompleted() twice: completing an output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const out = completed(device, 'o');
	refuses(
		device,
		() => out.markCompleted(2),
		InvalidStateError,
		STATE,
		illegal('markCompleted', 'o', 'completed', 'completed'),
		() => out.state,
	);
	assert.is(await out.get(), 1, 'the first result stays');
});

bad('markFailed() after markCompleted(): failing a completed output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = completed(device, 'o');
	refuses(
		device,
		() => out.markFailed(new Error('late')),
		InvalidStateError,
		STATE,
		illegal('markFailed', 'o', 'completed', 'failed'),
		() => out.state,
	);
});

bad('markFailed() twice: failing an output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const failed = new AsyncOutput(device, { label: 'f' });
	failed.markStarted();
	failed.markFailed(new Error('first'));
	refuses(
		device,
		() => failed.markFailed(new Error('second')),
		InvalidStateError,
		STATE,
		illegal('markFailed', 'f', 'failed', 'failed'),
		() => (failed.error as Error).message,
		() => failed.state,
	);
});

bad('markCompleted() on a pending output (never started) is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'p' });
	refuses(
		device,
		() => out.markCompleted(1),
		InvalidStateError,
		STATE,
		illegal('markCompleted', 'p', 'pending', 'completed'),
		() => out.state,
	);
});

bad('markFailed() on a pending output (never started) is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'p' });
	refuses(
		device,
		() => out.markFailed(new Error('x')),
		InvalidStateError,
		STATE,
		illegal('markFailed', 'p', 'pending', 'failed'),
		() => out.state,
	);
});

bad('markStarted() twice: starting an output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 's' });
	out.markStarted();
	refuses(
		device,
		() => out.markStarted(),
		InvalidStateError,
		STATE,
		illegal('markStarted', 's', 'in_progress', 'in_progress'),
		() => out.state,
	);
});

bad('markStarted() after markCompleted(): restarting a completed output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = completed(device, 'o');
	refuses(
		device,
		() => out.markStarted(),
		InvalidStateError,
		STATE,
		illegal('markStarted', 'o', 'completed', 'in_progress'),
		() => out.state,
	);
});

bad('cancel() twice: cancelling an output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'c' });
	out.cancel();
	refuses(
		device,
		() => out.cancel(),
		InvalidStateError,
		STATE,
		illegal('cancel', 'c', 'cancelled', 'cancelled'),
		() => out.state,
	);
});

bad('cancel() after markCompleted(): cancelling a completed output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = completed(device, 'c');
	refuses(
		device,
		() => out.cancel(),
		InvalidStateError,
		STATE,
		illegal('cancel', 'c', 'completed', 'cancelled'),
		() => out.state,
	);
});

bad('cancel() after get(): cancelling a delivered output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = await delivered(device, 'g');
	refuses(
		device,
		() => out.cancel(),
		InvalidStateError,
		STATE,
		illegal('cancel', 'g', 'completed', 'cancelled'),
		() => out.state,
	);
});

bad('get() twice: a second get() of a completed output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = await delivered(device, 'o');
	await refusesAsync(
		device,
		() => out.get(),
		AlreadyDeliveredError,
		'ERR_ALREADY_DELIVERED',
		"AsyncOutput.get(): 'o' was already delivered; get() delivers once",
		() => out.state,
	);
});

bad('get() twice: a second get() of a cancelled output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'c' });
	out.cancel();
	await rejectsCode(
		out.get(),
		CancelledError,
		'ERR_CANCELLED',
		"AsyncOutput.get(): 'c' was cancelled",
	);
	await refusesAsync(
		device,
		() => out.get(),
		AlreadyDeliveredError,
		'ERR_ALREADY_DELIVERED',
		"AsyncOutput.get(): 'c' was already delivered; get() delivers once",
		() => out.state,
	);
});

bad('get() twice: a second get() of a failed output is refused', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput(device, { label: 'f' });
	out.markStarted();
	out.markFailed(new Error('boom'));
	await rejectsCode(
		out.get(),
		OutputFailedError,
		'ERR_OUTPUT_FAILED',
		"AsyncOutput.get(): 'f' failed",
	);
	await refusesAsync(
		device,
		() => out.get(),
		AlreadyDeliveredError,
		'ERR_ALREADY_DELIVERED',
		"AsyncOutput.get(): 'f' was already delivered; get() delivers once",
		() => out.state,
	);
});

bad("new AsyncOutput(device, 'x'): options that are not an object are refused", async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutput(device, 'x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'x' (string)",
	);
});

bad('handler.submit(): an output already delivered is refused', async () => {
	const device = await simDevice(EXACT);
	const out = await delivered(device, 'o');
	const handler = new AsyncOutputHandler({ device });
	refuses(
		device,
		() => handler.submit(out),
		InvalidStateError,
		STATE,
		"AsyncOutputHandler.submit(): 'o' was already delivered and cannot be submitted",
		() => handler.numPending,
	);
});

bad('barrier.add(): an output already delivered is refused', async () => {
	const device = await simDevice(EXACT);
	const out = await delivered(device, 'd');
	const barrier = new AsyncBarrier(2, { device });
	refuses(
		device,
		() => barrier.add(out),
		InvalidStateError,
		STATE,
		"AsyncBarrier.add(): 'd' was already delivered",
		() => barrier.added,
	);
});

bad('new AsyncOutput({ label: 5 }): a label that is not a string is refused', async () => {
	const device = await simDevice(EXACT);
	refuses(
		device,
		() => new AsyncOutput(device, { label: 5 as never }),
		InvalidArgumentError,
		INVALID,
		'Expected a string for options.label, got 5 (number)',
		() => device.core.raw.output_live(),
	);
});

// Handlers and barriers: objects of another handler or device, duplicates, overflow -------------

bad('handler.submit(): an output that belongs to another handler is refused', async () => {
	const device = await simDevice(EXACT);
	const first = new AsyncOutputHandler({ device });
	const second = new AsyncOutputHandler({ device });
	const out = new AsyncOutput(device, { label: 'shared' });
	first.submit(out);
	refuses(
		device,
		() => second.submit(out),
		ForeignObjectError,
		FOREIGN,
		"AsyncOutputHandler.submit(): the output already belongs to a handler: 'shared'",
		() => [first.numPending, second.numPending],
	);
});

bad('handler.submit(): the same output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	const out = new AsyncOutput(device, { label: 'twice' });
	handler.submit(out);
	refuses(
		device,
		() => handler.submit(out),
		ForeignObjectError,
		FOREIGN,
		"AsyncOutputHandler.submit(): the output already belongs to a handler: 'twice'",
		() => handler.numPending,
	);
});

bad('handler.submit(): an output of another device is refused', async () => {
	const { device, other } = await withOther();
	const handler = new AsyncOutputHandler({ device });
	refuses(
		device,
		() => handler.submit(new AsyncOutput(other)),
		ForeignObjectError,
		FOREIGN,
		'AsyncOutputHandler.submit(): the output belongs to another device',
		() => handler.numPending,
	);
});

bad('handler.submit({}): an output that is not an AsyncOutput is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	refuses(
		device,
		() => handler.submit({} as AsyncOutput),
		InvalidArgumentError,
		INVALID,
		'Expected an AsyncOutput for output, got Object (object)',
		() => handler.numPending,
	);
});

bad('handler.waitOne(): waiting with nothing pending or finished is refused', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler({ device });
	await refusesAsync(
		device,
		() => handler.waitOne(),
		InvalidStateError,
		STATE,
		'AsyncOutputHandler.waitOne(): no output is pending or finished',
		() => handler.numPending,
	);
});

bad('barrier.add(): an output beyond the count is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(1, { device });
	const out = new AsyncOutput(device, { label: 'shared' });
	barrier.add(out);
	refuses(
		device,
		() => barrier.add(out),
		QueueFullError,
		'ERR_QUEUE_FULL',
		"AsyncBarrier.add(): full: 'shared' (the barrier holds 1 of 1)",
		() => barrier.added,
	);
});

bad('barrier.add(): the same output twice is refused', async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(2, { device });
	const out = new AsyncOutput(device, { label: 'shared' });
	barrier.add(out);
	refuses(
		device,
		() => barrier.add(out),
		InvalidStateError,
		STATE,
		"AsyncBarrier.add(): the output was already added: 'shared' (the barrier holds 1 of 2)",
		() => barrier.added,
	);
});

bad('barrier.add(): an output of another device is refused', async () => {
	const { device, other } = await withOther();
	const barrier = new AsyncBarrier(2, { device });
	refuses(
		device,
		() => barrier.add(new AsyncOutput(other)),
		ForeignObjectError,
		FOREIGN,
		'AsyncBarrier.add(): the output belongs to another device',
		() => barrier.added,
	);
});

bad("barrier.add('x'): an output that is not an AsyncOutput is refused", async () => {
	const device = await simDevice(EXACT);
	const barrier = new AsyncBarrier(2, { device });
	refuses(
		device,
		() => barrier.add('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an AsyncOutput for output, got 'x' (string)",
		() => barrier.added,
	);
});

// Double buffers in use --------------------------------------------------------------------------

bad('buffer.transfer() twice: a slot already transferring is refused', async () => {
	const { device, stream } = await withStream();
	const buffer = new DoubleBuffer([4], 'int32', { device, stream });
	stream.launchKernel({ durationNs: 1000 });
	buffer.transfer();
	refuses(
		device,
		() => buffer.transfer(),
		InvalidStateError,
		STATE,
		'DoubleBuffer.transfer(): illegal state transition: slot 0 was already handed to a transfer; swap() before the next one',
		() => buffer.slotStates,
	);
});

bad('buffer.reset(): a reset while a transfer is in flight is refused', async () => {
	const { device, stream } = await withStream();
	const buffer = new DoubleBuffer([4], 'int32', { device, stream });
	stream.launchKernel({ durationNs: 1000 });
	buffer.transfer();
	await buffer.swap();
	refuses(
		device,
		() => buffer.reset(),
		BusyError,
		BUSY,
		'DoubleBuffer.reset(): still in use by a transfer in flight: a transfer is in flight',
		() => buffer.currentSlot,
		() => buffer.slotStates,
	);
});

bad("buffer.transfer({ after: 'x' }): an after that is not a Stream is refused", async () => {
	const device = await simDevice(EXACT);
	const buffer = new DoubleBuffer([4], 'int32', { device });
	refuses(
		device,
		() => buffer.transfer({ after: 'x' as never }),
		InvalidArgumentError,
		INVALID,
		"Expected a Stream for options.after, got 'x' (string)",
		() => buffer.slotStates,
		() => buffer.stream.query(),
	);
});

bad('buffer.transfer({ after }): a stream of another device to wait for is refused', async () => {
	const { device, other } = await withOther();
	const buffer = new DoubleBuffer([4], 'int32', { device });
	refuses(
		device,
		() => buffer.transfer({ after: new Stream(other) }),
		ForeignObjectError,
		FOREIGN,
		'asyncCopyToHost(): options.after belongs to another device than src',
		() => buffer.slotStates,
		() => buffer.stream.query(),
	);
});

bad("buffer.transfer('x'): options that are not an object are refused", async () => {
	const device = await simDevice(EXACT);
	const buffer = new DoubleBuffer([4], 'int32', { device });
	refuses(
		device,
		() => buffer.transfer('x' as never),
		InvalidArgumentError,
		INVALID,
		"Expected an options object for options, got 'x' (string)",
		() => buffer.slotStates,
	);
});

bad('buffer.transfer(): a slot holding a result not taken is refused', async () => {
	const device = await simDevice(EXACT);
	const buffer = new DoubleBuffer([4], 'int32', { device });
	const first = buffer.transfer();
	await buffer.swap();
	await buffer.swap(); // back to slot 0: its transfer is done, `first` was never taken
	refuses(
		device,
		() => buffer.transfer(),
		BusyError,
		BUSY,
		"DoubleBuffer.transfer(): slot 0: the array still holds the result of 'slot 0 transfer', " +
			'which was not taken yet; get() or cancel() that output first',
		() => buffer.currentSlot,
		() => buffer.slotStates,
		() => first.state,
		() => device.core.raw.output_live(),
	);

	assert.equal([...(await first.get())], [0, 0, 0, 0]);
	assert.instance(buffer.transfer(), AsyncOutput, 'once taken, the slot transfers again');
});

// Traces, timelines and the decode loop ----------------------------------------------------------

bad('toChromeTrace(5): recordings that are not a list are refused', () => {
	throwsCode(
		() => toChromeTrace(5 as never),
		InvalidArgumentError,
		INVALID,
		'Expected an array of { name, recording } for recordings, got 5 (number)',
	);
});

bad('toHtmlTimeline(null) and toHtmlTimeline([{}]): runs without recordings are refused', () => {
	throwsCode(
		() => toHtmlTimeline(null as never),
		InvalidArgumentError,
		INVALID,
		'Expected an array of { name, recording } for runs, got null (null)',
	);
	throwsCode(
		() => toHtmlTimeline([{}] as never),
		InvalidArgumentError,
		INVALID,
		'Expected a Recording for runs[0].recording, got undefined (undefined)',
	);
});

bad('recordingsToJson([{ name: 5 }]): a run name that is not a string is refused', () => {
	throwsCode(
		() => recordingsToJson([{ name: 5, recording: new Recording('x') }] as never),
		InvalidArgumentError,
		INVALID,
		'Expected a string for runs[0].name, got 5 (number)',
	);
});

bad('parseKineto({}): an object instead of JSON text is refused', () => {
	throwsCode(
		() => parseKineto({} as never),
		InvalidArgumentError,
		INVALID,
		'Expected the JSON text of a trace for text, got Object (object)',
	);
});

bad('replayTrace(null): something that is not a parsed trace is refused', async () => {
	await rejectsCode(
		replayTrace(null as never),
		InvalidArgumentError,
		INVALID,
		'Expected a trace from parseKineto() or readKineto() for trace, got null (null)',
	);
});

bad(
	'runDecodeLoop(null) and runDecodeLoop(device, "fast"): a bad device or mode is refused',
	async () => {
		await rejectsCode(
			runDecodeLoop(null as never, 'serial'),
			InvalidArgumentError,
			INVALID,
			'Expected a Device for device, got null (null)',
		);
		const device = await simDevice(EXACT);
		await rejectsCode(
			runDecodeLoop(device, 'fast' as never),
			InvalidArgumentError,
			INVALID,
			"Expected one of 'serial', 'overlapped' for mode, got 'fast' (string)",
		);
		assert.is(device.now(), 0, 'nothing ran');
	},
);

bad.run();
