import type { Device, KernelSpec } from '../device/device.js';
import { DeviceArray, PinnedArray } from '../device/memory.js';
import { dtypeOf } from '../dtype.js';
import {
	DestroyedError,
	ForeignObjectError,
	InvalidArgumentError,
	InvalidStateError,
} from '../errors.js';
import {
	expectBoolean,
	expectDevice,
	expectDuration,
	expectFraction,
	expectFunction,
	expectInstance,
	expectInteger,
	expectLabel,
	expectOptions,
	expectWaitOptions,
	invalid,
	type WaitOptions,
} from '../validate.js';
import { Event } from './event.js';

/** Options of a stream. */
export interface StreamOptions {
	/** Lower runs first when kernels of several streams are ready (CUDA's convention); default 0. */
	priority?: number;
	/** A name for timelines and error messages. */
	label?: string;
}

const defaults = new WeakMap<Device, Stream>();

/**
 * A stream: work on it runs in issue order; work on different streams may overlap.
 *
 * @example
 * const main = new Stream(device);
 * const copy = new Stream(device, { label: 'copy' });
 * main.launchKernel({ durationNs: 2e6 });
 * copy.waitStream(main); // later work on `copy` runs after the kernel
 */
export class Stream {
	readonly device: Device;
	readonly priority: number;
	readonly label: string;
	/** @internal The device's handle. */
	readonly handle: number;
	#destroyed = false;

	constructor(device: Device, options?: StreamOptions, handle?: number) {
		const opts = expectOptions('options', options);
		const priority =
			opts.priority === undefined
				? 0
				: expectInteger('options.priority', opts.priority, -1000, 1000);
		this.device = expectDevice('device', device);
		this.priority = priority;
		this.label = expectLabel('options.label', opts.label, '');
		this.handle = handle ?? device.streamCreate(priority, this.label);
	}

	/** The device's default stream (created on first use). */
	static default(device: Device): Stream {
		let stream = defaults.get(device);
		if (stream === undefined) {
			stream = new Stream(device, { label: 'default stream' }, device.defaultStreamHandle());
			defaults.set(device, stream);
		}
		return stream;
	}

	/** Orders all later work on this stream after the work `event` captured when recorded. */
	waitEvent(event: Event): void {
		this.#usable('Stream.waitEvent()');
		this.#own('Stream.waitEvent()', expectInstance('event', event, Event, 'an Event'));
		event.assertLive('Stream.waitEvent()');
		this.device.streamWaitEvent(this.handle, event.handle);
	}

	/** Records `event` (a new one if omitted) on this stream and returns it. */
	recordEvent(event?: Event): Event {
		this.#usable('Stream.recordEvent()');
		const target =
			event === undefined
				? new Event(this.device)
				: expectInstance('event', event, Event, 'an Event');
		target.record(this);
		return target;
	}

	/** Orders all later work on this stream after the work issued to `other` so far. */
	waitStream(other: Stream): void {
		this.#usable('Stream.waitStream()');
		this.#own('Stream.waitStream()', expectInstance('other', other, Stream, 'a Stream'));
		other.assertLive('Stream.waitStream()');
		const event = new Event(this.device);
		event.record(other);
		this.waitEvent(event);
		event.destroy();
	}

	/** Resolves once all work issued to this stream so far has completed. */
	async synchronize(options?: WaitOptions): Promise<void> {
		const opts = expectWaitOptions('options', options);
		this.#usable('Stream.synchronize()');
		const device = this.device;
		const fence = device.streamFence(this.handle);
		return device.waitUntil(
			{
				check: () => device.fenceDone(fence),
				fences: [fence],
				describe: () => `stream '${this.name}' to finish its work`,
				blocking: true,
			},
			opts,
		);
	}

	/** Whether all work issued so far has completed. */
	query(): boolean {
		this.#usable('Stream.query()');
		return this.device.streamQuery(this.handle);
	}

	/**
	 * Enqueues a host function: it runs after the work before it, and work after it waits until it
	 * returns. It must not call the device.
	 */
	launchHostFunc(fn: () => void): void {
		this.#usable('Stream.launchHostFunc()');
		this.device.launchHostFunc(this.handle, expectFunction('fn', fn));
	}

	/** Enqueues a kernel that runs for `spec.durationNs` and may fill an array. */
	launchKernel(spec: KernelSpec): void {
		this.#usable('Stream.launchKernel()');
		const opts = expectOptions('spec', spec);
		const durationNs =
			opts.durationNs === Number.POSITIVE_INFINITY
				? opts.durationNs
				: expectDuration('spec.durationNs', opts.durationNs);
		const fault = expectBoolean('spec.fault', opts.fault, false);
		const name = expectLabel('spec.name', opts.name, 'kernel');
		const occupancy =
			opts.occupancy === undefined ? 1 : expectFraction('spec.occupancy', opts.occupancy);
		let fill: KernelSpec['fill'];
		if (opts.fill !== undefined) {
			const given = expectOptions('spec.fill', opts.fill);
			const target = expectInstance('spec.fill.target', given.target, DeviceArray, 'a DeviceArray');
			this.#own('Stream.launchKernel()', target);
			target.assertLive('Stream.launchKernel()');
			const value = given.value;
			if (typeof value !== 'number' || !Number.isFinite(value)) {
				throw invalid('a finite number', 'spec.fill.value', value);
			}
			const step = given.step ?? 0;
			if (typeof step !== 'number' || !Number.isFinite(step)) {
				throw invalid('a finite number', 'spec.fill.step', step);
			}
			fill = { target, value, step };
		}
		// The device gets a copy taken now, as CUDA captures a kernel's arguments at launch: a
		// spec the caller changes or reuses afterwards changes nothing about this kernel.
		this.device.launchKernel(this.handle, { name, durationNs, occupancy, fill, fault });
	}

	/**
	 * Copies host data to a device array. From pinned memory the copy is asynchronous (the
	 * array refuses writes until it is done); from a plain typed array (pageable) the call
	 * returns once the copy is done, as CUDA does.
	 */
	copyToDevice(dst: DeviceArray, src: PinnedArray | ArrayBufferView): void {
		this.#usable('Stream.copyToDevice()');
		expectInstance('dst', dst, DeviceArray, 'a DeviceArray');
		this.#own('Stream.copyToDevice()', dst);
		dst.assertLive('Stream.copyToDevice()');
		if (src instanceof PinnedArray) {
			this.#own('Stream.copyToDevice()', src);
			if (src.busy) src.write([]); // throws BusyError with the array's own message
		} else if (dtypeOf(src) === undefined) {
			throw invalid('a PinnedArray or a typed array', 'src', src);
		}
		if (src.byteLength !== dst.byteLength) {
			throw new InvalidArgumentError(
				`Expected a source of ${dst.byteLength} bytes for src (the size of dst), got ${src.byteLength} bytes`,
			);
		}
		this.device.copyToDevice(this.handle, dst, src);
	}

	/** Sets every byte of a device array to `byte`. */
	memset(target: DeviceArray, byte: number): void {
		this.#usable('Stream.memset()');
		expectInstance('target', target, DeviceArray, 'a DeviceArray');
		this.#own('Stream.memset()', target);
		target.assertLive('Stream.memset()');
		this.device.memset(this.handle, target, expectInteger('byte', byte, 0, 255));
	}

	/** Destroys the stream; its pending work still completes. The default stream stays. */
	destroy(): void {
		if (this.#destroyed) return;
		if (defaults.get(this.device) === this) {
			throw new InvalidStateError('Stream.destroy(): the default stream cannot be destroyed');
		}
		this.#destroyed = true;
		if (!this.device.destroyed) this.device.streamDestroy(this.handle);
	}

	/** The label, or a generated name. */
	get name(): string {
		return this.label || `stream ${this.handle & 0xfffff}`;
	}

	/** @internal Throws when the stream was destroyed or its device cannot be used. */
	assertLive(what: string): void {
		this.#usable(what);
	}

	#usable(what: string): void {
		if (this.#destroyed) throw new DestroyedError(`${what}: the stream was destroyed`);
		this.device.assertUsable(what);
	}

	#own(what: string, object: { device: Device }): void {
		if (object.device !== this.device) {
			throw new ForeignObjectError(`${what}: the object belongs to another device than the stream`);
		}
	}
}
