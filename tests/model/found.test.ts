import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
import { Event } from '../../src/api/event.ts';
import { Stream } from '../../src/api/stream.ts';
import { COMPUTE_UNITS, Engine, OpKind, Rec, RunMode, StreamKind } from '../../src/core/codes.ts';
import { Core } from '../../src/core/core.ts';
import { DeviceFaultError } from '../../src/errors.ts';
import type { TimelineEvent } from '../../src/trace/recording.ts';
import { EXACT, simDevice } from '../helpers.ts';

/**
 * Failures the model-based runs found, each shrunk to a small program through the public API
 * and kept with the value it must give. The fix of each lives where the comment says.
 */

const PROFILE = { ...EXACT, d2hPinnedGBps: 1 };
const found = suite('found by the model');

function span(events: TimelineEvent[], name: string): [number, number] {
	const event = events.find((e) => e.name === name) as TimelineEvent;
	return [event.start, event.end];
}

found('the order streams were created in never decides which kernel the engine takes', async () => {
	// A high-priority stream waits for an event that a low-priority stream records between two
	// kernels; each order of creating the two streams is tried. Both kernels become ready at 1000 ns; the engine must take the
	// high-priority one. Before the fix (assembly/scheduler/run.ts, settleZeroTime) the event
	// record completed only after the first stream had been looked at, so the low-priority
	// kernel went first whenever its stream was created later.
	for (const highFirst of [true, false]) {
		const device = await simDevice(PROFILE);
		const make = (label: string, priority: number) => new Stream(device, { label, priority });
		let high: Stream;
		let low: Stream;
		if (highFirst) {
			high = make('high', -1);
			low = make('low', 0);
		} else {
			low = make('low', 0);
			high = make('high', -1);
		}
		const recording = device.record();
		const event = new Event(device);
		low.launchKernel({ name: 'k1', durationNs: 1000 });
		event.record(low);
		low.launchKernel({ name: 'k2', durationNs: 1000 });
		high.waitEvent(event);
		high.launchKernel({ name: 'urgent', durationNs: 1000 });
		await device.synchronize();
		assert.equal(
			span(recording.events, 'urgent'),
			[1000, 2000],
			`high created first: ${highFirst}`,
		);
		assert.equal(span(recording.events, 'k2'), [2000, 3000]);
	}
});

found('a cancelled transfer keeps its slot until the copy itself is done', async () => {
	// Before the fix (assembly/double-buffer.ts, outputSettled) a cancelled output freed its slot
	// at once, so compute could overwrite the slot while the copy was still reading it.
	const device = await simDevice(PROFILE);
	const buffer = new DoubleBuffer([4000], 'uint8', { device }); // a 4 us transfer
	const out = buffer.transfer();
	out.cancel();
	assert.equal(buffer.slotStates, ['transferring', 'free']);
	await buffer.swap(); // slot 1 was free
	const slot0 = buffer.swap(); // slot 0 is still being read by the cancelled copy
	assert.equal(buffer.slotStates, ['transferring', 'computing']);
	await slot0;
	assert.is(device.now(), 4000, 'swap waited for the copy, not for the cancel');
	assert.equal(buffer.slotStates, ['computing', 'free']);
});

found('what completed before a fault stays completed', async () => {
	// A get() is pending when the host, busy for 5 us, next looks at the device: by then a copy
	// has ended (at 2 us) and a kernel on another stream has faulted (at 3 us), both in the same
	// run of the clock. The output completed before the fault, so get() delivers it; only later
	// calls fail. Before the fix (src/device/sim/waits.ts, rejectAll) the fault rejected it.
	const device = await simDevice(PROFILE);
	const a = new Stream(device, { label: 'a' });
	const b = new Stream(device, { label: 'b' });
	const x = device.alloc('uint8', [1000]); // a 1 us copy
	a.launchKernel({ durationNs: 1000, occupancy: 0.5, fill: { target: x, value: 7 } });
	const out = asyncCopyToHost(x, { stream: a });
	b.launchKernel({ name: 'bad', durationNs: 3000, occupancy: 0.5, fault: true });
	const pending = out.get();
	device.hostWork(5000);
	a.query(); // brings the device to 5 us: the copy's end, then the fault
	assert.instance(device.fatal, DeviceFaultError);
	const values = await pending;
	assert.is(values[999], 7);
	assert.is(out.state, 'completed');
	assert.throws(
		() => a.launchKernel({ durationNs: 1 }),
		(e: unknown) => e === device.fatal,
	);
});

found('a time past 2^53 ns is refused at the edge instead of wrapping the clock', async () => {
	// The core saturates ends past the end of time (assembly/scheduler/run.ts, endOf); the API
	// refuses such durations with a typed error (src/validate.ts, expectDuration).
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	assert.throws(() => stream.launchKernel({ durationNs: 2 ** 60 }), /duration of 0 to 2\^52 ns/);
	stream.launchKernel({ durationNs: 2 ** 52 });
	stream.launchKernel({ durationNs: 2 ** 52 });
	await stream.synchronize();
	assert.is(device.now(), 2 ** 53);
});

found('ops that start at the same instant are reported engine by engine', async () => {
	// Zero-time ops on two engines start together. Before the fix (assembly/scheduler/run.ts,
	// before) the order of candidates mixed a priority rule for kernels with issue order for
	// copies, which is no order at all: a copy could come before or after the kernels depending
	// on how the sort happened to compare them. Now: compute, then H2D; by priority, then issue.
	const core = await Core.create();
	const raw = core.raw;
	const [a, b, c] = [0, -1, 0].map((priority) =>
		raw.sim_stream_create(StreamKind.DEVICE, priority),
	);
	const copy = raw.sim_enqueue(a as number, OpKind.COPY_H2D, Engine.H2D, 0, 0, 0, 0);
	const second = raw.sim_enqueue(
		c as number,
		OpKind.KERNEL,
		Engine.COMPUTE,
		0,
		COMPUTE_UNITS,
		0,
		0,
	);
	const first = raw.sim_enqueue(b as number, OpKind.KERNEL, Engine.COMPUTE, 0, COMPUTE_UNITS, 0, 0);
	raw.sim_run(RunMode.UNTIL_TIME, 0);
	const report = core.report();
	const ended: number[] = [];
	for (let at = 0; at < report.length; at += Rec.LANES) {
		if (report[at] === Rec.OP_END) ended.push(report[at + 1] as number);
	}
	assert.equal(ended, [first, second, copy]);
});

found.run();
