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

function stats(c: Core, h: number): number[] {
	return [...c.floats(c.raw.handler_stats(h))];
}

const handler = suite('handler core');

handler('returns false when full and changes nothing (backpressure)', async () => {
	const c = await core();
	const h = c.raw.handler_create(2);
	const [a, b, x] = [started(c), started(c), started(c)];
	assert.is(c.raw.handler_submit(h, a), 1);
	assert.is(c.raw.handler_submit(h, b), 1);
	assert.is(c.raw.handler_submit(h, x), 0);
	assert.is(c.raw.handler_num_pending(h), 2);
	assert.is(c.raw.output_owner(x), 0, 'the refused output belongs to no handler');
	assert.is(c.raw.handler_submit(h, x), 0, 'still refused');
	const s = stats(c, h);
	assert.is(s[0], 2, 'submitted');
	assert.is(s[1], 2, 'rejected');
});

handler('poll takes out every finished output in one call, in submission order', async () => {
	const c = await core();
	const h = c.raw.handler_create(8);
	const outs = Array.from({ length: 6 }, () => started(c));
	for (const o of outs) c.raw.handler_submit(h, o);
	// Finish out of order: 4, 1, 5, 2.
	for (const i of [4, 1, 5, 2]) c.raw.output_move(outs[i] as number, State.COMPLETED, 10);
	const n = c.raw.handler_poll(h);
	assert.equal(
		[...c.ints(n)],
		[1, 2, 4, 5].map((i) => outs[i]),
	);
	assert.is(c.raw.handler_num_pending(h), 2);
	assert.is(c.raw.handler_poll(h), 0, 'nothing new');
	c.raw.output_move(outs[3] as number, State.FAILED, 11);
	c.raw.output_move(outs[0] as number, State.CANCELLED, 12);
	const m = c.raw.handler_poll(h);
	assert.equal([...c.ints(m)], [outs[0], outs[3]]);
	const s = stats(c, h);
	assert.equal(s.slice(2, 5), [4, 1, 1], 'completed, failed, cancelled');
	assert.is(s[5], 3, 'polls');
});

handler('takes out one at a time, and clearCompleted forgets only those taken', async () => {
	const c = await core();
	const h = c.raw.handler_create(4);
	const outs = Array.from({ length: 3 }, () => started(c));
	for (const o of outs) c.raw.handler_submit(h, o);
	assert.is(c.raw.handler_take_one(h), 0, 'nothing finished');
	for (const o of outs) c.raw.output_move(o, State.COMPLETED, 1);
	assert.is(c.raw.handler_take_one(h), outs[0]);
	assert.is(c.raw.handler_taken(h), 1);
	assert.is(c.raw.handler_num_completed(h), 3);
	assert.is(c.raw.handler_clear_completed(h), 1);
	assert.equal([...c.ints(1)], [outs[0]], 'the cleared handles, for the host to forget');
	assert.is(c.raw.handler_num_completed(h), 2);
	assert.is(c.raw.output_owner(outs[0] as number), 0, 'released');
	assert.is(c.raw.output_owner(outs[1] as number), h, 'still held');
	const n = c.raw.handler_poll(h);
	assert.equal([...c.ints(n)], [outs[1], outs[2]]);
	assert.is(c.raw.handler_clear_completed(h), 2);
	assert.equal([...c.ints(2)], [outs[1], outs[2]]);
	assert.is(c.raw.handler_num_completed(h), 0);
});

handler('refuses an output already held by a handler, and stale handles', async () => {
	const c = await core();
	const h1 = c.raw.handler_create(4);
	const h2 = c.raw.handler_create(4);
	const o = started(c);
	assert.is(c.raw.handler_submit(h1, o), 1);
	assert.is(c.raw.handler_submit(h2, o), -CoreCode.ALREADY_SUBMITTED);
	assert.is(c.raw.handler_submit(h1, o), -CoreCode.ALREADY_SUBMITTED);
	assert.is(c.raw.handler_submit(h1, 999), -CoreCode.STALE_HANDLE);
	assert.is(c.raw.handler_destroy(h2), 0);
	assert.is(c.raw.handler_submit(h2, started(c)), -CoreCode.STALE_HANDLE);
	assert.is(c.raw.handler_create(0), -CoreCode.INVALID_ARGUMENT);
});

handler('keeps submission order through ring wrap-around under steady load', async () => {
	const c = await core();
	const h = c.raw.handler_create(3);
	const seen: number[] = [];
	const submitted: number[] = [];
	for (let i = 0; i < 50; i++) {
		const o = started(c);
		submitted.push(o);
		assert.is(c.raw.handler_submit(h, o), 1);
		if (c.raw.handler_num_pending(h) === 3) {
			c.raw.output_move(submitted[seen.length] as number, State.COMPLETED, i);
			seen.push(...c.ints(c.raw.handler_poll(h)));
		}
	}
	for (const o of submitted.slice(seen.length)) c.raw.output_move(o, State.COMPLETED, 99);
	seen.push(...c.ints(c.raw.handler_poll(h)));
	assert.equal(seen, submitted);
	assert.is(stats(c, h)[8], 3, 'peak pending');
});

handler.run();
