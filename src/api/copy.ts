import type { Device } from '../device/device.js';
import { DeviceArray, PinnedArray } from '../device/memory.js';
import { type AnyTypedArray, type Dtype, dtypeOf, type TypedArrayOf } from '../dtype.js';
import { BusyError, ForeignObjectError, InvalidArgumentError } from '../errors.js';
import { expectInstance, expectLabel, expectOptions, invalid } from '../validate.js';
import { type AsyncOutput, startedOutput } from './async-output.js';
import { Stream } from './stream.js';

/** Options of a copy to the host. */
export interface CopyToHostOptions<D extends Dtype = Dtype> {
	/** The stream to copy on (default: the device's default stream). */
	stream?: Stream;
	/** Where to copy: pinned memory (asynchronous) or a plain typed array (pageable: synchronous). */
	into?: PinnedArray<D> | TypedArrayOf<D>;
	/** Make the copy stream wait for the work issued to this stream first (vLLM's wait_stream). */
	after?: Stream;
	/** A name for the output. */
	label?: string;
}

/**
 * Copies a device array to the host and returns the output that delivers it.
 *
 * Into pinned memory (the default: allocated for you) the copy is asynchronous and an event
 * marks its end; `get()` waits for that event and delivers the array once. Into a plain typed
 * array (pageable memory) the call returns after the copy, as CUDA does.
 *
 * @example
 * copy.waitStream(main);
 * const out = asyncCopyToHost(logits, { stream: copy });
 * const host = await out.get(); // Float32Array with the kernel's values
 */
export function asyncCopyToHost<D extends Dtype>(
	src: DeviceArray<D>,
	options?: CopyToHostOptions<D>,
): AsyncOutput<TypedArrayOf<D>> {
	expectInstance('src', src, DeviceArray, 'a DeviceArray');
	const opts = expectOptions('options', options);
	const device = src.device;
	device.assertUsable('asyncCopyToHost()');
	const given = ownStream(device, opts.stream, 'options.stream', 'asyncCopyToHost()');
	const after = ownStream(device, opts.after, 'options.after', 'asyncCopyToHost()');
	const label = expectLabel('options.label', opts.label, 'copy to host');
	src.assertLive('asyncCopyToHost()');
	if (opts.into !== undefined) checkDestination(device, src, opts.into);

	// Everything is checked: from here on the call only does its work.
	const stream = given ?? Stream.default(device);
	const into = opts.into ?? device.allocHost(src.dtype, src.shape);
	if (after !== undefined) stream.waitStream(after);
	const output = startedOutput<TypedArrayOf<D>>(device, label);
	device.copyToHost(stream.handle, src, into, 0);
	if (into instanceof PinnedArray) {
		into.hold(output);
		const work = `the copy of ${src.byteLength} B to the host on stream '${stream.name}'`;
		output.bind(
			device.bindOutput(stream.handle, output.handle),
			into.data as TypedArrayOf<D>,
			work,
		);
	} else {
		output.resolveNow(into as TypedArrayOf<D>);
	}
	return output;
}

/** Options of a batch copy. */
export interface CopyBatchOptions {
	stream?: Stream;
	after?: Stream;
	label?: string;
}

/**
 * Copies several device arrays to pinned host memory on one stream, behind one event: the
 * output delivers all of them at once.
 */
export function asyncCopyBatch(
	sources: readonly DeviceArray[],
	options?: CopyBatchOptions,
): AsyncOutput<AnyTypedArray[]> {
	if (!Array.isArray(sources) || sources.length === 0) {
		throw invalid('a non-empty array of DeviceArray', 'sources', sources);
	}
	for (const [i, source] of sources.entries())
		expectInstance(`sources[${i}]`, source, DeviceArray, 'a DeviceArray');
	const opts = expectOptions('options', options);
	const device = (sources[0] as DeviceArray).device;
	device.assertUsable('asyncCopyBatch()');
	for (const source of sources) {
		if (source.device !== device)
			throw new ForeignObjectError('asyncCopyBatch(): the sources belong to different devices');
		source.assertLive('asyncCopyBatch()');
	}
	const given = ownStream(device, opts.stream, 'options.stream', 'asyncCopyBatch()');
	const after = ownStream(device, opts.after, 'options.after', 'asyncCopyBatch()');
	const label = expectLabel('options.label', opts.label, 'batch copy to host');

	const stream = given ?? Stream.default(device);
	const targets = sources.map((s) => device.allocHost(s.dtype, s.shape));
	if (after !== undefined) stream.waitStream(after);
	const output = startedOutput<AnyTypedArray[]>(device, label);
	for (const [i, source] of sources.entries())
		device.copyToHost(stream.handle, source, targets[i] as PinnedArray, 0);
	const bytes = sources.reduce((sum, s) => sum + s.byteLength, 0);
	output.bind(
		device.bindOutput(stream.handle, output.handle),
		targets.map((t) => t.data as AnyTypedArray),
		`the ${sources.length} copies (${bytes} B) to the host on stream '${stream.name}'`,
	);
	return output;
}

/**
 * A stream option (`options.stream` or `options.after`) of `device`, checked before anything is
 * issued; undefined when not given (the default stream is made only once every check passed).
 */
function ownStream(
	device: Device,
	value: Stream | undefined,
	name: 'options.stream' | 'options.after',
	what: string,
): Stream | undefined {
	if (value === undefined) return undefined;
	expectInstance(name, value, Stream, 'a Stream');
	if (value.device !== device) {
		const whose = name === 'options.stream' ? 'the stream' : name;
		throw new ForeignObjectError(`${what}: ${whose} belongs to another device than src`);
	}
	value.assertLive(what);
	return value;
}

function checkDestination(device: Device, src: DeviceArray, into: unknown): void {
	if (into instanceof PinnedArray) {
		if (into.device !== device)
			throw new ForeignObjectError('asyncCopyToHost(): options.into belongs to another device');
		if (into.busy)
			throw new BusyError('asyncCopyToHost(): options.into is still used by a copy in flight');
		into.assertNotHeld('asyncCopyToHost(): options.into');
	} else if (dtypeOf(into) === undefined) {
		throw invalid('a PinnedArray or a typed array', 'options.into', into);
	}
	const bytes = (into as { byteLength: number }).byteLength;
	if (bytes < src.byteLength) {
		throw new InvalidArgumentError(
			`Expected a destination of at least ${src.byteLength} bytes for options.into, got ${bytes} bytes`,
		);
	}
}
