import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { core } from '../helpers.ts';

const memory = suite('core memory');

memory('collects destroyed handlers and streams: memory stays bounded', async () => {
	const { raw } = await core();
	const start = raw.memory.buffer.byteLength;
	// 4,000 handlers of 4,096 slots each are some 130 MB if nothing were ever collected.
	for (let i = 0; i < 4000; i++) {
		const h = raw.handler_create(4096);
		assert.ok(h > 0);
		assert.is(raw.handler_destroy(h), 0);
		const s = raw.sim_stream_create(0, 0);
		assert.ok(s > 0);
		assert.is(raw.sim_stream_destroy(s), 0);
	}
	const grown = raw.memory.buffer.byteLength - start;
	assert.ok(grown < 8 << 20, `memory grew by ${grown} bytes`);
});

memory('keeps live objects across collections', async () => {
	const { raw } = await core();
	const keep = raw.handler_create(8);
	const out = raw.output_create();
	assert.is(raw.handler_submit(keep, out), 1);
	for (let i = 0; i < 500; i++) raw.handler_destroy(raw.handler_create(64));
	assert.is(raw.handler_num_pending(keep), 1);
	assert.is(raw.output_move(out, 1, 0), 0);
	assert.is(raw.output_move(out, 2, 5), 0);
	assert.is(raw.handler_poll(keep), 1);
	assert.is(raw.handler_num_completed(keep), 1);
});

memory.run();
