import { checkCore } from '../core/check.js';
import { CoreCode, SLOT_STATES, type SlotState } from '../core/codes.js';
import type { Device } from '../device/device.js';
import type { DeviceArray, PinnedArray } from '../device/memory.js';
import { type Dtype, expectDtype, expectShape, type TypedArrayOf } from '../dtype.js';
import { DestroyedError, ForeignObjectError } from '../errors.js';
import {
	expectDevice,
	expectInstance,
	expectInteger,
	expectOptions,
	expectWaitOptions,
	type WaitOptions,
} from '../validate.js';
import type { AsyncOutput } from './async-output.js';
import { asyncCopyToHost } from './copy.js';
import { Stream } from './stream.js';

/** Options of a double buffer. */
export interface DoubleBufferOptions {
	device: Device;
	/** Number of slots, >= 2 (default 2). */
	slots?: number;
	/** The stream transfers run on (default: a new stream labelled 'transfer'). */
	stream?: Stream;
}

/**
 * N device slots in rotation: compute writes `current` while earlier slots are transferred to
 * their pinned host copies.
 *
 *   free ──swap──> computing ──transfer()──> transferring ──copy done──> free
 *
 * `swap()` waits until the slot it hands out is no longer being transferred, so compute never
 * overwrites data still on its way to the host.
 *
 * @example
 * const buffer = new DoubleBuffer([batch, vocab], 'float32', { device });
 * main.launchKernel({ durationNs: 5e6, fill: { target: buffer.current, value: step } });
 * const out = buffer.transfer({ after: main });
 * await buffer.swap();
 */
export class DoubleBuffer<D extends Dtype = Dtype> {
	readonly device: Device;
	readonly shape: readonly number[];
	readonly dtype: D;
	readonly slots: number;
	/** The stream transfers run on. */
	readonly stream: Stream;
	/** @internal */
	readonly handle: number;
	readonly #device: DeviceArray<D>[];
	readonly #host: PinnedArray<D>[];
	#outputs: (AsyncOutput<TypedArrayOf<D>> | undefined)[];
	#destroyed = false;

	constructor(shape: readonly number[], dtype: D, options: DoubleBufferOptions) {
		expectShape('shape', shape);
		expectDtype('dtype', dtype);
		const opts = expectOptions('options', options);
		const device = expectDevice('options.device', opts.device);
		this.slots = expectInteger('options.slots', opts.slots ?? 2, 2, 64);
		if (opts.stream !== undefined) {
			expectInstance('options.stream', opts.stream, Stream, 'a Stream');
			if (opts.stream.device !== device) {
				throw new ForeignObjectError(
					'new DoubleBuffer(): options.stream belongs to another device',
				);
			}
			opts.stream.assertLive('new DoubleBuffer()');
		}
		device.assertUsable('new DoubleBuffer()');
		this.device = device;
		this.shape = Object.freeze([...shape]);
		this.dtype = dtype;
		this.stream = opts.stream ?? new Stream(device, { label: 'transfer' });
		this.#device = Array.from({ length: this.slots }, () => device.alloc(dtype, shape));
		this.#host = Array.from({ length: this.slots }, () => device.allocHost(dtype, shape));
		this.#outputs = new Array(this.slots).fill(undefined);
		this.handle = checkCore(device.core.raw.db_create(this.slots), 'new DoubleBuffer()');
	}

	/** The slot compute writes now. */
	get current(): DeviceArray<D> {
		return this.#device[this.currentSlot] as DeviceArray<D>;
	}

	/** The index of the current slot. */
	get currentSlot(): number {
		this.#usable('DoubleBuffer.current');
		return checkCore(this.device.core.raw.db_current(this.handle), 'DoubleBuffer.current');
	}

	/** Each slot's state, refreshed to the host's time. */
	get slotStates(): SlotState[] {
		this.#usable('DoubleBuffer.slotStates');
		this.device.refresh();
		const core = this.device.core;
		const n = checkCore(core.raw.db_states(this.handle), 'DoubleBuffer.slotStates');
		return Array.from(core.ints(n), (s) => SLOT_STATES[s] as SlotState);
	}

	/**
	 * Starts copying the current slot to its pinned host memory on the buffer's stream, after
	 * the work issued to `after` so far; returns the output that delivers the host array (a view
	 * of the slot's pinned memory, valid until the slot is transferred again).
	 */
	transfer(options?: { after?: Stream }): AsyncOutput<TypedArrayOf<D>> {
		this.#usable('DoubleBuffer.transfer()');
		const opts = expectOptions('options', options);
		const slot = this.currentSlot;
		const states = this.slotStates;
		if (states[slot] !== 'computing') {
			checkCore(
				-CoreCode.INVALID_TRANSITION,
				'DoubleBuffer.transfer()',
				`slot ${slot} was already handed to a transfer; swap() before the next one`,
			);
		}
		(this.#host[slot] as PinnedArray<D>).assertNotHeld(`DoubleBuffer.transfer(): slot ${slot}`);
		const output = asyncCopyToHost(this.#device[slot] as DeviceArray<D>, {
			stream: this.stream,
			into: this.#host[slot] as PinnedArray<D>,
			after: opts.after,
			label: `slot ${slot} transfer`,
		});
		checkCore(
			this.device.core.raw.db_transfer(this.handle, output.handle),
			'DoubleBuffer.transfer()',
		);
		this.#outputs[slot] = output;
		return output;
	}

	/**
	 * Moves `current` to the next slot, first waiting until that slot's transfer is done.
	 * Returns the new current slot's device array.
	 */
	async swap(options?: WaitOptions): Promise<DeviceArray<D>> {
		const opts = expectWaitOptions('options', options);
		const raw = this.device.core.raw;
		for (;;) {
			this.#usable('DoubleBuffer.swap()');
			this.device.refresh();
			const result = raw.db_swap(this.handle);
			if (result >= 0) return this.#device[result] as DeviceArray<D>;
			if (-result !== CoreCode.BUSY) checkCore(result, 'DoubleBuffer.swap()');
			const next = raw.db_next(this.handle);
			const output = this.#outputs[next] as AsyncOutput<TypedArrayOf<D>>;
			await this.device.waitUntil(
				{
					// The slot itself, not its output: a cancelled transfer is over before its copy.
					check: () => this.#destroyed || raw.db_fence(this.handle, next) === 0,
					fences: output.fence === undefined ? [] : [output.fence],
					describe: () =>
						`double buffer slot ${next} to finish its transfer (${output.describe()})`,
					blocking: true,
				},
				opts,
			);
		}
	}

	/** Back to slot 0 computing and every other slot free; refused while a transfer is in flight. */
	reset(): void {
		this.#usable('DoubleBuffer.reset()');
		this.device.refresh();
		checkCore(
			this.device.core.raw.db_reset(this.handle),
			'DoubleBuffer.reset()',
			'a transfer is in flight',
		);
		this.#outputs.fill(undefined);
	}

	/** Releases the bookkeeping and the slots' memory. */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		if (!this.device.destroyed) {
			this.device.core.raw.db_destroy(this.handle);
			this.device.notify(); // a pending swap() wakes and rejects with DestroyedError
		}
		for (const slot of this.#device) slot.free();
	}

	#usable(what: string): void {
		if (this.#destroyed) throw new DestroyedError(`${what}: the double buffer was destroyed`);
		this.device.assertUsable(what);
	}
}
