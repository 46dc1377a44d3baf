import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { Event } from '../../src/api/event.ts';
import { Stream } from '../../src/api/stream.ts';
import { NotReadyError, NotRecordedError, TimingDisabledError } from '../../src/errors.ts';
import type { TimelineEvent } from '../../src/trace/recording.ts';
import { EXACT, rejectsCode, simDevice, throwsCode } from '../helpers.ts';

/** Exact virtual times, and copies at 1 byte per ns (1 MB = 1 ms) in both directions. */
const PROFILE = {
	...EXACT,
	d2hPinnedGBps: 1,
	h2dPinnedGBps: 1,
	d2hPageableGBps: 0.5,
	h2dPageableGBps: 0.5,
};
const MS = 1_000_000;

function spans(events: TimelineEvent[], kind: string): [number, number][] {
	return events.filter((e) => e.kind === kind).map((e) => [e.start, e.end]);
}

const events = suite('events');

events('an event never recorded queries true and synchronizes at once', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	stream.launchKernel({ durationNs: 10 * MS });
	const event = new Event(device);
	assert.is(event.query(), true);
	await event.synchronize();
	assert.is(device.now(), 0, 'no time passed');
});

events('elapsedTime fails three distinct ways, then gives the exact virtual duration', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const start = new Event(device, { timing: true });
	const end = new Event(device, { timing: true });
	const plain = new Event(device);

	throwsCode(
		() => start.elapsedTime(end),
		NotRecordedError,
		'ERR_NOT_RECORDED',
		/must be recorded/,
	);
	start.record(stream);
	stream.launchKernel({ durationNs: 10 * MS });
	end.record(stream);
	throwsCode(() => start.elapsedTime(end), NotReadyError, 'ERR_NOT_READY', /must have completed/);
	plain.record(stream);
	throwsCode(
		() => plain.elapsedTime(end),
		TimingDisabledError,
		'ERR_TIMING_DISABLED',
		/timing: true/,
	);

	await end.synchronize();
	assert.is(start.elapsedTime(end), 10);
	assert.is(end.elapsedTime(start), -10);
	throwsCode(() => plain.elapsedTime(end), TimingDisabledError, 'ERR_TIMING_DISABLED');
	assert.is(device.now(), 10 * MS);
});

events('a stream wait uses what the event captured when the wait was issued', async () => {
	const device = await simDevice(PROFILE);
	const a = new Stream(device, { label: 'a' });
	const b = new Stream(device, { label: 'b' });
	const event = new Event(device);
	const recording = device.record();

	a.launchKernel({ name: 'k1', durationNs: 2 * MS, occupancy: 0.5 });
	event.record(a);
	b.waitEvent(event); // captures k1 only
	a.launchKernel({ name: 'k2', durationNs: 5 * MS, occupancy: 0.5 });
	event.record(a); // a later re-record must not change the earlier wait
	b.launchKernel({ name: 'k3', durationNs: 1 * MS, occupancy: 0.5 });
	await device.synchronize();

	const k3 = recording.events.find((e) => e.name === 'k3') as TimelineEvent;
	assert.is(k3.start, 2 * MS, 'k3 starts when k1 ends, not when k2 ends (7 ms)');
});

events('synchronize on an event waits for its latest record at the time of the call', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const event = new Event(device);
	stream.launchKernel({ durationNs: 3 * MS });
	event.record(stream);
	const wait = event.synchronize();
	stream.launchKernel({ durationNs: 4 * MS });
	event.record(stream);
	await wait;
	assert.is(device.now(), 3 * MS);
	assert.is(event.query(), false, 'the newer record is not done yet');
});

events.run();

const copies = suite('copies and engines');

copies('a pageable device-to-host copy returns only after it is done', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const src = device.alloc('int32', [250_000]); // 1 MB
	stream.launchKernel({ durationNs: 1 * MS, fill: { target: src, value: 7, step: 0 } });
	const into = new Int32Array(250_000);
	const out = asyncCopyToHost(src, { stream, into });
	// Kernel 1 ms, then the copy at 0.5 byte/ns: 2 ms. The call itself returned at 3 ms.
	assert.is(device.now(), 3 * MS);
	assert.is(into[0], 7);
	assert.is(into[249_999], 7);
	assert.is(out.state, 'completed');
	assert.is(await out.get(), into);
});

copies('a pinned device-to-host copy returns at once and delivers after its event', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const src = device.alloc('int32', [250_000]);
	stream.launchKernel({ durationNs: 10 * MS, fill: { target: src, value: 1, step: 1 } });
	const out = asyncCopyToHost(src, { stream });
	assert.is(device.now(), 0, 'the call did not wait');
	assert.is(out.state, 'in_progress');
	const values = await out.get();
	assert.is(device.now(), 11 * MS, 'kernel 10 ms + copy 1 ms');
	assert.is(values[0], 1);
	assert.is(values[249_999], 250_000);
});

copies('two copies in the same direction serialize; opposite directions overlap', async () => {
	const device = await simDevice(PROFILE);
	const [s1, s2, s3] = [new Stream(device), new Stream(device), new Stream(device)];
	const a = device.alloc('uint8', [MS]);
	const b = device.alloc('uint8', [MS]);
	const c = device.alloc('uint8', [MS]);
	const recording = device.record();
	asyncCopyToHost(a, { stream: s1 });
	asyncCopyToHost(b, { stream: s2 });
	s3.copyToDevice(c, device.allocHost('uint8', [MS]));
	await device.synchronize();
	assert.equal(spans(recording.events, 'copy_d2h'), [
		[0, MS],
		[MS, 2 * MS],
	]);
	assert.equal(spans(recording.events, 'copy_h2d'), [[0, MS]]);
	assert.is(device.now(), 2 * MS);
});

copies(
	'kernels and copies on different streams overlap; on one stream they serialize',
	async () => {
		const device = await simDevice(PROFILE);
		const compute = new Stream(device);
		const copy = new Stream(device);
		const x = device.alloc('uint8', [2 * MS]);
		const recording = device.record();
		compute.launchKernel({ name: 'k', durationNs: 3 * MS });
		asyncCopyToHost(x, { stream: copy });
		await device.synchronize();
		assert.equal(spans(recording.events, 'kernel'), [[0, 3 * MS]]);
		assert.equal(spans(recording.events, 'copy_d2h'), [[0, 2 * MS]]);
		assert.is(device.now(), 3 * MS);

		const serial = await simDevice(PROFILE);
		const one = new Stream(serial);
		const y = serial.alloc('uint8', [2 * MS]);
		one.launchKernel({ durationNs: 3 * MS });
		asyncCopyToHost(y, { stream: one });
		await serial.synchronize();
		assert.is(serial.now(), 5 * MS);
	},
);

copies(
	'kernels share the compute engine by occupancy, and priority picks who goes first',
	async () => {
		const device = await simDevice(PROFILE);
		const low = new Stream(device, { priority: 0, label: 'low' });
		const high = new Stream(device, { priority: -1, label: 'high' });
		const blocker = new Stream(device, { label: 'blocker' });
		const recording = device.record();
		blocker.launchKernel({ name: 'blocker', durationNs: 1 * MS });
		low.launchKernel({ name: 'low', durationNs: 1 * MS });
		high.launchKernel({ name: 'high', durationNs: 1 * MS });
		const half = new Stream(device);
		half.launchKernel({ name: 'half-a', durationNs: 1 * MS, occupancy: 0.5 });
		await device.synchronize();
		const start = (name: string) =>
			(recording.events.find((e) => e.name === name) as TimelineEvent).start;
		// All three are ready at 0: the higher priority goes first, the rest in issue order.
		assert.is(start('high'), 0);
		assert.is(start('blocker'), 1 * MS);
		assert.is(start('low'), 2 * MS);
		assert.is(start('half-a'), 3 * MS);

		const shared = await simDevice(PROFILE);
		const [p, q] = [new Stream(shared), new Stream(shared)];
		p.launchKernel({ durationNs: 2 * MS, occupancy: 0.5 });
		q.launchKernel({ durationNs: 2 * MS, occupancy: 0.5 });
		await shared.synchronize();
		assert.is(shared.now(), 2 * MS, 'two half-occupancy kernels run side by side');
	},
);

copies.run();

const host = suite('host functions and the host clock');

host('a host function runs after the work before it and holds the work after it', async () => {
	const device = await simDevice({ ...PROFILE, hostFuncNs: 1 * MS });
	const stream = new Stream(device);
	const seen: number[] = [];
	const recording = device.record();
	stream.launchKernel({ name: 'before', durationNs: 2 * MS });
	stream.launchHostFunc(() => seen.push(1));
	stream.launchKernel({ name: 'after', durationNs: 1 * MS });
	await stream.synchronize();
	assert.equal(seen, [1]);
	const after = recording.events.find((e) => e.name === 'after') as TimelineEvent;
	assert.is(after.start, 3 * MS, '2 ms kernel + 1 ms host function');
});

host('the host pays for its calls, its work and its waits', async () => {
	const device = await simDevice({
		base: 'h200',
		launchNs: 5000,
		lightCallNs: 0,
		submitNs: 0,
		opGapNs: 0,
		wakeBlockingNs: 3000,
	});
	const stream = new Stream(device);
	stream.launchKernel({ durationNs: 1 * MS });
	assert.is(device.now(), 5000, 'one launch');
	device.hostWork(10_000);
	assert.is(device.now(), 15_000);
	await stream.synchronize();
	assert.is(
		device.now(),
		5000 + MS + 3000,
		'kernel released after the launch, then a blocking wake-up',
	);
	assert.is(device.stats().hostBusyNs, 15_000, 'a blocking wait does not keep the host busy');
});

host('a timeout is virtual: it fires at the virtual deadline', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	stream.launchKernel({ durationNs: 100 * MS });
	const { TimeoutError } = await import('../../src/errors.ts');
	await rejectsCode(
		stream.synchronize({ timeout: 50 }),
		TimeoutError,
		'ERR_TIMEOUT',
		/after 50 ms/,
	);
	assert.is(device.now(), 50 * MS);
	await stream.synchronize();
	assert.is(device.now(), 100 * MS);
});

host('a kernel spec is taken at launch: changing or reusing it later changes nothing', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const [a, b] = [device.alloc('int32', [4]), device.alloc('int32', [4])];
	const spec = { durationNs: 1000, fill: { target: a, value: 1, step: 0 } };
	stream.launchKernel(spec);
	spec.fill.target = b;
	spec.fill.value = 2;
	spec.durationNs = 5000;
	stream.launchKernel(spec);
	(spec.fill as { target: unknown }).target = null; // would have crashed the pump
	const [ha, hb] = await Promise.all([
		asyncCopyToHost(a, { stream }).get(),
		asyncCopyToHost(b, { stream }).get(),
	]);
	assert.equal([...ha, ...hb], [1, 1, 1, 1, 2, 2, 2, 2]);
	assert.is(device.now() >= 6000, true);
});

host('stats() counts up to the host clock, whatever was asked before', async () => {
	const make = async () => {
		const device = await simDevice(PROFILE);
		const stream = new Stream(device);
		stream.launchKernel({ durationNs: 1000 });
		device.hostWork(5000);
		return { device, stream };
	};
	const quiet = await make();
	const asked = await make();
	asked.stream.query();
	assert.equal(quiet.device.stats(), asked.device.stats());
	assert.is(quiet.device.stats().opsCompleted, 1);
});

host.run();
