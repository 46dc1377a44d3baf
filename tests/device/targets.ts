import { existsSync } from 'node:fs';
import { suite, type Test } from 'uvu';
import { probeCuda } from '../../src/device/create.ts';
import { CudaDevice } from '../../src/device/cuda/cuda-device.ts';
import { loadAddon } from '../../src/device/cuda/native.ts';
import type { Device } from '../../src/device/device.ts';
import type { SimDevice } from '../../src/device/sim/sim-device.ts';
import { EXACT, simDevice } from '../helpers.ts';

/**
 * The devices the API and semantics suites run against: the simulated device always, the CUDA
 * device where a GPU is present, and the CUDA device on the test-only fake driver where the
 * addon and the fake are built. A device that is not available still gets its suites, every case
 * skipped by the check: uvu's summary counts them, and the reasons are printed after it.
 *
 * The fake driver runs the addon's threads, promises and bounds checks on the CPU in real time;
 * it says nothing about a GPU (scripts/gpu-check.sh does).
 */

export interface Target {
	readonly name: 'sim' | 'cuda' | 'cuda-fake';
	/** Undefined when available, else why not. */
	readonly unavailable: string | undefined;
	/** Times are real (tests then assert order and values, never exact durations). */
	readonly realTime: boolean;
	/** A fresh device (the caller destroys it). */
	create(): Promise<Device>;
	/** Arguments for a child process that opens the same device (tests/device/child.ts). */
	readonly child: string;
}

const ROOT = new URL('../..', import.meta.url).pathname;
/** The test-only fake driver, built by npm install (scripts/build-native.mjs), or another build. */
export const FAKE_DRIVER =
	process.env.ASYNC_OUTPUT_FAKE_DRIVER ?? `${ROOT}native/build/fake/libfakecuda.so`;

async function addonProblem(): Promise<string | undefined> {
	try {
		await loadAddon();
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

async function cudaProblem(): Promise<string | undefined> {
	const probe = await probeCuda();
	return probe.ok ? undefined : probe.error.message.replace('The CUDA device is unavailable: ', '');
}

const addon = await addonProblem();
const fakeProblem =
	addon ?? (existsSync(FAKE_DRIVER) ? undefined : `the fake driver ${FAKE_DRIVER} is not built`);

// One CUDA device lives for the whole run, so that the GPU's primary context is made once.
let keeper: Promise<Device> | undefined;

export const TARGETS: readonly Target[] = [
	{
		name: 'sim',
		unavailable: undefined,
		realTime: false,
		create: () => simDevice(EXACT) as Promise<SimDevice>,
		child: 'sim',
	},
	{
		name: 'cuda',
		unavailable: addon ?? (await cudaProblem()),
		realTime: true,
		create: async () => {
			keeper ??= CudaDevice.create();
			await keeper;
			return CudaDevice.create();
		},
		child: 'cuda',
	},
	{
		name: 'cuda-fake',
		unavailable: fakeProblem,
		realTime: true,
		create: () => CudaDevice.create({ driver: FAKE_DRIVER }),
		child: 'cuda-fake',
	},
];

/**
 * A uvu suite for one target: when the target is unavailable every case is registered as
 * skipped (uvu counts them in its summary) and the suite says how many and why as it is queued,
 * so that the run still ends with uvu's summary.
 */
export function targetSuite(title: string, target: Target): Test {
	if (target.unavailable === undefined) return suite(`${title} [${target.name}]`);
	const reason = target.unavailable;
	const test = suite(`${title} [${target.name}: skipped, ${reason}]`);
	let count = 0;
	const skip = (name: string) => {
		count++;
		test.skip(name, () => {});
	};
	const run = () => {
		process.stdout.write(
			`  Skipping ${count} cases of '${title}' on device '${target.name}': ${reason}\n`,
		);
		test.run();
	};
	return Object.assign(skip, test, { only: skip, skip, run }) as unknown as Test;
}
