import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as assert from 'uvu/assert';
import { Event } from '../../src/api/event.ts';
import { Stream } from '../../src/api/stream.ts';
import type { CudaDevice } from '../../src/device/cuda/cuda-device.ts';
import { loadAddon } from '../../src/device/cuda/native.ts';
import { TARGETS, targetSuite } from '../device/targets.ts';

/**
 * No leak of streams, events or memory across 100,000 create/destroy cycles of each, through
 * the public API, on every CUDA target: the addon's tables, the fake driver's live objects (or
 * the GPU's free memory) and the process's resident memory are compared before and after.
 * LEAK_CYCLES changes the count. The figures are printed for the record.
 */

const CYCLES = Number(process.env.LEAK_CYCLES ?? 100_000);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settle(): Promise<void> {
	const addon = await loadAddon();
	for (let i = 0; i < 5; i++) {
		gc();
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	const start = Date.now();
	while (addon.pinnedStats().pendingFrees > 0 && Date.now() - start < 30_000) {
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

function mb(bytes: number): string {
	return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

for (const target of TARGETS.filter((t) => t.name !== 'sim')) {
	const leaks = targetSuite(`leaks: ${CYCLES} create/destroy cycles`, target);

	leaks('streams, events, device memory and pinned memory all come back', async () => {
		const device = (await target.create()) as CudaDevice;
		const stream = new Stream(device);
		try {
			const cycle = async () => {
				for (let i = 0; i < CYCLES; i++) new Stream(device).destroy();
				for (let i = 0; i < CYCLES; i++) {
					const e = new Event(device, { timing: i % 2 === 0 });
					e.record(stream);
					e.destroy();
				}
				for (let i = 0; i < CYCLES; i++) device.alloc('float32', [64]).free();
				for (let i = 0; i < CYCLES; i++) {
					device.allocHost('float32', [64]);
					if (i % 10_000 === 0) gc();
				}
				await stream.synchronize();
				await settle();
			};
			// A first round sets every high-water mark (pools, V8's heap, malloc's arenas); a leak
			// shows as growth in the second.
			await cycle();
			const before = device.nativeStats();
			const rssBefore = process.memoryUsage().rss;
			const started = Date.now();
			await cycle();
			const after = device.nativeStats();
			const rssAfter = process.memoryUsage().rss;
			const seconds = (Date.now() - started) / 1000;
			process.stdout.write(
				`\n  [${target.name}] ${CYCLES} cycles each of streams, events, device and pinned memory ` +
					`in ${seconds.toFixed(1)} s: streams ${before.streams} -> ${after.streams}, ` +
					`events ${before.events} -> ${after.events} (pooled ${before.eventPool} -> ${after.eventPool}), ` +
					`allocations ${before.allocations} -> ${after.allocations}, ` +
					`pinned blocks ${before.pinnedBlocks} -> ${after.pinnedBlocks}, ` +
					`driver ${JSON.stringify({ ...before.driver, ops: undefined })} -> ${JSON.stringify({ ...after.driver, ops: undefined })}, ` +
					`device free ${mb(before.deviceFreeBytes ?? 0)} -> ${mb(after.deviceFreeBytes ?? 0)}, ` +
					`rss ${mb(rssBefore)} -> ${mb(rssAfter)}\n`,
			);
			assert.is(after.streams, before.streams);
			assert.is(after.events, before.events);
			assert.is(after.allocations, before.allocations);
			assert.is(after.allocatedBytes, before.allocatedBytes);
			assert.is(after.pinnedBlocks, before.pinnedBlocks);
			assert.is(after.pinnedBytes, before.pinnedBytes);
			if (before.driver !== undefined && after.driver !== undefined) {
				const { ops: _a, ...was } = before.driver;
				const { ops: _b, ...now } = after.driver;
				assert.equal(now, was, 'the fake driver holds what it held before');
			}
			if (before.deviceFreeBytes !== undefined && after.deviceFreeBytes !== undefined) {
				const lost = before.deviceFreeBytes - after.deviceFreeBytes;
				assert.ok(lost < 4 * 2 ** 20, `device memory shrank by ${mb(lost)}`);
			}
			// 400,000 objects went through; a leak of even 50 bytes each would show as 20 MB.
			assert.ok(rssAfter - rssBefore < 16 * 2 ** 20, `rss grew by ${mb(rssAfter - rssBefore)}`);
		} finally {
			device.destroy();
		}
	});

	leaks.run();
}
