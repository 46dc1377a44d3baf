import { CudaUnavailableError } from '../../errors.js';
import type { NativeAddon } from './native.js';

/**
 * Where the addon's file is and how it loads: Node only, through Node's own modules, imported
 * lazily. Browser bundles get addon-file.browser.ts instead (scripts/build-bundles.mjs), so that
 * a page, or a bundler building one, never meets a `node:` import.
 */

/** Finds and loads native/build/Release/async_output_cuda.node (Node only). */
export async function loadAddonFile(): Promise<NativeAddon> {
	if (globalThis.process?.versions?.node === undefined) {
		throw missing('the CUDA device needs Node.js (this runtime has no native addons)');
	}
	const { createRequire } = await import('node:module');
	const { existsSync, readFileSync } = await import('node:fs');
	const { dirname, join } = await import('node:path');
	const { fileURLToPath } = await import('node:url');

	const override = process.env.ASYNC_OUTPUT_CUDA_ADDON;
	const root = packageRoot(dirname(fileURLToPath(import.meta.url)), existsSync, join, dirname);
	const file =
		override !== undefined && override !== ''
			? override
			: root === undefined
				? undefined
				: join(root, 'native', 'build', 'Release', 'async_output_cuda.node');
	if (file === undefined || !existsSync(file)) {
		throw missing(`the CUDA addon is not built: ${whyNotBuilt(root, file, readFileSync, join)}`);
	}
	try {
		const addon = createRequire(import.meta.url)(file) as NativeAddon;
		if (addon.abiVersion !== 1) throw new Error(`addon ABI ${addon.abiVersion}, expected 1`);
		return addon;
	} catch (error) {
		const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
		throw missing(`the CUDA addon ${file} does not load: ${reason}`);
	}
}

/** The checkout or installed package this module belongs to (holds native/binding.gyp). */
function packageRoot(
	start: string,
	exists: (p: string) => boolean,
	join: (...p: string[]) => string,
	dirname: (p: string) => string,
): string | undefined {
	for (let dir = start; ; dir = dirname(dir)) {
		if (exists(join(dir, 'native', 'binding.gyp'))) return dir;
		if (dirname(dir) === dir) return undefined;
	}
}

/** The reason the install-time build recorded (native/build/status.json), or what is missing. */
function whyNotBuilt(
	root: string | undefined,
	file: string | undefined,
	read: (p: string, e: 'utf8') => string,
	join: (...p: string[]) => string,
): string {
	if (root !== undefined) {
		try {
			const status = JSON.parse(read(join(root, 'native', 'build', 'status.json'), 'utf8')) as {
				addon?: { ok?: boolean; reason?: string };
			};
			if (status.addon?.ok === false && status.addon.reason) {
				return `${status.addon.reason.split('\n')[0]} (see native/build/status.json; rebuild with npm run build:native)`;
			}
		} catch {
			// No record: the install script did not run.
		}
	}
	return `${file ?? 'native/build/Release/async_output_cuda.node'} does not exist (build it with npm run build:native)`;
}

function missing(message: string): CudaUnavailableError {
	return new CudaUnavailableError('addon-missing', `The CUDA device is unavailable: ${message}`);
}
