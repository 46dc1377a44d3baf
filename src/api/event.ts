import type { Device } from '../device/device.js';
import { DestroyedError, ForeignObjectError } from '../errors.js';
import {
	expectBoolean,
	expectDevice,
	expectInstance,
	expectOptions,
	expectWaitOptions,
	type WaitOptions,
} from '../validate.js';
import { Stream } from './stream.js';

/** Options of an event. */
export interface EventOptions {
	/** Record timestamps so that elapsedTime works (default false, as in PyTorch). */
	timing?: boolean;
	/** Sleep while the host waits (default true); false spins (lower latency, busy host). */
	blocking?: boolean;
}

/**
 * An event: `record(stream)` captures the work issued to the stream so far; the event
 * completes when that work has. An event never recorded counts as complete.
 *
 * @example
 * const start = new Event(device, { timing: true });
 * const end = new Event(device, { timing: true });
 * start.record(stream);
 * stream.launchKernel({ durationNs: 10e6 });
 * end.record(stream);
 * await end.synchronize();
 * start.elapsedTime(end); // 10 (ms)
 */
export class Event {
	readonly device: Device;
	readonly timing: boolean;
	readonly blocking: boolean;
	/** @internal The device's handle. */
	readonly handle: number;
	#destroyed = false;
	/** The stream of the latest record, for messages. */
	#recordedOn = '';

	constructor(device: Device, options?: EventOptions) {
		const opts = expectOptions('options', options);
		this.device = expectDevice('device', device);
		this.timing = expectBoolean('options.timing', opts.timing, false);
		this.blocking = expectBoolean('options.blocking', opts.blocking, true);
		device.assertUsable('new Event()');
		this.handle = device.eventCreate(this.timing, this.blocking);
	}

	/** Captures the work issued to `stream` (the default stream if omitted) so far. */
	record(stream?: Stream): void {
		this.#usable('Event.record()');
		const target =
			stream === undefined
				? Stream.default(this.device)
				: expectInstance('stream', stream, Stream, 'a Stream');
		if (target.device !== this.device) {
			throw new ForeignObjectError(
				'Event.record(): the stream belongs to another device than the event',
			);
		}
		target.assertLive('Event.record()');
		this.device.eventRecord(this.handle, target.handle);
		this.#recordedOn = target.name;
	}

	/** Resolves once the captured work has completed (at once if never recorded). */
	async synchronize(options?: WaitOptions): Promise<void> {
		const opts = expectWaitOptions('options', options);
		this.#usable('Event.synchronize()');
		const device = this.device;
		const fence = device.eventFence(this.handle);
		if (fence === undefined) return;
		return device.waitUntil(
			{
				check: () => device.fenceDone(fence),
				fences: [fence],
				describe: () => `an event recorded on stream '${this.#recordedOn}' to complete`,
				blocking: this.blocking,
			},
			opts,
		);
	}

	/** Whether the captured work has completed (true if never recorded). */
	query(): boolean {
		this.#usable('Event.query()');
		return this.device.eventQuery(this.handle);
	}

	/**
	 * Milliseconds from this event to `end`.
	 * @throws TimingDisabledError, NotRecordedError or NotReadyError, in that order of checks.
	 */
	elapsedTime(end: Event): number {
		this.#usable('Event.elapsedTime()');
		expectInstance('end', end, Event, 'an Event');
		if (end.device !== this.device) {
			throw new ForeignObjectError('Event.elapsedTime(): the events belong to different devices');
		}
		end.#usable('Event.elapsedTime()');
		return this.device.eventElapsedMs(this.handle, end.handle);
	}

	/** Releases the event; work that captured it is unaffected. */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		if (!this.device.destroyed) this.device.eventDestroy(this.handle);
	}

	/** @internal Throws when the event was destroyed or its device cannot be used. */
	assertLive(what: string): void {
		this.#usable(what);
	}

	#usable(what: string): void {
		if (this.#destroyed) throw new DestroyedError(`${what}: the event was destroyed`);
		this.device.assertUsable(what);
	}
}
