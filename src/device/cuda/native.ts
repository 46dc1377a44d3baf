import { loadAddonFile } from './addon-file.js';

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
	loaded ??= loadAddonFile();
	return loaded;
}

/** The driver library: $ASYNC_OUTPUT_CUDA_DRIVER (the fake driver in tests), else libcuda.so.1. */
export function defaultDriverPath(): string {
	const env = globalThis.process?.env?.ASYNC_OUTPUT_CUDA_DRIVER;
	return env !== undefined && env !== '' ? env : 'libcuda.so.1';
}
