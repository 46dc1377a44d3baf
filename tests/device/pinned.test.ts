import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { Stream } from '../../src/api/stream.ts';
import { EXACT, simDevice } from '../helpers.ts';

const pinned = suite('simulated pinned memory');

pinned('small arrays share slabs without overlapping; copies land in their own', async () => {
	const device = await simDevice(EXACT);
	const stream = new Stream(device);
	const arrays = Array.from({ length: 40 }, (_, i) => device.allocHost('float64', [(i % 5) + 1]));
	const shared = new Set(arrays.map((a) => a.data.buffer));
	assert.ok(shared.size < arrays.length, 'carved from slabs');
	for (const [i, a] of arrays.entries()) {
		assert.is(a.data.byteOffset % 8, 0, 'aligned');
		a.write(Array.from({ length: a.length }, () => i));
	}
	for (const [i, a] of arrays.entries())
		assert.ok(
			a.read().every((v) => v === i),
			`array ${i}`,
		);

	const src = device.alloc('float32', [3]);
	stream.launchKernel({ durationNs: 10, fill: { target: src, value: 5, step: 1 } });
	const [before, into, after] = [1, 3, 1].map((n) => device.allocHost('float32', [n]));
	before?.write([-1]);
	after?.write([-2]);
	const values = await asyncCopyToHost(src, { stream, into }).get();
	assert.equal([...values], [5, 6, 7]);
	assert.equal([...(before?.read() ?? [])], [-1], 'the neighbours are untouched');
	assert.equal([...(after?.read() ?? [])], [-2]);
});

pinned('large arrays get a buffer of their own', async () => {
	const device = await simDevice(EXACT);
	const big = device.allocHost('uint8', [8192]);
	assert.is(big.data.buffer.byteLength, 8192);
	assert.is(big.data.byteOffset, 0);
	assert.is(device.allocHost('int32', [0]).length, 0);
});

pinned.run();
