import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode, State } from '../../src/core/codes.ts';
import { core } from '../helpers.ts';

const barrier = suite('barrier core');

barrier('counts arrivals in one pass and can be reused after reset', async () => {
	const { raw } = await core();
	const b = raw.barrier_create(3);
	const outs = [0, 1, 2].map(() => {
		const o = raw.output_create();
		raw.output_move(o, State.IN_PROGRESS, 0);
		return o;
	});
	for (const [i, o] of outs.entries()) assert.is(raw.barrier_add(b, o), i + 1);
	assert.is(raw.barrier_arrived(b), 0);
	raw.output_move(outs[1] as number, State.COMPLETED, 1);
	raw.output_move(outs[2] as number, State.FAILED, 1);
	assert.is(raw.barrier_arrived(b), 2);
	assert.is(raw.barrier_first_failed(b), outs[2]);
	raw.output_move(outs[0] as number, State.COMPLETED, 2);
	assert.is(raw.barrier_arrived(b), 3);

	assert.is(raw.barrier_reset(b), 1, 'generation 1');
	assert.is(raw.barrier_added(b), 0);
	assert.is(raw.barrier_arrived(b), 0);
	assert.is(raw.barrier_first_failed(b), 0);
	const again = raw.output_create();
	assert.is(raw.barrier_add(b, again), 1);
	assert.is(raw.barrier_generation(b), 1);
});

barrier('refuses a duplicate, an extra output, and a count of 0', async () => {
	const { raw } = await core();
	const b = raw.barrier_create(2);
	const o = raw.output_create();
	raw.barrier_add(b, o);
	assert.is(raw.barrier_add(b, o), -CoreCode.DUPLICATE);
	raw.barrier_add(b, raw.output_create());
	assert.is(raw.barrier_add(b, raw.output_create()), -CoreCode.FULL);
	assert.is(raw.barrier_added(b), 2);
	assert.is(raw.barrier_create(0), -CoreCode.INVALID_ARGUMENT);
});

barrier.run();
