import { CudaUnavailableError } from '../../errors.js';
import type { NativeAddon } from './native.js';

/** The browser build's stand-in for addon-file.ts: a page has no native addons. */
export async function loadAddonFile(): Promise<NativeAddon> {
	throw new CudaUnavailableError(
		'addon-missing',
		'The CUDA device is unavailable: the CUDA device needs Node.js (a browser has no native addons)',
	);
}
