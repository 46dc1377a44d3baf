import { CudaUnavailableError } from '../../errors.js';

/**
 * The native addon (native/, built by node-gyp) and how it is found.
 *
 * Every method of a NativeDevice returns a number, negative for an error: -status is a CUDA
 * result (1..999) or one of the addon's codes (`AddonStatus`). Handles are small integers the
 * addon hands out; JavaScript never holds a driver pointer. Loading is lazy and Node-only, so
 * that nothing else in the package (or a browser bundle) needs the addon.
 */

/** The addon's own error codes (native/src/status.h). */
export const AddonStatus = {
	OUT_OF_BOUNDS: 1001,
	STALE_HANDLE: 1002,
	BAD_ARGUMENT: 1003,
	CLOSED: 1004,
	NO_THREAD: 1005,
} as const;

/** CUDA results the device handles by value. */
export const CudaResult = {
	SUCCESS: 0,
	NOT_READY: 600,
} as const;

/** Event flags of cuEventCreate. */
export const EventFlag = { BLOCKING_SYNC: 1, DISABLE_TIMING: 2 } as const;

/** What the driver says about the GPU. */
export interface NativeInfo {
	name: string;
	ordinal: number;
	driverPath: string;
	driverVersion: number;
	computeCapability: [number, number];
	multiprocessors: number;
	asyncEngineCount: number;
	unifiedAddressing: boolean;
	totalMemory: number;
	/** [least, greatest]: CUDA priorities run from least (0) down to greatest (e.g. -5). */
	priorityRange: [number, number];
	/** Whether this is the test-only fake driver. */
	fake: boolean;
}

/** Live objects, for leak checks. */
export interface NativeStats {
	pinnedBlocks: number;
	pinnedBytes: number;
	streams: number;
	events: number;
	allocations: number;
	allocatedBytes: number;
	waiterThreads: number;
	waitersBusy: number;
	hostFuncsInFlight: number;
	waitsStarted: number;
	waitsDelivered: number;
	/** Free device memory as cuMemGetInfo reports it (absent once destroyed). */
	deviceFreeBytes?: number;
	/** The fake driver's own counters (absent with a real driver). */
	driver?: {
		streams: number;
		events: number;
		deviceBlocks: number;
		deviceBytes: number;
		hostBlocks: number;
		hostBytes: number;
		threads: number;
		modules: number;
		ops: number;
	};
}

/** One GPU, opened. */
export interface NativeDevice {
	info(): NativeInfo;
	keepAlive(on: boolean): number;
	destroy(): number;
	stats(): NativeStats;
	errorName(code: number): string;
	errorText(code: number): string;
	streamCreate(priority: number, nonBlocking: boolean): number;
	streamDestroy(stream: number): number;
	streamQuery(stream: number): number;
	streamWaitEvent(stream: number, event: number): number;
	eventCreate(flags: number): number;
	eventDestroy(event: number): number;
	eventRecord(event: number, stream: number): number;
	eventQuery(event: number): number;
	eventElapsed(start: number, end: number, out: Float64Array): number;
	waitEvent(event: number, token: number): number;
	launchSpin(stream: number, ns: number): number;
	launchFill(
		stream: number,
		allocation: number,
		dtype: number,
		count: number,
		value: number,
		step: number,
	): number;
	launchFault(stream: number): number;
	launchHostFunc(stream: number, token: number): number;
	memAlloc(bytes: number): number;
	memFree(allocation: number): number;
	memHostAlloc(bytes: number): ArrayBuffer | number;
	copyDtoH(
		stream: number,
		allocation: number,
		srcOffset: number,
		bytes: number,
		dst: ArrayBufferView | ArrayBuffer,
		dstOffset: number,
	): number;
	copyHtoD(
		stream: number,
		allocation: number,
		dstOffset: number,
		bytes: number,
		src: ArrayBufferView | ArrayBuffer,
		srcOffset: number,
	): number;
	memset(stream: number, allocation: number, offset: number, bytes: number, value: number): number;
	copyDtoHSync(allocation: number, bytes: number, dst: ArrayBufferView | ArrayBuffer): number;
	isPinned(view: ArrayBufferView | ArrayBuffer): boolean;
}

type Failure = { ok: false; reason: string; message: string };

/** The addon's module. */
export interface NativeAddon {
	abiVersion: number;
	probe(driverPath: string): { ok: true; driverVersion: number; count: number } | Failure;
	openDevice(
		driverPath: string,
		ordinal: number,
		onWait: (token: number, status: number) => void,
		onHostFunc: (token: number) => void,
	): { ok: true; device: NativeDevice } | Failure;
	pinnedStats(): { blocks: number; bytes: number; pendingFrees: number };
}

let loaded: Promise<NativeAddon> | undefined;

/**
 * Loads the addon once per process.
 * @throws CudaUnavailableError ('addon-missing') when it was not built or does not load.
 */
export function loadAddon(): Promise<NativeAddon> {
	loaded ??= load();
	return loaded;
}

/** The driver library: $ASYNC_OUTPUT_CUDA_DRIVER (the fake driver in tests), else libcuda.so.1. */
export function defaultDriverPath(): string {
	const env = globalThis.process?.env?.ASYNC_OUTPUT_CUDA_DRIVER;
	return env !== undefined && env !== '' ? env : 'libcuda.so.1';
}

async function load(): Promise<NativeAddon> {
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
