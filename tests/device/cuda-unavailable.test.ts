import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CudaDevice } from '../../src/device/cuda/cuda-device.ts';
import { CudaUnavailableError } from '../../src/errors.ts';
import { rejectsCode } from '../helpers.ts';
import { FAKE_DRIVER } from './targets.ts';

/**
 * Without a driver, a GPU or the addon, creating the CUDA device fails with a
 * CudaUnavailableError that says exactly why, and 'auto' falls back to the simulated device.
 * Each case names what is missing explicitly, so that it holds on a GPU machine too.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const ADDON = `${ROOT}native/build/Release/async_output_cuda.node`;
const NO_DRIVER = '/nonexistent/libcuda.so.1';

function child(env: Record<string, string>): Record<string, unknown> {
	const run = spawnSync(
		process.execPath,
		['--import', 'tsx', 'tests/device/unavailable-child.ts'],
		{ cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
	);
	assert.is(run.status, 0, run.stderr);
	return JSON.parse(run.stdout.trim());
}

const unavailable = suite('CUDA unavailable: the exact reason');
const built = existsSync(ADDON) && existsSync(FAKE_DRIVER);
const needsBuild = built
	? unavailable
	: Object.assign((name: string) => unavailable.skip(name, () => {}), unavailable);

unavailable('no driver: the library that would not open, and why', async () => {
	const error = await rejectsCode(
		CudaDevice.create({ driver: NO_DRIVER }),
		CudaUnavailableError,
		'ERR_CUDA_UNAVAILABLE',
	);
	const reason = (error as CudaUnavailableError).reason;
	if (reason === 'addon-missing') {
		assert.match(error.message, /^The CUDA device is unavailable: the CUDA addon /);
		return;
	}
	assert.is(reason, 'no-driver');
	assert.is(
		error.message,
		`The CUDA device is unavailable: no NVIDIA driver: cannot open ${NO_DRIVER} (${NO_DRIVER}: cannot open shared object file: No such file or directory)`,
	);
});

unavailable("'auto' falls back to the simulated device without a driver", () => {
	const result = child({ ASYNC_OUTPUT_CUDA_DRIVER: NO_DRIVER });
	assert.is(result.auto, 'sim');
	assert.is(result.code, 'ERR_CUDA_UNAVAILABLE');
	assert.ok(result.probe === 'no-driver' || result.probe === 'addon-missing');
});

needsBuild('no GPU: the driver opens but finds none', () => {
	const result = child({ ASYNC_OUTPUT_CUDA_DRIVER: FAKE_DRIVER, FAKECUDA_DEVICE_COUNT: '0' });
	assert.equal(result, {
		error: 'CudaUnavailableError',
		code: 'ERR_CUDA_UNAVAILABLE',
		reason: 'no-device',
		message: 'The CUDA device is unavailable: no CUDA device: the driver found no GPU',
		auto: 'sim',
		probe: 'no-device',
	});
});

needsBuild('a driver that fails cuInit', () => {
	const result = child({ ASYNC_OUTPUT_CUDA_DRIVER: FAKE_DRIVER, FAKECUDA_INIT_ERROR: '803' });
	assert.is(result.reason, 'driver-error');
	assert.is(result.message, 'The CUDA device is unavailable: cuInit failed with CUDA error 803');
	assert.is(result.auto, 'sim');
});

needsBuild('the addon not built, or not loadable', () => {
	const missing = child({ ASYNC_OUTPUT_CUDA_ADDON: '/nonexistent/async_output_cuda.node' });
	assert.is(missing.reason, 'addon-missing');
	assert.match(
		missing.message as string,
		/^The CUDA device is unavailable: the CUDA addon is not built: \/nonexistent\/async_output_cuda\.node does not exist \(build it with npm run build:native\)$/,
	);
	assert.is(missing.auto, 'sim');
	const notAddon = child({ ASYNC_OUTPUT_CUDA_ADDON: FAKE_DRIVER });
	assert.is(notAddon.reason, 'addon-missing');
	assert.match(notAddon.message as string, /does not load/);
});

needsBuild("'auto' picks the CUDA device where it works", () => {
	const result = child({ ASYNC_OUTPUT_CUDA_DRIVER: FAKE_DRIVER });
	assert.is(result.cuda, 'cuda');
	assert.is(result.auto, 'cuda');
	assert.is(result.probe, 'ok');
});

unavailable.run();
