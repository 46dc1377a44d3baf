import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
	CoreCode,
	Engine,
	OpKind,
	Rec,
	RunMode,
	State,
	Stop,
	StreamKind,
} from '../../src/core/codes.ts';
import type { Core } from '../../src/core/core.ts';
import { core } from '../helpers.ts';

function started(c: Core): number {
	const h = c.raw.output_create();
	c.raw.output_move(h, State.IN_PROGRESS, 0);
	return h;
}

const ring = suite('ring batch push');

ring('pushes the input area in order, as many as fit in a bounded ring', async () => {
	const c = await core();
	const r = c.raw.ring_create(8, 0);
	c.input(5).set([1, 2, 3, 4, 5]);
	assert.is(c.raw.ring_push_input(r, 5), 5);
	c.input(5).set([6, 7, 8, 9, 10]);
	assert.is(c.raw.ring_push_input(r, 5), 3, 'only 3 fit');
	assert.is(c.raw.ring_length(r), 8);
	const n = c.raw.ring_shift_many(r, 8);
	assert.equal([...c.ints(n)], [1, 2, 3, 4, 5, 6, 7, 8]);
});

ring('grows a growable ring to take the whole batch', async () => {
	const c = await core();
	const r = c.raw.ring_create(2, 1);
	const items = Array.from({ length: 3000 }, (_, i) => i * 3);
	c.input(items.length).set(items);
	assert.is(c.raw.ring_push_input(r, items.length), 3000);
	assert.is(c.raw.ring_length(r), 3000);
	assert.equal([...c.ints(c.raw.ring_shift_many(r, 3000))], items);
});

ring.run();

const submit = suite('handler batch submit');

submit('queues in order until full; the rest count as refused', async () => {
	const c = await core();
	const h = c.raw.handler_create(3);
	const outputs = [started(c), started(c), started(c), started(c), started(c)];
	c.input(5).set(outputs);
	assert.is(c.raw.handler_submit_many(h, 5), 3);
	assert.equal([...c.ints(c.raw.handler_pending(h))], outputs.slice(0, 3));
	assert.is(c.raw.output_owner(outputs[0] as number), h);
	assert.is(c.raw.output_owner(outputs[3] as number), 0, 'a refused output belongs to no one');
	const stats = [...c.floats(c.raw.handler_stats(h))];
	assert.is(stats[0], 3, 'submitted');
	assert.is(stats[1], 2, 'rejected');
	assert.is(stats[8], 3, 'peak pending');
});

submit('a stale, owned or repeated output refuses the whole batch, changing nothing', async () => {
	const c = await core();
	const h = c.raw.handler_create(8);
	const other = c.raw.handler_create(8);
	const [a, b, owned] = [started(c), started(c), started(c)];
	assert.is(c.raw.handler_submit(other, owned), 1);
	const stale = c.raw.output_create();
	c.raw.output_release(stale);

	for (const [batch, code, at] of [
		[[a, b, stale], CoreCode.STALE_HANDLE, 2],
		[[a, owned, b], CoreCode.ALREADY_SUBMITTED, 1],
		[[a, b, a], CoreCode.DUPLICATE, 2],
	] as const) {
		c.input(batch.length).set(batch);
		assert.is(c.raw.handler_submit_many(h, batch.length), -code);
		assert.is(c.ints(1)[0], at, 'the position of the output refused');
		assert.is(c.raw.handler_num_pending(h), 0);
		assert.is(c.raw.output_owner(a), 0);
		assert.is(c.raw.output_owner(b), 0);
		assert.is(c.raw.output_owner(owned), other);
	}
	c.input(2).set([a, b]);
	assert.is(c.raw.handler_submit_many(h, 2), 2, 'the same outputs go in once the batch is good');
	assert.is(c.raw.handler_submit_many(c.raw.handler_create(1) + 1, 0), -CoreCode.STALE_HANDLE);
});

submit('outputs submitted in a batch are polled in submission order', async () => {
	const c = await core();
	const h = c.raw.handler_create(4);
	const outputs = [started(c), started(c), started(c), started(c)];
	c.input(4).set(outputs);
	assert.is(c.raw.handler_submit_many(h, 4), 4);
	c.raw.output_move(outputs[2] as number, State.COMPLETED, 1);
	c.raw.output_move(outputs[0] as number, State.COMPLETED, 2);
	assert.equal([...c.ints(c.raw.handler_poll(h))], [outputs[0], outputs[2]]);
});

submit.run();

const ops = suite('scheduler batch enqueue');

/** Runs a core to idle; returns [slot, stream, start, end] of every op that ended. */
function runAll(c: Core): number[][] {
	const ended: number[][] = [];
	for (;;) {
		const stop = c.raw.sim_run(RunMode.UNTIL_IDLE, 0);
		const report = c.report();
		for (let at = 0; at < report.length; at += Rec.LANES) {
			if (report[at] === Rec.OP_END) {
				ended.push([report[at + 1], report[at + 3], report[at + 4], report[at + 5]] as number[]);
			}
		}
		if (stop !== Stop.REPORT_FULL) return ended;
	}
}

ops('enqueues a batch of records as the one-op calls would, in order', async () => {
	const [one, batch] = [await core(), await core()];
	const mk = (c: Core) => [c.raw.sim_stream_create(0, 0), c.raw.sim_stream_create(0, 0)];
	const [a1, b1] = mk(one) as [number, number];
	const slotsOne = [
		one.raw.sim_enqueue(a1, OpKind.KERNEL, Engine.COMPUTE, 500, 1024, 0, 0),
		one.raw.sim_enqueue(a1, OpKind.MARKER, Engine.NONE, 0, 0, 0, 0),
		one.raw.sim_enqueue_wait(b1, a1, 2, 0),
		one.raw.sim_enqueue(b1, OpKind.COPY_D2H, Engine.D2H, 300, 0, 10, 0),
	];
	const [a2, b2] = mk(batch) as [number, number];
	batch
		.inputFloats(4 * 8)
		.set([
			...[a2, OpKind.KERNEL, Engine.COMPUTE, 500, 1024, 0, 0, 0],
			...[a2, OpKind.MARKER, Engine.NONE, 0, 0, 0, 0, 0],
			...[b2, OpKind.WAIT, Engine.NONE, 0, 0, 0, a2, 2],
			...[b2, OpKind.COPY_D2H, Engine.D2H, 300, 0, 10, 0, 0],
		]);
	assert.is(batch.raw.sim_enqueue_batch(4), 4);
	assert.equal([...batch.ints(4)], slotsOne);
	assert.is(batch.raw.sim_stream_issued(b2), 2);
	assert.equal(runAll(batch), runAll(one));
	assert.is(batch.raw.sim_now(), 800, 'the copy waited for the kernel');
});

ops('launches from a host lane release ops loaded unreleased', async () => {
	const c = await core();
	const dev = c.raw.sim_stream_create(StreamKind.DEVICE, 0);
	const lane = c.raw.sim_stream_create(StreamKind.HOST, 0);
	c.inputFloats(8).set([dev, OpKind.KERNEL, Engine.COMPUTE, 100, 1024, -1, 0, 0]);
	assert.is(c.raw.sim_enqueue_batch(1), 1);
	const kernel = c.ints(1)[0] as number;
	c.inputFloats(16).set([
		...[lane, OpKind.HOST_WORK, Engine.LANE, 250, 0, 0, 0, 0],
		...[lane, OpKind.LAUNCH, Engine.NONE, 0, 0, 0, kernel, 40],
	]);
	assert.is(c.raw.sim_enqueue_batch(2), 2);
	const kernelRun = runAll(c).find((r) => r[0] === kernel);
	assert.equal(kernelRun?.slice(2), [290, 390], 'released 40 ns after the launch at 250');
});

ops('stops at a refused record with its code in place; those before stay enqueued', async () => {
	const c = await core();
	const s = c.raw.sim_stream_create(0, 0);
	c.inputFloats(24).set([
		...[s, OpKind.KERNEL, Engine.COMPUTE, 5, 1024, 0, 0, 0],
		...[s + 1, OpKind.KERNEL, Engine.COMPUTE, 5, 1024, 0, 0, 0],
		...[s, OpKind.KERNEL, Engine.COMPUTE, 5, 1024, 0, 0, 0],
	]);
	assert.is(c.raw.sim_enqueue_batch(3), 1);
	assert.is(c.ints(2)[1], -CoreCode.STALE_HANDLE);
	assert.is(c.raw.sim_stream_issued(s), 1);
	assert.is(c.raw.sim_enqueue_batch(-1), -CoreCode.INVALID_ARGUMENT);
});

ops.run();

const input = suite('input area');

input('grows to any batch, the views taken after the growth', async () => {
	const c = await core();
	const before = c.raw.memory.buffer.byteLength;
	const floats = c.inputFloats(4 << 20);
	floats[(4 << 20) - 1] = 7;
	assert.ok(c.raw.memory.buffer.byteLength > before, 'memory grew');
	assert.is(c.inputFloats(4 << 20)[(4 << 20) - 1], 7);
	const ints = c.input(8 << 20);
	ints[(8 << 20) - 1] = 9;
	assert.is(c.input(8 << 20)[(8 << 20) - 1], 9);
});

input.run();

const reset = suite('scheduler reset');

reset('a reset device runs the same work to the same timeline as a fresh one', async () => {
	const c = await core();
	const load = () => {
		const s = c.raw.sim_stream_create(0, 0);
		c.inputFloats(16).set([
			...[s, OpKind.KERNEL, Engine.COMPUTE, 700, 1024, 0, 0, 0],
			...[s, OpKind.COPY_D2H, Engine.D2H, 300, 0, 50, 0, 0],
		]);
		assert.is(c.raw.sim_enqueue_batch(2), 2);
	};
	load();
	const first = runAll(c);
	assert.is(c.raw.sim_now(), 1000);
	c.raw.sim_reset();
	assert.is(c.raw.sim_now(), 0);
	assert.is(c.raw.sim_queued_ops(), 0);
	assert.is(c.raw.sim_completed_ops(), 0);
	assert.is(c.raw.sim_engine_busy(Engine.COMPUTE), 0);
	load();
	assert.equal(runAll(c), first);
	const handler = c.raw.handler_create(2);
	c.raw.sim_reset();
	assert.is(c.raw.handler_num_pending(handler), 0, 'handlers are left alone');
});

reset.run();

const refill = suite('streams loaded in windows');

refill('a run stops before the instant in which a stream would hold too few ops', async () => {
	const c = await core();
	const raw = c.raw;
	const s = raw.sim_stream_create(StreamKind.DEVICE, 0);
	assert.is(raw.sim_stream_refill_at(s, 3), 0);
	assert.is(raw.sim_run(RunMode.UNTIL_IDLE, 0), Stop.REFILL, 'an empty window stops at once');
	for (let i = 0; i < 3; i++) raw.sim_enqueue(s, OpKind.KERNEL, Engine.COMPUTE, 100, 1024, 0, 0);
	assert.is(raw.sim_run(RunMode.UNTIL_IDLE, 0), Stop.REFILL);
	assert.is(raw.sim_now(), 100, 'after the first kernel, two are left');
	assert.is(raw.sim_stream_completed(s), 1);
	raw.sim_enqueue(s, OpKind.KERNEL, Engine.COMPUTE, 100, 1024, 0, 0);
	assert.is(raw.sim_run(RunMode.UNTIL_IDLE, 0), Stop.REFILL, 'three again, then two');
	assert.is(raw.sim_now(), 200);
	assert.is(raw.sim_stream_refill_at(s, 0), 0, 'the last window');
	assert.is(raw.sim_run(RunMode.UNTIL_IDLE, 0), Stop.IDLE);
	assert.is(raw.sim_now(), 400);
});

refill('refuses a stale stream and a negative mark', async () => {
	const c = await core();
	const raw = c.raw;
	const s = raw.sim_stream_create(StreamKind.DEVICE, 0);
	assert.is(raw.sim_stream_refill_at(s, -1), -CoreCode.INVALID_ARGUMENT);
	raw.sim_stream_destroy(s);
	assert.is(raw.sim_stream_refill_at(s, 1), -CoreCode.STALE_HANDLE);
	assert.is(raw.sim_run(RunMode.UNTIL_IDLE, 0), Stop.IDLE);
});

refill('the issue order set for the next ops breaks ties between streams', async () => {
	// Two kernels that fill the engine, ready together: the one with the lower order goes first.
	const c = await core();
	const raw = c.raw;
	const a = raw.sim_stream_create(StreamKind.DEVICE, 0);
	const b = raw.sim_stream_create(StreamKind.DEVICE, 0);
	raw.sim_set_order(10);
	const late = raw.sim_enqueue(a, OpKind.KERNEL, Engine.COMPUTE, 100, 1024, 0, 0);
	raw.sim_set_order(5);
	const early = raw.sim_enqueue(b, OpKind.KERNEL, Engine.COMPUTE, 100, 1024, 0, 0);
	assert.equal(runAll(c), [
		[early, b, 0, 100],
		[late, a, 100, 200],
	]);
});

refill.run();
