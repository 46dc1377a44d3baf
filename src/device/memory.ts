import { bytesPerElement, type Dtype, type TypedArrayOf, viewOf } from '../dtype.js';
import { BusyError, DestroyedError } from '../errors.js';
import type { Device } from './device.js';

/**
 * Memory on the device and pinned memory on the host.
 *
 * A `DeviceArray` cannot be read from JavaScript: its contents reach the host only through a
 * copy, and a copy's result only through the AsyncOutput that covers it. A `PinnedArray` is
 * page-locked host memory; copies into it or out of it run asynchronously, so while one is in
 * flight the array refuses to be read (a copy writes it) or written (a copy reads or writes
 * it), instead of handing out garbage or sending data changed after the copy was issued.
 */

/** An array in device memory. */
export class DeviceArray<D extends Dtype = Dtype> {
	readonly device: Device;
	readonly dtype: D;
	readonly shape: readonly number[];
	readonly length: number;
	readonly byteLength: number;
	/** @internal The device's own storage: an ArrayBuffer on the simulated device. */
	readonly storage: unknown;
	#freed = false;

	/** @internal Made by `device.alloc`. */
	constructor(
		device: Device,
		dtype: D,
		shape: readonly number[],
		length: number,
		storage: unknown,
	) {
		this.device = device;
		this.dtype = dtype;
		this.shape = Object.freeze([...shape]);
		this.length = length;
		this.byteLength = length * bytesPerElement(dtype);
		this.storage = storage;
	}

	/** Whether `free()` was called. */
	get freed(): boolean {
		return this.#freed;
	}

	/** Releases the memory; later use throws DestroyedError. */
	free(): void {
		if (this.#freed) return;
		this.#freed = true;
		this.device.freeArray?.(this);
	}

	/** @internal Throws when the array was freed. */
	assertLive(name: string): void {
		if (this.#freed) throw new DestroyedError(`${name}: the device array was freed`);
	}
}

/** Page-locked host memory, the destination of asynchronous device-to-host copies. */
export class PinnedArray<D extends Dtype = Dtype> {
	readonly device: Device;
	readonly dtype: D;
	readonly shape: readonly number[];
	readonly length: number;
	readonly byteLength: number;
	/** @internal The memory itself; reached by users through read() and write(). */
	readonly data: TypedArrayOf<D>;
	#readers = 0;
	#writers = 0;

	/** @internal Made by `device.allocHost`. */
	constructor(device: Device, dtype: D, shape: readonly number[], buffer: ArrayBufferLike) {
		this.device = device;
		this.dtype = dtype;
		this.shape = Object.freeze([...shape]);
		this.data = viewOf(dtype, buffer);
		this.length = this.data.length;
		this.byteLength = this.data.byteLength;
	}

	/** Whether a copy into or out of this array is in flight. */
	get busy(): boolean {
		return this.#readers + this.#writers > 0;
	}

	/**
	 * The contents, as a view of the pinned memory (valid until the next copy into it).
	 * @throws BusyError while a copy into the array is in flight.
	 */
	read(): TypedArrayOf<D> {
		if (this.#writers > 0) {
			throw new BusyError(
				'PinnedArray.read(): a copy into this array is still in flight; await its output first',
			);
		}
		return this.data;
	}

	/**
	 * Writes values starting at `offset` (elements).
	 * @throws BusyError while any copy into or out of the array is in flight.
	 */
	write(values: ArrayLike<number> | ArrayLike<bigint>, offset = 0): void {
		if (this.busy) {
			throw new BusyError(
				'PinnedArray.write(): a copy into or out of this array is still in flight',
			);
		}
		(this.data as unknown as { set(v: ArrayLike<unknown>, o: number): void }).set(values, offset);
	}

	/** @internal A copy starts (reading: H2D source; writing: D2H destination). */
	retain(writing: boolean): void {
		if (writing) this.#writers++;
		else this.#readers++;
	}

	/** @internal A copy ended. */
	release(writing: boolean): void {
		if (writing) this.#writers--;
		else this.#readers--;
	}
}
