import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode, State } from '../../src/core/codes.ts';
import type { Core } from '../../src/core/core.ts';
import { core } from '../helpers.ts';

function states(c: Core, d: number): number[] {
	return [...c.ints(c.raw.db_states(d))];
}

function fence(c: Core): number {
	const o = c.raw.output_create();
	c.raw.output_move(o, State.IN_PROGRESS, 0);
	return o;
}

const db = suite('double buffer core');

db('starts with slot 0 computing and the others free', async () => {
	const c = await core();
	const d = c.raw.db_create(3);
	assert.is(c.raw.db_current(d), 0);
	assert.equal(states(c, d), [1, 0, 0]);
	assert.is(c.raw.db_create(1), -CoreCode.INVALID_ARGUMENT);
});

db('rotates through the slots, each held by its transfer fence', async () => {
	const c = await core();
	const d = c.raw.db_create(2);
	const f0 = fence(c);
	assert.is(c.raw.db_transfer(d, f0), 0);
	assert.equal(states(c, d), [2, 0]);
	assert.is(c.raw.db_fence(d, 0), f0);
	assert.is(c.raw.db_swap(d), 1, 'slot 1 is free');
	const f1 = fence(c);
	c.raw.db_transfer(d, f1);
	assert.is(c.raw.db_swap(d), -CoreCode.BUSY, 'slot 0 is still transferring');
	assert.is(c.raw.db_current(d), 1, 'nothing changed');
	assert.equal(states(c, d), [2, 2]);
	c.raw.output_move(f0, State.COMPLETED, 5);
	assert.is(c.raw.db_swap(d), 0, 'fence done: slot 0 handed out');
	assert.equal(states(c, d), [1, 2]);
	assert.is(c.raw.db_fence(d, 0), 0);
	assert.is(c.raw.db_swaps(d), 2);
});

db('refuses a second transfer of the same slot', async () => {
	const c = await core();
	const d = c.raw.db_create(2);
	c.raw.db_transfer(d, fence(c));
	assert.is(c.raw.db_transfer(d, fence(c)), -CoreCode.INVALID_TRANSITION);
});

db('gives up a computing slot that is swapped without a transfer', async () => {
	const c = await core();
	const d = c.raw.db_create(3);
	assert.is(c.raw.db_swap(d), 1);
	assert.equal(states(c, d), [0, 1, 0]);
});

db('reset is refused while a transfer is in flight, then restores the start', async () => {
	const c = await core();
	const d = c.raw.db_create(2);
	const f = fence(c);
	c.raw.db_transfer(d, f);
	c.raw.db_swap(d);
	assert.is(c.raw.db_reset(d), -CoreCode.BUSY);
	assert.is(c.raw.db_current(d), 1, 'unchanged');
	c.raw.output_move(f, State.FAILED, 1);
	assert.is(c.raw.db_reset(d), 0);
	assert.equal(states(c, d), [1, 0]);
	assert.is(c.raw.db_current(d), 0);
});

db.run();
