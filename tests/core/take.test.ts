import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode, State } from '../../src/core/codes.ts';
import { core } from '../helpers.ts';

const take = suite('output take');

take('delivers a finished output, reports its times and lets the host hold go', async () => {
	const c = await core();
	const out = c.raw.output_create();
	assert.is(c.raw.output_take(out), -CoreCode.NOT_FINISHED, 'not finished: refused');
	assert.is(c.raw.output_state(out), State.PENDING, 'and unchanged');
	c.raw.output_move(out, State.IN_PROGRESS, 100);
	c.raw.output_move(out, State.FAILED, 250);
	const live = c.raw.output_live();
	assert.is(c.raw.output_take(out), State.FAILED);
	const at = c.floatsAt();
	assert.equal([c.float(at), c.float(at + 1)], [100, 250]);
	assert.is(c.raw.output_live(), live - 1, 'the row is freed: nothing else held it');
	assert.is(c.raw.output_take(out), -CoreCode.STALE_HANDLE);
});

take('a row a handler still holds stays, delivered once', async () => {
	const c = await core();
	const h = c.raw.handler_create(2);
	const out = c.raw.output_create();
	c.raw.output_move(out, State.IN_PROGRESS, 0);
	assert.is(c.raw.handler_submit(h, out), 1);
	c.raw.output_move(out, State.COMPLETED, 9);
	assert.is(c.raw.output_take(out), State.COMPLETED);
	assert.is(c.raw.output_delivered(out), 1);
	assert.is(c.raw.output_take(out), -CoreCode.ALREADY_DELIVERED);
	assert.is(c.raw.handler_poll(h), 1);
	assert.is(c.raw.handler_clear_completed(h), 1);
	assert.is(c.raw.output_state(out), -CoreCode.STALE_HANDLE, 'freed with the last holder');
});

take.run();
