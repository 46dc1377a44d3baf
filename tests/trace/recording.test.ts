import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Event } from '../../src/api/event.ts';
import { Stream } from '../../src/api/stream.ts';
import { runProgram } from '../../src/device/sim/program.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import * as lib from '../../src/index.ts';
import { programRecording } from '../../src/trace/program-recording.ts';
import { Fnv64, Recording, type TimelineEvent } from '../../src/trace/recording.ts';
import { replayRecording } from '../../src/trace/recording-replay.ts';
import { EXACT, rejectsCode, simDevice } from '../helpers.ts';
import { PROGRAMS } from '../programs.ts';

const MS = 1_000_000;

const recording = suite('recording');

recording('logs every issued op with its stream, release time, duration and wait', async () => {
	const device = await simDevice({ ...EXACT, launchNs: 1000, lightCallNs: 100 });
	const a = new Stream(device, { label: 'a' });
	const b = new Stream(device, { label: 'b', priority: -1 });
	const event = new Event(device);
	const rec = device.record();

	a.launchKernel({ name: 'k1', durationNs: 2 * MS, occupancy: 0.5 });
	event.record(a);
	b.waitEvent(event);
	b.launchKernel({ name: 'k2', durationNs: 1 * MS });
	await device.synchronize();
	device.stopRecording();

	assert.equal(rec.streams, [
		{ label: 'a', priority: 0 },
		{ label: 'b', priority: -1 },
	]);
	assert.equal(rec.ops, [
		{
			stream: 0,
			kind: 'kernel',
			name: 'k1',
			engine: 'compute',
			bytes: undefined,
			releaseNs: 1000,
			durationNs: 2 * MS,
			units: 512,
			fault: undefined,
			waitFor: undefined,
		},
		{
			stream: 0,
			kind: 'event_record',
			name: 'event record',
			engine: undefined,
			bytes: undefined,
			releaseNs: 1100,
			durationNs: 0,
			units: 0,
			fault: undefined,
			waitFor: undefined,
		},
		{
			stream: 1,
			kind: 'stream_wait',
			name: 'wait event',
			engine: undefined,
			bytes: undefined,
			releaseNs: 1200,
			durationNs: 0,
			units: 0,
			fault: undefined,
			waitFor: { stream: 0, seq: 2 },
		},
		{
			stream: 1,
			kind: 'kernel',
			name: 'k2',
			engine: 'compute',
			bytes: undefined,
			releaseNs: 2200,
			durationNs: 1 * MS,
			units: 1024,
			fault: undefined,
			waitFor: undefined,
		},
	]);
	const k2 = rec.events.find((e) => e.name === 'k2') as TimelineEvent;
	assert.equal([k2.start, k2.end, k2.op], [2 * MS + 1000, 3 * MS + 1000, 3]);
	assert.is(rec.clockNs, 3 * MS + 1000);
});

recording('a wait on work from before the recording waits for nothing in it', async () => {
	const device = await simDevice(EXACT);
	const a = new Stream(device, { label: 'a' });
	const b = new Stream(device, { label: 'b' });
	a.launchKernel({ durationNs: 1 * MS });
	a.launchKernel({ durationNs: 1 * MS });
	const early = a.recordEvent();
	await device.synchronize();

	const rec = device.record();
	b.waitEvent(early); // 3 ops of a before the recording: nothing to wait for in it
	a.launchKernel({ name: 'later', durationNs: 1 * MS });
	const late = a.recordEvent();
	b.waitEvent(late);
	b.launchKernel({ name: 'after', durationNs: 1 * MS });
	await device.synchronize();
	device.stopRecording();

	assert.equal(
		rec.ops.map((o) => o.waitFor),
		[undefined, undefined, undefined, { stream: 1, seq: 2 }, undefined],
	);
	assert.equal(
		rec.streams.map((s) => s.label),
		['b', 'a'],
	);
	const replayed = await replayRecording(rec);
	assert.is(replayed.hash(), rec.hash());
});

recording('the hash ignores report order and sees every field', () => {
	const make = (events: TimelineEvent[]) => {
		const r = new Recording('test device');
		r.addStream({ label: 's', priority: 0 });
		for (const e of events) r.add(e);
		return r;
	};
	const a: TimelineEvent = { kind: 'kernel', name: 'k', lane: 's', start: 0, end: 5, op: 0 };
	const b: TimelineEvent = { kind: 'host_work', name: 'w', lane: 'host', start: 0, end: 3 };
	const base = make([a, b]).hash();
	assert.is(make([b, a]).hash(), base);
	assert.is.not(make([a, { ...b, end: 4 }]).hash(), base);
	assert.is.not(make([a, { ...b, name: 'x' }]).hash(), base);
	assert.is.not(make([{ ...a, op: undefined }, b]).hash(), base);
	assert.is.not(make([a]).hash(), base);
	assert.match(base, /^[0-9a-f]{16}$/);
});

recording('FNV-1a 64 matches the published test vectors', () => {
	const fnv = (text: string) => {
		const h = new Fnv64();
		h.text(text);
		return h.hex();
	};
	assert.is(fnv(''), 'cbf29ce484222325');
	assert.is(fnv('a'), 'af63dc4c8601ec8c');
	assert.is(fnv('foobar'), '85944171f73967e8');
});

recording.run();

const replay = suite('replayRecording');

for (const [name, program] of Object.entries(PROGRAMS)) {
	replay(`replays '${name}' to the same timeline`, async () => {
		const rec = await program(lib);
		const replayed = await replayRecording(rec);
		assert.ok(rec.events.some((e) => e.op !== undefined));
		assert.equal(replayed.sortedEvents(), rec.sortedEvents());
		assert.is(replayed.hash(), rec.hash());
	});
}

replay('a replay stops at an injected fault, as the run did', async () => {
	const rec = await (PROGRAMS['an injected fault'] as (l: typeof lib) => Promise<Recording>)(lib);
	const replayed = await replayRecording(rec);
	// 'long' is still running on the other stream when 'faults' ends: the device stops there.
	assert.equal(
		replayed
			.sortedEvents()
			.filter((e) => e.op !== undefined)
			.map((e) => e.name),
		['fine', 'faults'],
	);
	assert.equal(replayed.sortedEvents(), rec.sortedEvents());
	assert.is(rec.ops.filter((o) => o.fault === true).length, 1);
});

replay('a changed duration replays to a different timeline', async () => {
	const rec = await (PROGRAMS['decode loop, overlapped'] as (l: typeof lib) => Promise<Recording>)(
		lib,
	);
	const kernel = rec.ops.find((o) => o.kind === 'kernel') as { durationNs: number };
	kernel.durationNs += 1000;
	const replayed = await replayRecording(rec);
	assert.is.not(replayed.hash(), rec.hash());
	const first = (r: Recording) => r.sortedEvents().find((e) => e.kind === 'kernel')?.end;
	assert.is((first(replayed) as number) - (first(rec) as number), 1000);
});

replay('refuses what it cannot replay, with a clear error', async () => {
	const program = {
		streams: [{ label: 's', ops: [{ kind: 'kernel' as const, name: 'k', durationNs: 5 }] }],
		lanes: [
			{ label: 'host 1', steps: [{ kind: 'launch' as const, stream: 0, index: 0, delayNs: 0 }] },
		],
	};
	const traced = programRecording('simulated', program, await runProgram(program));
	await rejectsCode(
		replayRecording(traced),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		'replayRecording(): the recording has device work but no issued operations to replay (a profiler-trace replay cannot be issued again)',
	);
	await rejectsCode(
		replayRecording({} as Recording),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		'Expected a Recording for recording, got Object (object)',
	);
});

replay.run();
