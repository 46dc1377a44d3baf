import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode } from '../../src/core/codes.ts';
import { core } from '../helpers.ts';

const ring = suite('ring queue');

ring('rounds the capacity up to a power of two', async () => {
	const { raw } = await core();
	assert.is(raw.ring_capacity(raw.ring_create(5, 0)), 8);
	assert.is(raw.ring_capacity(raw.ring_create(8, 0)), 8);
	assert.is(raw.ring_capacity(raw.ring_create(1, 0)), 1);
	assert.is(raw.ring_capacity(raw.ring_create(1000, 0)), 1024);
});

ring('refuses a push when full and a shift when empty, changing nothing', async () => {
	const { raw } = await core();
	const r = raw.ring_create(4, 0);
	assert.is(raw.ring_shift(r), -CoreCode.NOT_FINISHED, 'empty');
	for (let i = 0; i < 4; i++) assert.is(raw.ring_push(r, 10 + i), 1);
	assert.is(raw.ring_push(r, 99), 0, 'full');
	assert.is(raw.ring_length(r), 4);
	assert.equal(
		[0, 1, 2, 3].map(() => raw.ring_shift(r)),
		[10, 11, 12, 13],
	);
	assert.is(raw.ring_length(r), 0);
});

ring('keeps FIFO order across many wrap-arounds', async () => {
	const c = await core();
	const { raw } = c;
	const r = raw.ring_create(8, 0);
	let next = 0;
	let expected = 0;
	for (let round = 0; round < 100; round++) {
		const pushed = raw.ring_push_many(r, next, 5);
		assert.is(pushed, 5);
		next += 5;
		const n = raw.ring_shift_many(r, 5);
		assert.equal(
			[...c.ints(n)],
			[0, 1, 2, 3, 4].map((i) => expected + i),
		);
		expected += 5;
	}
});

ring('keeps order when the 32-bit head and tail counters wrap', async () => {
	const c = await core();
	const { raw } = c;
	const r = raw.ring_create(4, 0);
	assert.is(raw.ring_seek(r, 0xfffffffe), 0);
	assert.is(raw.ring_push_many(r, 1, 4), 4);
	assert.is(raw.ring_length(r), 4);
	assert.is(raw.ring_push(r, 5), 0, 'still full across the wrap');
	const n = raw.ring_shift_many(r, 4);
	assert.equal([...c.ints(n)], [1, 2, 3, 4]);
	assert.is(raw.ring_length(r), 0);
});

ring('grows when made growable, keeping order', async () => {
	const c = await core();
	const { raw } = c;
	const r = raw.ring_create(2, 1);
	raw.ring_push(r, 1);
	raw.ring_shift(r);
	assert.is(raw.ring_push_many(r, 100, 37), 37);
	assert.is(raw.ring_capacity(r), 64);
	const n = raw.ring_shift_many(r, 100);
	assert.is(n, 37);
	assert.equal(
		[...c.ints(n)],
		Array.from({ length: 37 }, (_, i) => 100 + i),
	);
});

ring.run();
