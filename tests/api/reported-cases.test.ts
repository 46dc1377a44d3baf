import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { Event } from '../../src/api/event.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { BusyError, NotReadyError, TimeoutError, TimingDisabledError } from '../../src/errors.ts';
import type { TimelineEvent } from '../../src/trace/recording.ts';
import { EXACT, rejectsCode, simDevice, throwsCode } from '../helpers.ts';

/** Cases from people who hit these bugs elsewhere, each with the value it must give. */

const US = 1000;
const MS = 1_000_000;
const cases = suite('reported cases');

cases(
	'a pinned copy behind a 10 ms kernel: get() at once waits and returns the values, never zeros',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		const logits = device.alloc('float32', [1024]);
		stream.launchKernel({ durationNs: 10 * MS, fill: { target: logits, value: 3.5, step: 0 } });
		const out = asyncCopyToHost(logits, { stream });
		const values = await out.get();
		assert.ok(device.now() >= 10 * MS);
		assert.is(values.length, 1024);
		assert.ok(
			values.every((v) => v === 3.5),
			'every element holds the kernel value',
		);
	},
);

cases(
	'two buffers of 0..999: equal after waitAll(); before it, the API refuses to compare',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		const [a, b] = [device.alloc('int32', [1000]), device.alloc('int32', [1000])];
		stream.launchKernel({ durationNs: MS, fill: { target: a, value: 0, step: 1 } });
		stream.launchKernel({ durationNs: MS, fill: { target: b, value: 0, step: 1 } });
		const [ha, hb] = [device.allocHost('int32', [1000]), device.allocHost('int32', [1000])];
		const handler = new AsyncOutputHandler<Int32Array>({ device });
		handler.submit(asyncCopyToHost(a, { stream, into: ha }));
		handler.submit(asyncCopyToHost(b, { stream, into: hb }));
		throwsCode(() => ha.read(), BusyError, 'ERR_BUSY', /still in flight; await its output first/);
		const done = await handler.waitAll();
		assert.is(done.length, 2);
		const [x, y] = await Promise.all(done.map((o) => o.get()));
		assert.equal([...(x as Int32Array)], [...(y as Int32Array)]);
		assert.equal([...ha.read().slice(0, 3), ha.read()[999]], [0, 1, 2, 999]);
	},
);

cases(
	'a pinned source changed 1 us after an async H2D copy: the write is refused, the copy sends the old value',
	async () => {
		// The rule chosen: while a copy reads or writes a PinnedArray, write() is refused.
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		const src = device.allocHost('int32', [4]);
		src.write([1, 2, 3, 4]);
		const dst = device.alloc('int32', [4]);
		stream.launchKernel({ durationNs: 5 * US });
		stream.copyToDevice(dst, src);
		device.hostWork(1 * US);
		throwsCode(() => src.write([7, 7, 7, 7]), BusyError, 'ERR_BUSY');
		const back = await asyncCopyToHost(dst, { stream }).get();
		assert.equal([...back], [1, 2, 3, 4]);
		src.write([7, 7, 7, 7]);
		assert.equal([...src.read()], [7, 7, 7, 7], 'writable again once the copy is done');
	},
);

cases(
	'double buffer, 2 slots, an iteration every 2 us with a 6 us transfer: each arrives once, in order',
	async () => {
		// 6 us transfers: 6,000 B at 1 B/ns. Each iteration: 2 us of host time, a 0-time kernel.
		const device = await simDevice({ ...EXACT, d2hPinnedGBps: 1 });
		const main = new Stream(device, { label: 'main' });
		const buffer = new DoubleBuffer([6000], 'uint8', { device });
		const recording = device.record();
		const seen: number[] = [];
		let previous: AsyncOutput<Uint8Array> | undefined;
		const take = async (out: AsyncOutput<Uint8Array>) => {
			const v = await out.get();
			assert.is(v[0], v[5999], 'untorn');
			seen.push(v[0] as number);
		};
		for (let i = 0; i < 10; i++) {
			device.hostWork(2 * US);
			main.launchKernel({
				name: `k${i}`,
				durationNs: 0,
				fill: { target: buffer.current, value: i, step: 0 },
			});
			const out = buffer.transfer({ after: main });
			if (previous !== undefined) await take(previous);
			previous = out;
			await buffer.swap();
		}
		await take(previous as AsyncOutput<Uint8Array>);
		assert.equal(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		const kernels = recording.events.filter((e) => e.kind === 'kernel');
		const copies = recording.events.filter((e) => e.kind === 'copy_d2h');
		assert.is(copies.length, 10);
		for (let i = 2; i < 10; i++) {
			const kernel = kernels[i] as TimelineEvent;
			const transfer = copies[i - 2] as TimelineEvent;
			assert.ok(
				kernel.start >= transfer.end,
				`iteration ${i} waits for iteration ${i - 2}'s transfer`,
			);
		}
		// Transfers run back to back: the copy engine sets the pace (6 us per iteration).
		assert.is((copies[9] as TimelineEvent).end - (copies[1] as TimelineEvent).end, 8 * 6 * US);
	},
);

cases(
	'elapsedTime at once is not-ready, then exactly 10 ms; without timing it stays disabled',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device);
		const start = new Event(device, { timing: true });
		const end = new Event(device, { timing: true });
		start.record(stream);
		stream.launchKernel({ durationNs: 10 * MS });
		end.record(stream);
		throwsCode(() => start.elapsedTime(end), NotReadyError, 'ERR_NOT_READY');
		await end.synchronize();
		assert.is(start.elapsedTime(end), 10);

		const untimed = new Event(device);
		const end2 = new Event(device, { timing: true });
		untimed.record(stream);
		stream.launchKernel({ durationNs: 10 * MS });
		end2.record(stream);
		await end2.synchronize();
		throwsCode(() => untimed.elapsedTime(end2), TimingDisabledError, 'ERR_TIMING_DISABLED');
	},
);

cases(
	'a kernel that never finishes: waitOne and get reject at 50 ms naming the copy; nothing is lost',
	async () => {
		const device = await simDevice(EXACT);
		const stream = new Stream(device, { label: 'main' });
		const x = device.alloc('uint8', [64]);
		stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
		const out = asyncCopyToHost(x, { stream, label: 'result' });
		const handler = new AsyncOutputHandler({ device });
		handler.submit(out);
		await rejectsCode(
			handler.waitOne({ timeout: 50 }),
			TimeoutError,
			'ERR_TIMEOUT',
			/the copy of 64 B to the host on stream 'main'/,
		);
		assert.is(device.now(), 50 * MS);
		await rejectsCode(
			out.get({ timeout: 50 }),
			TimeoutError,
			'ERR_TIMEOUT',
			/'result' \(in_progress, waiting for the copy of 64 B/,
		);
		assert.is(device.now(), 100 * MS);
		assert.is(out.state, 'in_progress');
		assert.is(handler.numPending, 1);
	},
);

cases(
	'maxPending 1 and two producers: refused until drained; retry after waitOne gets both through once, in order',
	async () => {
		const device = await simDevice(EXACT);
		const handler = new AsyncOutputHandler<string>({ device, maxPending: 1 });
		const delivered: string[] = [];
		const producer = async (name: string) => {
			const out = new AsyncOutput<string>(device, { label: name });
			out.markStarted();
			queueMicrotask(() => out.markCompleted(name));
			while (!handler.submit(out)) delivered.push(await (await handler.waitOne()).get());
		};
		await Promise.all([producer('a'), producer('b')]);
		for (const out of await handler.waitAll()) delivered.push(await out.get());
		assert.equal(delivered, ['a', 'b']);
		const stats = handler.stats();
		assert.is(stats.submitted, 2);
		assert.is(stats.rejected, 1);
		assert.is(stats.completed, 2);
	},
);

cases(
	'a fault, then an unrelated event query, new work on another stream, waitAll: the same sticky error',
	async () => {
		const device = await simDevice(EXACT);
		const a = new Stream(device);
		const b = new Stream(device);
		const unrelated = new Event(device);
		const handler = new AsyncOutputHandler({ device });
		handler.submit(asyncCopyToHost(device.alloc('int8', [8]), { stream: a }));
		a.launchKernel({ durationNs: MS, fault: true });
		await b.synchronize();
		await a.synchronize().catch(() => {});
		const fatal = device.fatal;
		assert.ok(fatal !== undefined);
		const errors: unknown[] = [];
		for (const step of [() => unrelated.query(), () => b.launchKernel({ durationNs: 1 })]) {
			try {
				step();
			} catch (error) {
				errors.push(error);
			}
		}
		errors.push(await handler.waitAll().catch((e) => e));
		assert.equal(errors.length, 3);
		for (const error of errors) assert.is(error, fatal);
	},
);

cases.run();
