import { CudaUnavailableError } from '../errors.js';
import { expectOneOf, expectOptions } from '../validate.js';
import { CudaDevice } from './cuda/cuda-device.js';
import { defaultDriverPath, loadAddon } from './cuda/native.js';
import type { Device } from './device.js';
import type { DeviceProfile } from './profile.js';
import { SimDevice } from './sim/sim-device.js';

/** Which device to create. */
export type DeviceChoice = 'sim' | 'cuda' | 'auto';

/** Options of createDevice. */
export interface CreateDeviceOptions {
	/**
	 * The simulated device's profile: an id or overrides (see PROFILES). On the CUDA device, the
	 * figures it reports for what it does not measure (default: the profile matching the GPU).
	 */
	profile?: string | (Partial<DeviceProfile> & { base?: string });
	/** The CUDA device's GPU, by ordinal (default 0). */
	ordinal?: number;
}

/**
 * Creates a device: the simulated one by default, the CUDA one with 'cuda', or the CUDA one
 * where it works and the simulated one otherwise with 'auto' (`device.kind` says which; see
 * probeCuda() for why CUDA was not used).
 *
 * @throws CudaUnavailableError for 'cuda' where no driver, GPU or addon is available.
 * @example
 * const device = await createDevice('auto');
 * console.log(device.kind, device.name); // 'cuda' 'NVIDIA H200', or 'sim' 'simulated NVIDIA H200'
 */
export async function createDevice(
	kind: DeviceChoice = 'sim',
	options?: CreateDeviceOptions,
): Promise<Device> {
	expectOneOf('kind', kind, ['sim', 'cuda', 'auto'] as const);
	const opts = expectOptions('options', options);
	if (kind === 'sim') return SimDevice.create({ profile: opts.profile });
	if (kind === 'cuda') return CudaDevice.create({ profile: opts.profile, ordinal: opts.ordinal });
	try {
		return await CudaDevice.create({ profile: opts.profile, ordinal: opts.ordinal });
	} catch (error) {
		if (!(error instanceof CudaUnavailableError)) throw error;
		// A GPU profile for the simulated device only where it names one the simulation knows.
		return SimDevice.create({ profile: opts.profile });
	}
}

/** What probeCuda() found. */
export type CudaProbe =
	| { ok: true; driver: string; driverVersion: number; devices: number }
	| { ok: false; error: CudaUnavailableError };

/**
 * Whether the CUDA device can be created, without creating it (no GPU context is made): the
 * addon loads, the driver opens and initialises, and it sees at least one GPU.
 */
export async function probeCuda(): Promise<CudaProbe> {
	const driver = defaultDriverPath();
	try {
		const addon = await loadAddon();
		const probe = addon.probe(driver);
		if (probe.ok) {
			return { ok: true, driver, driverVersion: probe.driverVersion, devices: probe.count };
		}
		const failure = probe as { reason?: string; message?: string };
		return {
			ok: false,
			error: new CudaUnavailableError(
				failure.reason ?? 'driver-error',
				`The CUDA device is unavailable: ${failure.message ?? 'unknown reason'}`,
			),
		};
	} catch (error) {
		if (error instanceof CudaUnavailableError) return { ok: false, error };
		throw error;
	}
}
