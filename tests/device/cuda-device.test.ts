import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as assert from 'uvu/assert';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import type { CudaDevice } from '../../src/device/cuda/cuda-device.ts';
import { TARGETS, targetSuite } from './targets.ts';

/**
 * What the CUDA device does beyond the shared contract (tests/device/contract.test.ts): its
 * recording of real GPU times, its profile, host work, how few threads its waits need, and what
 * outlives destroy(). Run on every CUDA target.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MS = 1_000_000;

for (const target of TARGETS.filter((t) => t.name !== 'sim')) {
	const cuda = targetSuite('CUDA device', target);

	cuda('records each operation with its GPU start and end on the host clock', async () => {
		const device = (await target.create()) as CudaDevice;
		try {
			const compute = new Stream(device, { label: 'compute' });
			const copy = new Stream(device, { label: 'copy' });
			const src = device.alloc('float32', [1024]);
			const recording = device.record();
			compute.launchKernel({ name: 'k', durationNs: 5 * MS, fill: { target: src, value: 1 } });
			const out = asyncCopyToHost(src, { stream: copy, after: compute });
			await out.get();
			device.hostWork(0.2 * MS);
			assert.is(device.stopRecording(), recording);
			const kernel = recording.events.find((e) => e.kind === 'kernel');
			const d2h = recording.events.find((e) => e.kind === 'copy_d2h');
			const work = recording.events.find((e) => e.kind === 'host_work');
			assert.ok(kernel !== undefined && d2h !== undefined && work !== undefined);
			assert.equal([kernel.name, kernel.lane, kernel.engine], ['k', 'compute', 'compute']);
			assert.equal([d2h.lane, d2h.engine, d2h.bytes], ['copy', 'copy D2H', 4096]);
			// Absolute times carry the calibration of the GPU's clock to the host's (microseconds
			// on a GPU, more on a loaded machine); durations and order between entries do not.
			assert.ok(kernel.end - kernel.start >= 4.9 * MS, 'the kernel runs its 5 ms');
			assert.ok(d2h.start >= kernel.end - 0.05 * MS, 'the copy waited for the kernel');
			assert.ok(work.end - work.start >= 0.2 * MS);
			assert.ok(device.stats().computeBusyNs >= 4.9 * MS);
			assert.ok(device.stats().hostBusyNs >= 0.2 * MS);
		} finally {
			device.destroy();
		}
	});

	cuda('reports the profile matching the GPU, or the one asked for', async () => {
		const device = (await target.create()) as CudaDevice;
		try {
			assert.is(device.kind, 'cuda');
			assert.is(device.name, device.info.name);
			if (device.info.fake) {
				assert.is(device.profile.id, 'cuda-unmatched');
				assert.match(device.profile.sources.note as string, /not measured/);
			}
		} finally {
			device.destroy();
		}
	});

	cuda('waits on many outputs of one stream need one watcher thread, not one each', async () => {
		const device = (await target.create()) as CudaDevice;
		try {
			const stream = new Stream(device);
			const src = device.alloc('int32', [16]);
			const handler = new AsyncOutputHandler({ device, maxPending: 64 });
			for (let i = 0; i < 50; i++) {
				stream.launchKernel({ durationNs: 0.2 * MS });
				handler.submit(asyncCopyToHost(src, { stream }));
			}
			const done = await handler.waitAll();
			assert.is(done.length, 50);
			const stats = device.nativeStats();
			assert.ok(stats.waiterThreads <= 8, `${stats.waiterThreads} threads`);
			assert.ok(stats.waitsStarted <= 50, `${stats.waitsStarted} waits`);
		} finally {
			device.destroy();
		}
	});

	cuda(
		'pinned memory stays readable after destroy(); device memory is freed when dropped',
		async () => {
			const device = (await target.create()) as CudaDevice;
			const pinned = device.allocHost('int32', [4]);
			pinned.write([1, 2, 3, 4]);
			let dropped = device.alloc('uint8', [1 << 20]);
			const before = device.nativeStats().allocations;
			dropped = device.alloc('uint8', [1 << 10]);
			void dropped;
			for (let i = 0; i < 5; i++) {
				gc();
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
			assert.is(device.nativeStats().allocations, before, 'the first array was collected');
			device.destroy();
			assert.equal([...pinned.read()], [1, 2, 3, 4]);
		},
	);

	cuda.run();
}
