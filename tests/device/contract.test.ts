import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { asyncBarrier } from '../../src/api/barrier.ts';
import { asyncCopyBatch, asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { Event } from '../../src/api/event.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import type { Device } from '../../src/device/device.ts';
import { PinnedArray } from '../../src/device/memory.ts';
import { DTYPES, type Dtype, fillPattern } from '../../src/dtype.ts';
import {
	AlreadyDeliveredError,
	BusyError,
	DestroyedError,
	DeviceFaultError,
	InvalidArgumentError,
	InvalidStateError,
	NotReadyError,
	NotRecordedError,
	TimeoutError,
	TimingDisabledError,
} from '../../src/errors.ts';
import { runDecodeLoop } from '../../src/pipeline/decode-loop.ts';
import { rejectsCode, throwsCode } from '../helpers.ts';
import { TARGETS, type Target, targetSuite } from './targets.ts';

/**
 * The contract both devices keep (DESIGN.md, "Semantics"), run against every device: the same
 * cases, the same expected values. On real-time devices (a GPU, the fake driver) durations are
 * chosen so that the order of events is certain and only order and values are asserted; a
 * kernel meant to outlast the test is stopped by destroying its device.
 */

const MS = 1_000_000;
/** A kernel that runs until its device is destroyed. */
const ENDLESS = Number.POSITIVE_INFINITY;
const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Holds a stream until the JavaScript thread is free: on a real device the host function can
 * only run once the test awaits, so work queued behind it has not started when the test looks,
 * however slow the machine. (On the simulated device nothing runs until something waits.)
 */
function gate(stream: Stream): void {
	stream.launchHostFunc(() => {});
}

/** Runs `body` on a fresh device of `target` and destroys it afterwards. */
function withDevice(target: Target, body: (device: Device) => Promise<void>): () => Promise<void> {
	return async () => {
		const device = await target.create();
		try {
			await body(device);
		} finally {
			if (!device.destroyed) device.destroy();
		}
	};
}

function settled(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => 'resolved',
		(error: unknown) => error,
	);
}

for (const target of TARGETS) {
	const events = targetSuite('contract: events', target);

	events(
		'an event never recorded queries true and synchronizes at once',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			stream.launchKernel({ durationNs: ENDLESS });
			const event = new Event(device);
			assert.is(event.query(), true);
			await event.synchronize();
			assert.is(stream.query(), false, 'the kernel still runs');
		}),
	);

	events(
		'elapsedTime fails as not recorded, not ready, timing disabled, then measures',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const start = new Event(device, { timing: true });
			const end = new Event(device, { timing: true });
			const plain = new Event(device);
			throwsCode(() => start.elapsedTime(end), NotRecordedError, 'ERR_NOT_RECORDED');
			gate(stream);
			start.record(stream);
			stream.launchKernel({ durationNs: 20 * MS });
			end.record(stream);
			throwsCode(() => start.elapsedTime(end), NotReadyError, 'ERR_NOT_READY');
			plain.record(stream);
			throwsCode(() => plain.elapsedTime(end), TimingDisabledError, 'ERR_TIMING_DISABLED');
			await end.synchronize();
			const ms = start.elapsedTime(end);
			if (target.realTime) assert.ok(ms >= 19.9, `elapsed ${ms} ms`);
			else assert.is(ms, 20);
			assert.is(end.elapsedTime(start), -ms);
		}),
	);

	events(
		'a stream wait uses what the event captured when the wait was issued',
		withDevice(target, async (device) => {
			const a = new Stream(device, { label: 'a' });
			const b = new Stream(device, { label: 'b' });
			const event = new Event(device);
			a.launchKernel({ durationNs: 2 * MS, occupancy: 0.5 });
			event.record(a);
			b.waitEvent(event); // captures the first kernel only
			a.launchKernel({ durationNs: ENDLESS, occupancy: 0.5 });
			event.record(a); // a later re-record does not change the earlier wait
			b.launchKernel({ durationNs: 1 * MS, occupancy: 0.5 });
			await b.synchronize();
			assert.is(a.query(), false, 'b finished while the long kernel on a still runs');
			assert.is(event.query(), false);
		}),
	);

	events(
		'synchronize waits for the record current when it was called',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const event = new Event(device);
			stream.launchKernel({ durationNs: 3 * MS });
			event.record(stream);
			const wait = event.synchronize();
			stream.launchKernel({ durationNs: ENDLESS });
			event.record(stream);
			await wait;
			assert.is(event.query(), false, 'the newer record is not done yet');
		}),
	);

	events(
		'waitStream orders later work after the other stream, spinning events too',
		withDevice(target, async (device) => {
			const a = new Stream(device);
			const b = new Stream(device);
			const src = device.alloc('int32', [64]);
			a.launchKernel({ durationNs: 5 * MS, fill: { target: src, value: 9 } });
			b.waitStream(a);
			const out = asyncCopyToHost(src, { stream: b });
			const spin = new Event(device, { blocking: false });
			spin.record(b);
			await spin.synchronize();
			assert.is(out.state, 'completed');
			assert.equal([...(await out.get())], new Array(64).fill(9));
		}),
	);

	events.run();

	const copies = targetSuite('contract: copies and memory', target);

	copies(
		'a pageable device-to-host copy returns only after it is done',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const src = device.alloc('int32', [250_000]);
			stream.launchKernel({ durationNs: 5 * MS, fill: { target: src, value: 7 } });
			const into = new Int32Array(250_000);
			const out = asyncCopyToHost(src, { stream, into });
			assert.is(into[0], 7);
			assert.is(into[249_999], 7);
			assert.is(out.state, 'completed');
			assert.is(stream.query(), true);
			assert.is(await out.get(), into);
		}),
	);

	copies(
		'a pinned copy returns at once, keeps its array busy, and delivers once after its event',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const src = device.alloc('float32', [1000]);
			const into = device.allocHost('float32', [1000]);
			gate(stream);
			stream.launchKernel({ durationNs: 5 * MS, fill: { target: src, value: 1, step: 0.5 } });
			const out = asyncCopyToHost(src, { stream, into });
			assert.is(out.state, 'in_progress');
			assert.is(into.busy, true);
			throwsCode(() => into.read(), BusyError, 'ERR_BUSY');
			const values = await out.get();
			assert.is(values[0], 1);
			assert.is(values[999], 1 + 999 * 0.5);
			assert.is(into.busy, false);
			assert.is(into.read()[10], 6);
			await rejectsCode(out.get(), AlreadyDeliveredError, 'ERR_ALREADY_DELIVERED');
		}),
	);

	copies(
		'fills write exactly what fillPattern writes, for every dtype',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const cases: [number, number][] = [
				[-3.5, 1.25],
				[2 ** 31 - 2.5, 0.75],
				[-(2 ** 40) + 0.5, 3.3],
				[0.1, 0.2],
				[255.5, -0.5],
				[2 ** 63 + 2 ** 20, -(2 ** 62)],
			];
			for (const dtype of Object.keys(DTYPES) as Dtype[]) {
				for (const [value, step] of cases) {
					const src = device.alloc(dtype, [777]);
					stream.launchKernel({ durationNs: 0, fill: { target: src, value, step } });
					const got = await asyncCopyToHost(src, { stream }).get();
					const want = new DTYPES[dtype](777);
					fillPattern(want, value, step);
					assert.equal([...got], [...want], `${dtype} value ${value} step ${step}`);
					src.free();
				}
			}
		}),
	);

	copies(
		'host-to-device copies, memsets and copies back round-trip, pinned and pageable',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const a = device.alloc('uint8', [4096]);
			const pinned = device.allocHost('uint8', [4096]);
			pinned.write(Array.from({ length: 4096 }, (_, i) => i % 251));
			stream.copyToDevice(a, pinned);
			assert.is(pinned.busy, true, 'the source is read by the copy in flight');
			throwsCode(() => pinned.write([1]), BusyError, 'ERR_BUSY');
			const back = await asyncCopyToHost(a, { stream }).get();
			assert.is(back[300], 300 % 251);
			assert.is(pinned.busy, false);

			const b = device.alloc('uint8', [4096]);
			stream.copyToDevice(b, new Uint8Array(4096).fill(42)); // pageable: done on return
			stream.memset(a, 0x11);
			const [x, y] = await asyncCopyBatch([a, b], { stream }).get();
			assert.equal([x?.[0], x?.[4095], y?.[0], y?.[4095]], [0x11, 0x11, 42, 42]);
		}),
	);

	copies(
		'new memory reads as zeros; a freed array refuses use',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const a = device.alloc('float64', [512]);
			assert.equal([...device.allocHost('float64', [4]).read()], [0, 0, 0, 0]);
			const zeros = await asyncCopyToHost(a, { stream }).get();
			assert.ok(zeros.every((v) => v === 0));
			a.free();
			throwsCode(() => asyncCopyToHost(a, { stream }), DestroyedError, 'ERR_DESTROYED');
		}),
	);

	copies(
		'copies that do not fit are refused before the device sees them',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const a = device.alloc('int32', [100]);
			throwsCode(
				() => asyncCopyToHost(a, { stream, into: new Int32Array(99) }),
				InvalidArgumentError,
				'ERR_INVALID_ARGUMENT',
				/at least 400 bytes/,
			);
			throwsCode(
				() => stream.copyToDevice(a, new Int32Array(101)),
				InvalidArgumentError,
				'ERR_INVALID_ARGUMENT',
			);
			assert.equal([...(await asyncCopyToHost(a, { stream }).get())], new Array(100).fill(0));
		}),
	);

	copies.run();

	const hostFuncs = targetSuite('contract: host functions', target);

	hostFuncs(
		'run in stream order: after the work before them, before the work after them',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const src = device.alloc('int32', [8]);
			const seen = device.allocHost('int32', [8]);
			const source = device.allocHost('int32', [8]);
			const order: string[] = [];
			stream.launchKernel({ durationNs: 10 * MS, fill: { target: src, value: 5 } });
			asyncCopyToHost(src, { stream, into: seen });
			stream.launchHostFunc(() => {
				order.push(`first saw ${seen.data[7]}`);
				source.data.fill(77); // read by the copy queued after this function
			});
			stream.launchHostFunc(() => order.push('second'));
			stream.copyToDevice(src, source);
			const out = asyncCopyToHost(src, { stream });
			assert.equal([...(await out.get())], new Array(8).fill(77));
			assert.equal(order, ['first saw 5', 'second']);
		}),
	);

	hostFuncs(
		'a host function that calls the device fails with a clear error instead of deadlocking',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			let caught: unknown;
			stream.launchHostFunc(() => {
				try {
					new Event(device);
				} catch (error) {
					caught = error;
				}
			});
			await stream.synchronize();
			assert.instance(caught, InvalidStateError);
			assert.match((caught as Error).message, /host function must not call the device/);
			assert.is(device.fatal, undefined);
		}),
	);

	hostFuncs(
		'a host function that throws makes the device fatal',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			stream.launchHostFunc(() => {
				throw new RangeError('boom');
			});
			// The wait settles either way: on the simulated device with zero-cost host functions the
			// stream's work completed at the same instant, so it resolves; elsewhere it rejects.
			const settledAs = await settled(stream.synchronize());
			const error = device.fatal;
			assert.instance(error, DeviceFaultError);
			assert.is((error as Error).cause instanceof RangeError, true);
			assert.ok(settledAs === 'resolved' || settledAs === error);
			assert.throws(
				() => new Stream(device),
				(e: unknown) => e === error,
			);
		}),
	);

	hostFuncs(
		'a pageable copy behind a host function returns after running it',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const src = device.alloc('int32', [16]);
			stream.launchKernel({ durationNs: 5 * MS, fill: { target: src, value: 3 } });
			let ran = false;
			stream.launchHostFunc(() => {
				ran = true;
			});
			const into = new Int32Array(16);
			asyncCopyToHost(src, { stream, into });
			assert.is(ran, true);
			assert.is(into[15], 3);
		}),
	);

	hostFuncs.run();

	const waits = targetSuite('contract: waits, timeouts, faults', target);

	waits(
		'a wait times out with a TimeoutError naming what it waited for; nothing is lost',
		withDevice(target, async (device) => {
			const stream = new Stream(device, { label: 'slow' });
			const src = device.alloc('int32', [4]);
			stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
			const out = asyncCopyToHost(src, { stream, label: 'stuck' });
			await rejectsCode(
				out.get({ timeout: 30 }),
				TimeoutError,
				'ERR_TIMEOUT',
				/^Timed out after 30 ms waiting for output 'stuck' \(in_progress, waiting for the copy of 16 B to the host on stream 'slow'\)$/,
			);
			await rejectsCode(
				stream.synchronize({ timeout: 10 }),
				TimeoutError,
				'ERR_TIMEOUT',
				/stream 'slow'/,
			);
			assert.is(out.state, 'in_progress');
		}),
	);

	waits(
		'an aborted signal rejects a wait with its reason',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
			const controller = new AbortController();
			const wait = settled(stream.synchronize({ signal: controller.signal }));
			const reason = new Error('stop');
			setTimeout(() => controller.abort(reason), 5);
			assert.is(await wait, reason);
		}),
	);

	waits(
		'destroying the device rejects pending waits and later calls',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
			const wait = settled(stream.synchronize());
			await new Promise((resolve) => setTimeout(resolve, 5));
			device.destroy();
			const error = await wait;
			assert.instance(error, DestroyedError);
			throwsCode(() => new Stream(device), DestroyedError, 'ERR_DESTROYED');
		}),
	);

	waits(
		'a sticky fault fails every later call and every pending output with the same error',
		() => {
			const run = spawnSync(
				process.execPath,
				['--import', 'tsx', 'tests/device/child.ts', target.child, 'fault'],
				{ cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
			);
			assert.is(run.status, 0, run.stderr);
			assert.equal(JSON.parse(run.stdout.trim().split('\n').pop() as string), {
				syncError: 'DeviceFaultError',
				code: 'ERR_DEVICE_FAULT',
				cudaError: 'CUDA_ERROR_ILLEGAL_ADDRESS',
				sticky: true,
				sameLater: true,
				fatalSame: true,
				outputState: 'failed',
				getSame: true,
				isFault: true,
			});
		},
	);

	waits('a process with nothing pending exits on its own, without destroy()', () => {
		const run = spawnSync(
			process.execPath,
			['--import', 'tsx', 'tests/device/child.ts', target.child, 'exit-idle'],
			{ cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
		);
		assert.is(run.signal, null, 'the process exited by itself, before the timeout');
		assert.is(run.status, 0, run.stderr);
		const result = JSON.parse(run.stdout.trim());
		assert.is(result.first, 1);
		assert.is(result.timedOut, 'TimeoutError');
		// On a real device a host function runs as soon as its stream reaches it; the simulated
		// device runs work only while something waits for it.
		assert.is(result.hostFuncRan, target.realTime);
	});

	waits.run();

	const flows = targetSuite('contract: handlers, barriers, double buffers', target);

	// One output pending at a time: each is read before its slot is transferred again (the
	// array get() delivers is a view of the slot's pinned memory, valid until then).
	flows(
		'a double-buffered loop with a handler delivers every step once, in order, with its values',
		withDevice(target, async (device) => {
			const main = new Stream(device, { label: 'compute' });
			const copy = new Stream(device, { label: 'copy' });
			const logits = new DoubleBuffer([4, 1000], 'float32', { device, stream: copy });
			const handler = new AsyncOutputHandler<Float32Array>({ device, maxPending: 1 });
			const got: number[] = [];
			for (let step = 0; step < 8; step++) {
				main.launchKernel({
					durationNs: 2 * MS,
					fill: { target: logits.current, value: step, step: 1 },
				});
				const output = logits.transfer({ after: main });
				while (!handler.submit(output)) {
					const done = await handler.waitOne();
					const values = await done.get();
					got.push(values[0] as number, (values[3999] as number) - 3999);
				}
				await logits.swap();
			}
			for await (const done of handler) {
				const values = await done.get();
				got.push(values[0] as number, (values[3999] as number) - 3999);
			}
			assert.equal(
				got,
				[0, 1, 2, 3, 4, 5, 6, 7].flatMap((s) => [s, s]),
			);
			assert.is(handler.stats().completed, 8);
		}),
	);

	flows(
		'a barrier waits for device outputs and outputs marked by hand',
		withDevice(target, async (device) => {
			const stream = new Stream(device);
			const src = device.alloc('int32', [4]);
			stream.launchKernel({ durationNs: 5 * MS, fill: { target: src, value: 2 } });
			const copied = asyncCopyToHost(src, { stream });
			const manual = new AsyncOutput<string>(device, { label: 'manual' });
			manual.markStarted();
			setTimeout(() => manual.markCompleted('done'), 10);
			await asyncBarrier([copied, manual]);
			assert.is(copied.state, 'completed');
			assert.is(await manual.get(), 'done');
		}),
	);

	flows(
		'a double buffer refuses to hand out a slot still being transferred',
		withDevice(target, async (device) => {
			const main = new Stream(device);
			const copy = new Stream(device);
			const buffer = new DoubleBuffer([16], 'int32', { device, stream: copy, slots: 2 });
			copy.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
			main.launchKernel({ durationNs: 0, fill: { target: buffer.current, value: 1 } });
			buffer.transfer({ after: main });
			await buffer.swap();
			buffer.transfer({ after: main });
			await rejectsCode(buffer.swap({ timeout: 20 }), TimeoutError, 'ERR_TIMEOUT', /slot 0/);
			assert.equal(buffer.slotStates, ['transferring', 'transferring']);
		}),
	);

	flows(
		'the decode loop delivers the values of every step, serial and overlapped',
		withDevice(target, async (device) => {
			for (const mode of ['serial', 'overlapped'] as const) {
				const run = await runDecodeLoop(device, mode, {
					steps: 6,
					computeNs: 2 * MS,
					hostNs: 0.5 * MS,
					batch: 8,
					vocab: 500,
				});
				assert.is(run.verified, true, mode);
				assert.ok(run.stepNs > 0);
			}
		}),
	);

	flows(
		'pinned memory is a PinnedArray of the device; outputs of other devices are refused',
		withDevice(target, async (device) => {
			const pinned = device.allocHost('int16', [3, 5]);
			assert.instance(pinned, PinnedArray);
			assert.equal([pinned.length, pinned.byteLength, pinned.shape], [15, 30, [3, 5]]);
			const other = await target.create();
			try {
				const stream = new Stream(device);
				const foreign = other.alloc('int16', [15]);
				assert.throws(() => asyncCopyToHost(foreign, { stream }), /another device/);
			} finally {
				other.destroy();
			}
		}),
	);

	flows.run();
}
