import { asyncCopyToHost } from '../../src/api/copy.ts';
import { Event } from '../../src/api/event.ts';
import { Stream } from '../../src/api/stream.ts';
import { CudaDevice } from '../../src/device/cuda/cuda-device.ts';
import type { Device } from '../../src/device/device.ts';
import { DeviceFaultError } from '../../src/errors.ts';
import { EXACT, simDevice } from '../helpers.ts';

/**
 * Scenarios that need a process of their own, run by tests through `node --import tsx
 * tests/device/child.ts <device> <scenario>`: a sticky fault (it breaks the GPU context for the
 * whole process, as CUDA's do), and a process that must exit on its own. Each prints one line of
 * JSON that the test checks.
 */

const [target, scenario] = process.argv.slice(2);

async function open(): Promise<Device> {
	if (target === 'sim') return simDevice(EXACT);
	if (target === 'cuda') return CudaDevice.create();
	const fake = new URL('../../native/build/fake/libfakecuda.so', import.meta.url).pathname;
	return CudaDevice.create({ driver: process.env.ASYNC_OUTPUT_FAKE_DRIVER ?? fake });
}

const device = await open();
const report = (result: unknown) => process.stdout.write(`${JSON.stringify(result)}\n`);

if (scenario === 'fault') {
	// A kernel hits an illegal address while a copy waits behind it on another stream.
	const a = new Stream(device, { label: 'a' });
	const b = new Stream(device, { label: 'b' });
	const src = device.alloc('int32', [1024]);
	// Held until this script awaits, so that the fault cannot surface while it issues work.
	a.launchHostFunc(() => {});
	a.launchKernel({ durationNs: 1e6, fault: true });
	b.waitStream(a);
	const out = asyncCopyToHost(src, { stream: b });
	const sync = a.synchronize().then(
		() => undefined,
		(error: unknown) => error,
	);
	const got = out.get().then(
		() => undefined,
		(error: unknown) => error,
	);
	const error = (await sync) as DeviceFaultError | undefined;
	const later = (() => {
		try {
			new Event(device);
			return undefined;
		} catch (caught) {
			return caught;
		}
	})();
	report({
		syncError: error?.name,
		code: error?.code,
		cudaError: error?.cudaError,
		sticky: /sticky/.test(error?.message ?? ''),
		sameLater: later === error,
		fatalSame: device.fatal === error,
		outputState: out.state,
		getSame: (await got) === error,
		isFault: error instanceof DeviceFaultError,
	});
	process.exit(0);
}

if (scenario === 'exit-idle') {
	// Work issued, a wait abandoned by its timeout on a kernel that never ends, nothing
	// destroyed: the process must still exit by itself.
	const s = new Stream(device);
	const src = device.alloc('float32', [256]);
	s.launchKernel({ durationNs: 2e6, fill: { target: src, value: 1 } });
	const out = asyncCopyToHost(src, { stream: s });
	const values = await out.get();
	const never = new Stream(device);
	never.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
	const timedOut = await never.synchronize({ timeout: 20 }).then(
		() => 'resolved',
		(error: Error) => error.name,
	);
	let ran = false;
	s.launchHostFunc(() => {
		ran = true;
	});
	process.on('exit', () => report({ first: values[0], timedOut, hostFuncRan: ran }));
}
