import { CudaUnavailableError } from '../errors.js';
import { expectOneOf, expectOptions } from '../validate.js';
import type { Device } from './device.js';
import type { DeviceProfile } from './profile.js';
import { SimDevice } from './sim/sim-device.js';

/** Which device to create. */
export type DeviceChoice = 'sim' | 'cuda' | 'auto';

/** Options of createDevice. */
export interface CreateDeviceOptions {
	/** The simulated device's profile: an id or overrides (see PROFILES). */
	profile?: string | (Partial<DeviceProfile> & { base?: string });
}

/**
 * Creates a device: the simulated one by default, the CUDA one with 'cuda', or the CUDA one
 * where it works and the simulated one otherwise with 'auto' (`device.kind` says which).
 *
 * @throws CudaUnavailableError for 'cuda' where no driver, GPU or addon is available.
 */
export async function createDevice(
	kind: DeviceChoice = 'sim',
	options?: CreateDeviceOptions,
): Promise<Device> {
	expectOneOf('kind', kind, ['sim', 'cuda', 'auto'] as const);
	const opts = expectOptions('options', options);
	if (kind === 'sim') return SimDevice.create(opts);
	if (kind === 'cuda') throw cudaUnavailable();
	return SimDevice.create(opts);
}

/** The CUDA device is not part of this build yet. */
function cudaUnavailable(): CudaUnavailableError {
	return new CudaUnavailableError(
		'addon-missing',
		'The CUDA device is unavailable: the native addon is not part of this build (use the simulated device)',
	);
}
