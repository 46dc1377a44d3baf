import type { Core } from '../core/core.js';
import type { Dtype } from '../dtype.js';
import type { Recording } from '../trace/recording.js';
import type { WaitOptions } from '../validate.js';
import type { DeviceArray, PinnedArray } from './memory.js';
import type { DeviceProfile } from './profile.js';

/**
 * The one interface both devices implement. The API layer (`src/api`) talks only to this;
 * it never knows which device it has. Handles of streams and events are numbers the device
 * hands out; fences are opaque objects that stand for "the work a stream had when the fence
 * was made".
 */

export type DeviceKind = 'sim' | 'cuda';

/** Something a wait can wait on: opaque outside the device that made it. */
export type Fence = object;

/** A kernel: how long it runs and, optionally, what it writes. */
export interface KernelSpec {
	/** A name for timelines. */
	name?: string;
	/** How long the kernel runs, in nanoseconds; Infinity for one that never ends (to test timeouts). */
	durationNs: number;
	/** The share of the GPU it occupies, in (0, 1] (default 1: kernels then run one at a time). */
	occupancy?: number;
	/** Writes `value + i * step` into every element of `target` when the kernel ends. */
	fill?: { target: DeviceArray; value: number; step?: number };
	/**
	 * Makes the kernel fault when it ends (an illegal address): a sticky error, after which
	 * every call on the device fails with the same error.
	 */
	fault?: boolean;
}

/** Counters of a device's work so far. */
export interface DeviceStats {
	/** The host clock, ns. */
	hostNs: number;
	/** Host time spent in API calls, host work and spinning waits, ns. */
	hostBusyNs: number;
	/** Operations completed on the device. */
	opsCompleted: number;
	/** Busy time per engine, ns (union of the time an engine had any work running). */
	computeBusyNs: number;
	h2dBusyNs: number;
	d2hBusyNs: number;
}

/** What a wait registers: how to tell it is done, what the device must reach, how to describe it. */
export interface WaitSpec {
	/** True once the wait is over; evaluated after every change the device reports. */
	check: () => boolean;
	/** Device work that, once complete, may make `check` true. */
	fences: readonly Fence[];
	/** Words for a TimeoutError: what was waited for and the live state. */
	describe: () => string;
	/** A sleeping wait (default) or a spinning one. */
	blocking: boolean;
}

/** The device contract. Methods marked internal are for the API layer. */
export interface Device {
	readonly kind: DeviceKind;
	readonly name: string;
	/** The simulated device's profile; the CUDA device's measured figures. */
	readonly profile: DeviceProfile | undefined;
	/** @internal The Wasm core that holds outputs, handlers, barriers and double buffers. */
	readonly core: Core;
	/** The device's fatal error once a sticky fault happened, else undefined. */
	readonly fatal: Error | undefined;
	readonly destroyed: boolean;

	/** The host clock in ns (virtual on the simulated device). */
	now(): number;
	/** Stands for host computation of `ns` nanoseconds (the simulated host is busy that long). */
	hostWork(ns: number): void;
	/** Allocates device memory. */
	alloc<D extends Dtype>(dtype: D, shape: readonly number[]): DeviceArray<D>;
	/** Allocates pinned host memory. */
	allocHost<D extends Dtype>(dtype: D, shape: readonly number[]): PinnedArray<D>;
	/** Waits until all work issued so far on every stream has completed. */
	synchronize(options?: WaitOptions): Promise<void>;
	/** Counters of the work so far. */
	stats(): DeviceStats;
	/** Starts recording every operation (or returns the recording in progress). */
	record(): Recording;
	/** Stops recording and returns what was recorded. */
	stopRecording(): Recording | undefined;
	/** Releases the device; later calls throw DestroyedError. */
	destroy(): void;

	/** @internal */ streamCreate(priority: number, label: string): number;
	/** @internal */ streamDestroy(stream: number): void;
	/** @internal */ streamQuery(stream: number): boolean;
	/** @internal */ streamWaitEvent(stream: number, event: number): void;
	/** @internal */ defaultStreamHandle(): number;
	/** @internal */ eventCreate(timing: boolean, blocking: boolean): number;
	/** @internal */ eventDestroy(event: number): void;
	/** @internal */ eventRecord(event: number, stream: number): void;
	/** @internal */ eventQuery(event: number): boolean;
	/** @internal */ eventRecorded(event: number): boolean;
	/** @internal */ eventElapsedMs(start: number, end: number): number;
	/** @internal */ eventFence(event: number): Fence | undefined;
	/** @internal */ streamFence(stream: number): Fence;
	/** @internal Whether a fence's work has completed, as far as the device has processed. */
	fenceDone(fence: Fence): boolean;
	/** @internal Brings the device's state up to the host's clock (a query point). */
	refresh(): void;
	/** @internal */ launchKernel(stream: number, spec: KernelSpec): void;
	/** @internal */ copyToHost(
		stream: number,
		src: DeviceArray,
		dst: PinnedArray | ArrayBufferView,
		byteOffset: number,
	): void;
	/** @internal */ copyToDevice(
		stream: number,
		dst: DeviceArray,
		src: PinnedArray | ArrayBufferView,
	): void;
	/** @internal */ memset(stream: number, target: DeviceArray, byte: number): void;
	/** @internal Releases an array's memory now (a device whose memory the collector does not free). */
	freeArray?(array: DeviceArray): void;
	/** @internal */ launchHostFunc(stream: number, fn: () => void): void;
	/** @internal Completes `output` (a core handle) when the stream's work so far completes. */
	bindOutput(stream: number, output: number): Fence;
	/** @internal Waits until `spec.check()`; settles per `options`. */
	waitUntil(spec: WaitSpec, options: WaitOptions): Promise<void>;
	/** @internal Something changed outside the device (an output marked by hand): re-check waits. */
	notify(): void;
	/** @internal Throws the reason a call cannot be made now (destroyed, fatal, inside a host function). */
	assertUsable(what: string): void;
}
