import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asyncCopyBatch, asyncCopyToHost } from '../../src/api/copy.ts';
import { Stream } from '../../src/api/stream.ts';
import { BusyError, DeviceFaultError, InvalidStateError } from '../../src/errors.ts';
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

copy('a pageable copy behind a kernel that never ends throws instead of returning', async () => {
	const device = await simDevice(PROFILE);
	const stream = new Stream(device, { label: 'stuck' });
	const src = device.alloc('float32', [4]);
	stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
	const into = new Float32Array(4).fill(-1);
	throwsCode(
		() => asyncCopyToHost(src, { stream, into }),
		InvalidStateError,
		'ERR_INVALID_STATE',
		'asyncCopyToHost(): the pageable copy can never finish (its stream is stuck behind work that never ends), so the call would block for ever',
	);
	assert.equal([...into], [-1, -1, -1, -1], 'nothing was written');
	assert.is(stream.query(), false);
});

copy('a host write through a read() view under a host-to-device copy is caught', async () => {
	// write() is refused while the copy reads the array; a view kept from read() is not, so the
	// simulated device compares what the copy sends with what the array held when issued.
	const device = await simDevice({ ...PROFILE, h2dPinnedGBps: 1 });
	const stream = new Stream(device, { label: 'up' });
	const src = device.allocHost('int32', [4]);
	src.write([1, 2, 3, 4]);
	const dst = device.alloc('int32', [4]);
	stream.launchKernel({ durationNs: 5000 });
	stream.copyToDevice(dst, src);
	src.read()[0] = 100; // a race on a GPU: the copy may send either value
	await stream.synchronize().catch(() => {});
	const fatal = device.fatal as DeviceFaultError;
	assert.instance(fatal, DeviceFaultError);
	assert.is(fatal.cudaError, 'HOST_WRITE_RACE');
	assert.is(
		fatal.message,
		'copy H2D pinned on up: the host wrote its source while the copy read it (through a view from read()); the copy sent the changed bytes, as a GPU would',
	);
});

copy('an untouched pinned source is sent as it was when the copy was issued', async () => {
	const device = await simDevice({ ...PROFILE, h2dPinnedGBps: 1 });
	const stream = new Stream(device);
	const src = device.allocHost('int32', [4]);
	src.write([1, 2, 3, 4]);
	const dst = device.alloc('int32', [4]);
	stream.copyToDevice(dst, src);
	assert.equal([...(await asyncCopyToHost(dst, { stream }).get())], [1, 2, 3, 4]);
	assert.is(device.fatal, undefined);
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
