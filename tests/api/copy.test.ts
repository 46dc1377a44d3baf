import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asyncCopyBatch, asyncCopyToHost } from '../../src/api/copy.ts';
import { Stream } from '../../src/api/stream.ts';
import { BusyError } from '../../src/errors.ts';
import { EXACT, simDevice, throwsCode } from '../helpers.ts';

/** asyncCopyToHost and asyncCopyBatch (src/api/copy.ts). */

const PROFILE = { ...EXACT, d2hPinnedGBps: 1 };
const copy = suite('asyncCopyToHost');

copy(
	'a pinned destination holding a result nobody took is refused, never overwritten',
	async () => {
		// Three copies into three pinned arrays, in a ring, while only some results are taken: the
		// copy that comes round to an array whose result was not taken yet is refused.
		const device = await simDevice(PROFILE);
		const stream = new Stream(device);
		const src = device.alloc('int32', [4]);
		const ring = [0, 1].map(() => device.allocHost('int32', [4]));
		const outs = [];
		for (let i = 0; i < 2; i++) {
			stream.launchKernel({ durationNs: 1000, fill: { target: src, value: i, step: 0 } });
			outs.push(asyncCopyToHost(src, { stream, into: ring[i], label: `step ${i}` }));
		}
		await stream.synchronize();
		stream.launchKernel({ durationNs: 1000, fill: { target: src, value: 2, step: 0 } });
		throwsCode(
			() => asyncCopyToHost(src, { stream, into: ring[0] }),
			BusyError,
			'ERR_BUSY',
			"asyncCopyToHost(): options.into: the array still holds the result of 'step 0', which was not taken yet; get() or cancel() that output first",
		);
		assert.equal([...(await (outs[0] as (typeof outs)[0]).get())], [0, 0, 0, 0], 'its own values');

		// Taken: the array may be the destination again; the new copy delivers the new values.
		const again = asyncCopyToHost(src, { stream, into: ring[0], label: 'step 2' });
		assert.equal([...(await again.get())], [2, 2, 2, 2]);
		assert.equal([...(await (outs[1] as (typeof outs)[0]).get())], [1, 1, 1, 1]);
	},
);

copy('a cancelled output lets go of its destination once its copy is done', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const src = device.alloc('uint8', [1000]);
	const into = device.allocHost('uint8', [1000]);
	const dropped = asyncCopyToHost(src, { stream, into, label: 'dropped' });
	dropped.cancel();
	assert.is(into.heldBy, undefined, 'nobody will take a cancelled result');
	throwsCode(
		() => asyncCopyToHost(src, { stream, into }),
		BusyError,
		'ERR_BUSY',
		'asyncCopyToHost(): options.into is still used by a copy in flight',
	);
	await stream.synchronize();
	const next = asyncCopyToHost(src, { stream, into, label: 'next' });
	assert.is(into.heldBy, 'next');
	await next.get();
	assert.is(into.heldBy, undefined);
});

copy('a pageable destination is filled before the call returns', async () => {
	const device = await simDevice({ ...PROFILE, d2hPageableGBps: 0.5 });
	const stream = new Stream(device);
	const src = device.alloc('float32', [250]); // 1000 B: 2 us at 0.5 B/ns
	stream.launchKernel({ durationNs: 3000, fill: { target: src, value: 1.5, step: 0 } });
	const into = new Float32Array(250);
	const out = asyncCopyToHost(src, { stream, into });
	assert.is(device.now(), 5000, 'the host waited for the kernel and the copy');
	assert.is(into[249], 1.5);
	assert.is(out.state, 'completed');
	assert.is(await out.get(), into);
});

const batch = suite('asyncCopyBatch');

batch('several arrays behind one event, delivered together once', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device);
	const a = device.alloc('int32', [250]);
	const b = device.alloc('uint8', [500]);
	stream.launchKernel({ durationNs: 1000, fill: { target: a, value: 0, step: 1 } });
	stream.launchKernel({ durationNs: 1000, fill: { target: b, value: 9, step: 0 } });
	const out = asyncCopyBatch([a, b], { stream });
	const [ha, hb] = await out.get();
	assert.is(device.now(), 2000 + 1000 + 500, 'two kernels, then 1000 B and 500 B of copies');
	assert.equal(
		[(ha as Int32Array)[0], (ha as Int32Array)[249], (hb as Uint8Array)[499]],
		[0, 249, 9],
	);
	assert.is(await out.get().catch((e) => e.code), 'ERR_ALREADY_DELIVERED');
});

copy.run();
batch.run();
