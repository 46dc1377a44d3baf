import { bytesPerElement, type Dtype, type TypedArrayOf, viewOf } from '../dtype.js';
import { BusyError, DestroyedError } from '../errors.js';
import { expectInteger, invalid } from '../validate.js';
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

/**
 * Checks values for an array of `dtype`: an array or typed array of at most `room` elements,
 * numbers for the float and 8- to 32-bit dtypes, bigints for int64 and uint64 (what a typed
 * array of that dtype takes without converting silently).
 */
function expectValues(name: string, values: unknown, dtype: Dtype, room: number): void {
	const big = dtype === 'int64' || dtype === 'uint64';
	const what = `${big ? 'bigints' : 'numbers'} (an array or typed array of at most ${room})`;
	if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
		const isBig = values instanceof BigInt64Array || values instanceof BigUint64Array;
		if (isBig !== big || (values as unknown as ArrayLike<unknown>).length > room) {
			throw invalid(what, name, values);
		}
		return;
	}
	if (!Array.isArray(values) || values.length > room) throw invalid(what, name, values);
	const type = big ? 'bigint' : 'number';
	for (const value of values) if (typeof value !== type) throw invalid(what, name, values);
}

/** An output as a pinned array sees it: the result it will deliver lives in the array. */
export interface ResultHolder {
	readonly label: string;
	/** False once the result was taken, or can no longer be (cancelled, failed). */
	readonly holdsResult: boolean;
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
	#holder: ResultHolder | undefined;

	/** @internal Made by `device.allocHost`, over all of `buffer` or `length` elements at `offset`. */
	constructor(
		device: Device,
		dtype: D,
		shape: readonly number[],
		buffer: ArrayBufferLike,
		offset = 0,
		length?: number,
	) {
		this.device = device;
		this.dtype = dtype;
		// A frozen shape (a device array's, when a copy allocates its destination) is shared.
		this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
		this.data = viewOf(dtype, buffer, offset, length);
		this.length = this.data.length;
		this.byteLength = this.data.byteLength;
	}

	/** Whether a copy into or out of this array is in flight. */
	get busy(): boolean {
		return this.#readers + this.#writers > 0;
	}

	/** The label of the output whose result the array holds and that was not taken yet. */
	get heldBy(): string | undefined {
		return this.#holder?.holdsResult === true ? this.#holder.label : undefined;
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
	 * @throws BusyError while any copy into or out of the array is in flight, or while the array
	 * holds the result of an output that was not taken yet.
	 */
	write(values: ArrayLike<number> | ArrayLike<bigint>, offset = 0): void {
		if (this.busy) {
			throw new BusyError(
				'PinnedArray.write(): a copy into or out of this array is still in flight',
			);
		}
		this.assertNotHeld('PinnedArray.write()');
		expectInteger('offset', offset, 0, this.length);
		expectValues('values', values, this.dtype, this.length - offset);
		(this.data as unknown as { set(v: ArrayLike<unknown>, o: number): void }).set(values, offset);
	}

	/**
	 * @internal Throws while the array holds a result nobody took: overwriting it would hand
	 * that output's `get()` data it never copied.
	 */
	assertNotHeld(what: string): void {
		const label = this.heldBy;
		if (label === undefined) return;
		throw new BusyError(
			`${what}: the array still holds the result of '${label}', which was not taken yet; get() or cancel() that output first`,
		);
	}

	/** @internal The output whose result a copy into this array will be. */
	hold(holder: ResultHolder): void {
		this.#holder = holder;
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
