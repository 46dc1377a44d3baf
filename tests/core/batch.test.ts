import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode, State } from '../../src/core/codes.ts';
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
