import { invalid } from './validate.js';

/** The element types of arrays on the host and the device, as typed-array constructors. */
export const DTYPES = {
	float32: Float32Array,
	float64: Float64Array,
	int8: Int8Array,
	int16: Int16Array,
	int32: Int32Array,
	int64: BigInt64Array,
	uint8: Uint8Array,
	uint16: Uint16Array,
	uint32: Uint32Array,
	uint64: BigUint64Array,
} as const;

/** A dtype name: 'float32', 'int32', 'uint8', 'float64', 'int64', ... */
export type Dtype = keyof typeof DTYPES;

/** The typed array of a dtype. */
export type TypedArrayOf<D extends Dtype> = InstanceType<(typeof DTYPES)[D]>;

/** Any typed array this library can hold. */
export type AnyTypedArray = TypedArrayOf<Dtype>;

const NAMES = Object.keys(DTYPES) as Dtype[];

/** Checks a dtype name. */
export function expectDtype(name: string, value: unknown): Dtype {
	if (typeof value !== 'string' || !(value in DTYPES)) {
		throw invalid(`a dtype (${NAMES.join(', ')})`, name, value);
	}
	return value as Dtype;
}

/** Checks a shape (an array of non-negative integers) and returns its element count. */
export function expectShape(name: string, value: unknown): number {
	if (!Array.isArray(value))
		throw invalid('a shape (an array of non-negative integers)', name, value);
	let size = 1;
	for (const dim of value) {
		if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0) {
			throw invalid('a shape (an array of non-negative integers)', name, value);
		}
		size *= dim;
	}
	if (!Number.isSafeInteger(size)) throw invalid('a shape of at most 2^53 elements', name, value);
	return size;
}

/** Bytes per element of a dtype. */
export function bytesPerElement(dtype: Dtype): number {
	return DTYPES[dtype].BYTES_PER_ELEMENT;
}

/** A typed array of a dtype over a buffer. */
export function viewOf<D extends Dtype>(
	dtype: D,
	buffer: ArrayBufferLike,
	offset = 0,
	length?: number,
): TypedArrayOf<D> {
	const Ctor = DTYPES[dtype] as unknown as new (
		b: ArrayBufferLike,
		o: number,
		l?: number,
	) => TypedArrayOf<D>;
	return new Ctor(buffer, offset, length);
}

/** The dtype of a typed array, or undefined for other values. */
export function dtypeOf(array: unknown): Dtype | undefined {
	for (const name of NAMES) if (array instanceof DTYPES[name]) return name;
	return undefined;
}

/** Writes value + i * step into every element (BigInt arrays get rounded integers). */
export function fillPattern(array: AnyTypedArray, value: number, step: number): void {
	if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
		for (let i = 0; i < array.length; i++) array[i] = BigInt(Math.round(value + i * step));
		return;
	}
	if (step === 0) {
		array.fill(value);
		return;
	}
	for (let i = 0; i < array.length; i++) array[i] = value + i * step;
}
