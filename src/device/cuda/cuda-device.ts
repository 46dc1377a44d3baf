import { State } from '../../core/codes.js';
import { Core } from '../../core/core.js';
import { DTYPES, type Dtype, expectDtype, expectShape } from '../../dtype.js';
import {
	CudaDriverError,
	CudaUnavailableError,
	DestroyedError,
	DeviceFaultError,
	InvalidArgumentError,
	InvalidStateError,
	NotReadyError,
	NotRecordedError,
	TimingDisabledError,
} from '../../errors.js';
import { Recording, type TimelineKind } from '../../trace/recording.js';
import {
	expectInteger,
	expectNumber,
	expectOptions,
	expectWaitOptions,
	type WaitOptions,
} from '../../validate.js';
import type { Device, DeviceKind, DeviceStats, Fence, KernelSpec, WaitSpec } from '../device.js';
import { DeviceArray, PinnedArray } from '../memory.js';
import { type DeviceProfile, profileForGpu, resolveProfile } from '../profile.js';
import { type CudaFence, EventPool, type NativeEvent } from './fences.js';
import {
	AddonStatus,
	CudaResult,
	defaultDriverPath,
	EventFlag,
	loadAddon,
	type NativeDevice,
	type NativeInfo,
	type NativeStats,
} from './native.js';
import { CudaWaits } from './waits.js';

/**
 * The CUDA device: the same contract as the simulated device, on a real GPU through the addon.
 *
 * The GPU keeps stream and event state; the Wasm core keeps outputs, handlers, barriers and
 * double buffers, as on the simulated device. What the host learns about the GPU it learns at
 * query points (a state getter, a poll, a wait): each stream's operations are numbered as they
 * are issued, a fence is a driver event recorded after operation `seq`, and once a fence is
 * known complete every host-side effect of the operations before it runs, in issue order (an
 * output bound to the work completes, a pinned array a copy used is released).
 *
 * Nothing here blocks the JavaScript thread on the GPU except what CUDA makes synchronous
 * (copies from or into pageable memory, which return once done, as on the simulated device).
 */

/** Options of the CUDA device. */
export interface CudaDeviceOptions {
	/** The GPU, by ordinal (default 0). */
	ordinal?: number;
	/**
	 * The driver library (default: $ASYNC_OUTPUT_CUDA_DRIVER, else libcuda.so.1). The tests name
	 * the fake driver here; it emulates the driver on the CPU and is no substitute for a GPU.
	 */
	driver?: string;
	/**
	 * The profile whose figures the device reports for what it does not measure (the demo's copy
	 * bound): an id or overrides; default: the built-in profile matching the GPU's name.
	 */
	profile?: string | (Partial<DeviceProfile> & { base?: string });
}

/** A host-side effect of stream work: runs once the stream's first `seq` operations are done. */
interface Effect {
	readonly seq: number;
	readonly fence: CudaFence | undefined;
	readonly run: () => void;
}

interface StreamState {
	readonly id: number;
	readonly label: string;
	/** Operations issued (driver calls on the stream). */
	seq: number;
	/** Operations known complete. */
	doneSeq: number;
	lastFence: CudaFence | undefined;
	effects: Effect[];
	destroyed: boolean;
}

interface EventState {
	readonly timing: boolean;
	readonly blocking: boolean;
	native: NativeEvent | undefined;
	stream: number;
	seq: number;
}

const DTYPE_INDEX = new Map((Object.keys(DTYPES) as Dtype[]).map((d, i) => [d, i]));
const STICKY = new Set([700, 702, 710, 714, 715, 716, 717, 718, 719, 214]);

// Device memory the program dropped without free(): freed when its DeviceArray is collected.
const arrays = new FinalizationRegistry<{ device: CudaDevice; id: number }>(({ device, id }) =>
	device.releaseAllocation(id),
);

/** The real GPU. Create it with `createDevice('cuda')`. */
export class CudaDevice implements Device {
	readonly kind: DeviceKind = 'cuda';
	readonly name: string;
	readonly profile: DeviceProfile;
	readonly core: Core;
	/** What the driver reports about the GPU. */
	readonly info: NativeInfo;
	readonly #native: NativeDevice;
	readonly #events = new Map<number, EventState>();
	readonly #streams = new Map<number, StreamState>();
	readonly #pool: EventPool;
	readonly #waits: CudaWaits;
	readonly #hostFuncs = new Map<number, () => void>();
	readonly #t0: bigint;
	#nextEvent = 0;
	#nextHostFunc = 0;
	#defaultStream = 0;
	#fatal: Error | undefined;
	#destroyed = false;
	#inHostFunc = false;
	#keptAlive = false;
	#hostBusy = 0;
	#opsCompleted = 0;
	#fencesDone = 0;
	#recording: { recording: Recording; base: NativeEvent; baseNs: number } | undefined;
	#busy = { compute: 0, h2d: 0, d2h: 0 };
	#busyEnd: Record<string, number> = {};
	readonly #elapsed = new Float64Array(1);

	private constructor(core: Core, native: NativeDevice, profile: DeviceProfile) {
		this.core = core;
		this.#native = native;
		this.info = native.info();
		this.name = this.info.name;
		this.profile = profile;
		this.#t0 = process.hrtime.bigint();
		this.#pool = new EventPool(native, (result, what) => this.#check(result, what));
		this.#waits = new CudaWaits(this);
	}

	/**
	 * Opens a GPU.
	 * @throws CudaUnavailableError when the addon, the driver or a GPU is missing (`reason` says
	 *   which: 'addon-missing', 'no-driver', 'no-device', 'driver-error').
	 */
	static async create(options: CudaDeviceOptions = {}): Promise<CudaDevice> {
		const opts = expectOptions('options', options);
		const ordinal = expectInteger('options.ordinal', opts.ordinal ?? 0, 0, 63);
		const driver = opts.driver ?? defaultDriverPath();
		if (typeof driver !== 'string' || driver === '') {
			throw new InvalidArgumentError(
				`Expected a library path for options.driver, got ${String(driver)} (${typeof driver})`,
			);
		}
		const addon = await loadAddon();
		let device: CudaDevice | undefined;
		const opened = addon.openDevice(
			driver,
			ordinal,
			(token, status) => {
				if (device !== undefined) device.#onWait(token, status);
			},
			(token) => {
				if (device !== undefined) device.#onHostFunc(token);
			},
		);
		if (!opened.ok) {
			throw new CudaUnavailableError(
				opened.reason,
				`The CUDA device is unavailable: ${opened.message}`,
			);
		}
		try {
			const core = await Core.create();
			const name = opened.device.info().name;
			device = new CudaDevice(core, opened.device, profileFor(name, opts.profile));
		} catch (error) {
			opened.device.destroy();
			throw error;
		}
		return device;
	}

	get fatal(): Error | undefined {
		return this.#fatal;
	}

	get destroyed(): boolean {
		return this.#destroyed;
	}

	/** Nanoseconds of the host's monotonic clock since the device was created. */
	now(): number {
		return Number(process.hrtime.bigint() - this.#t0);
	}

	/** Keeps the JavaScript thread busy for `ns` nanoseconds (host computation, for demos). */
	hostWork(ns: number): void {
		this.assertUsable('hostWork');
		const duration = Math.round(expectNumber('ns', ns, 0));
		const start = this.now();
		while (this.now() - start < duration) {
			// Busy: this stands for the host's own work.
		}
		const end = this.now();
		this.#hostBusy += end - start;
		this.#span('host_work', 'host work', start, end);
	}

	/**
	 * Counters of the work so far. `hostBusyNs` counts hostWork() and the synchronous copies;
	 * the engines' busy times are measured only while recording (record()), else they stay 0.
	 */
	stats(): DeviceStats {
		return {
			hostNs: this.now(),
			hostBusyNs: this.#hostBusy,
			opsCompleted: this.#opsCompleted,
			computeBusyNs: this.#busy.compute,
			h2dBusyNs: this.#busy.h2d,
			d2hBusyNs: this.#busy.d2h,
		};
	}

	/** The addon's (and a fake driver's) live objects, for leak checks. */
	nativeStats(): NativeStats & { eventPool: number } {
		return { ...this.#native.stats(), eventPool: this.#pool.size };
	}

	/**
	 * Starts recording: every operation issued from now on is bracketed by two timing events,
	 * and enters the recording (with GPU start and end on the host clock) once it completed.
	 * Engine busy times in stats() are counted only while recording.
	 */
	record(): Recording {
		if (this.#recording !== undefined) return this.#recording.recording;
		this.assertUsable('record');
		// The base event maps GPU event times to the host clock: it completed between its record
		// and the first query that saw it (microseconds on an idle stream), taken as the midpoint.
		const base = this.#pool.take(0, 'record');
		const id = this.#check(this.#native.streamCreate(0, true), 'record');
		const before = this.now();
		this.#check(this.#native.eventRecord(base.id, id), 'record');
		while (this.#check(this.#native.eventQuery(base.id), 'record') !== 0) {
			// spin: the stream is idle
		}
		const baseNs = Math.round((before + this.now()) / 2);
		this.#native.streamDestroy(id);
		this.#recording = { recording: new Recording(this.name), base, baseNs };
		return this.#recording.recording;
	}

	stopRecording(): Recording | undefined {
		const recording = this.#recording?.recording;
		if (!this.#destroyed) this.refresh();
		this.#recording = undefined;
		return recording;
	}

	destroy(): void {
		if (this.#destroyed) return;
		if (this.#inHostFunc) {
			throw new InvalidStateError(
				'destroy: a host function must not call the device (CUDA forbids it: it would deadlock)',
			);
		}
		this.#destroyed = true;
		this.#waits.rejectAll(
			new DestroyedError('the device was destroyed while this wait was pending'),
		);
		this.#hostFuncs.clear();
		for (const st of this.#streams.values()) st.effects = [];
		this.#native.destroy();
	}

	assertUsable(what: string): void {
		if (this.#destroyed) throw new DestroyedError(`${what}: the device was destroyed`);
		if (this.#fatal !== undefined) throw this.#fatal;
		if (this.#inHostFunc) {
			throw new InvalidStateError(
				`${what}: a host function must not call the device (CUDA forbids it: it would deadlock)`,
			);
		}
	}

	// Memory ------------------------------------------------------------------------------------

	alloc<D extends Dtype>(dtype: D, shape: readonly number[]): DeviceArray<D> {
		this.assertUsable('alloc');
		expectDtype('dtype', dtype);
		const length = expectShape('shape', shape);
		const bytes = length * DTYPES[dtype].BYTES_PER_ELEMENT;
		const id = this.#check(this.#native.memAlloc(bytes), 'alloc');
		const storage = { id };
		const array = new DeviceArray(this, dtype, shape, length, storage);
		arrays.register(array, { device: this, id }, storage);
		return array;
	}

	allocHost<D extends Dtype>(dtype: D, shape: readonly number[]): PinnedArray<D> {
		this.assertUsable('allocHost');
		expectDtype('dtype', dtype);
		const length = expectShape('shape', shape);
		const buffer = this.#native.memHostAlloc(length * DTYPES[dtype].BYTES_PER_ELEMENT);
		if (typeof buffer === 'number') {
			this.#check(buffer, 'allocHost');
			throw new InvalidStateError('allocHost: the addon returned no memory');
		}
		return new PinnedArray(this, dtype, shape, buffer);
	}

	freeArray(array: DeviceArray): void {
		const storage = array.storage as { id: number };
		arrays.unregister(storage);
		this.releaseAllocation(storage.id);
	}

	/** @internal Frees an allocation (explicitly, or once its array was collected). */
	releaseAllocation(id: number): void {
		if (!this.#destroyed) this.#native.memFree(id);
	}

	// Streams and events ------------------------------------------------------------------------

	streamCreate(priority: number, label: string): number {
		this.assertUsable('Stream');
		const id = this.#check(this.#native.streamCreate(priority, true), 'Stream');
		this.#streams.set(id, {
			id,
			label: label || `stream ${this.#streams.size + 1}`,
			seq: 0,
			doneSeq: 0,
			lastFence: undefined,
			effects: [],
			destroyed: false,
		});
		return id;
	}

	streamDestroy(stream: number): void {
		const st = this.#stream(stream, 'Stream.destroy');
		// Effects nothing else would tell complete get a fence before the stream goes.
		if (st.effects.some((e) => e.fence === undefined)) {
			this.#effect(st, this.streamFence(stream) as CudaFence, () => {});
		}
		this.#check(this.#native.streamDestroy(stream), 'Stream.destroy');
		st.destroyed = true;
		if (st.effects.length === 0) this.#streams.delete(stream);
	}

	defaultStreamHandle(): number {
		if (this.#defaultStream === 0) this.#defaultStream = this.streamCreate(0, 'default stream');
		return this.#defaultStream;
	}

	streamQuery(stream: number): boolean {
		this.assertUsable('Stream.query');
		const st = this.#stream(stream, 'Stream.query');
		const result = this.#check(this.#native.streamQuery(st.id), 'Stream.query');
		if (result === 0) this.#advance(st, st.seq);
		this.refresh();
		return result === 0;
	}

	streamFence(stream: number): Fence {
		const st = this.#stream(stream, 'Stream.synchronize');
		if (st.lastFence !== undefined && st.lastFence.seq === st.seq) return st.lastFence;
		const event = this.#pool.take(EventFlag.BLOCKING_SYNC | EventFlag.DISABLE_TIMING, 'fence');
		this.#check(this.#native.eventRecord(event.id, st.id), 'Stream.synchronize');
		const fence: CudaFence = { stream, seq: ++st.seq, event, done: false };
		st.lastFence = fence;
		return fence;
	}

	streamWaitEvent(stream: number, event: number): void {
		this.assertUsable('Stream.waitEvent');
		const st = this.#stream(stream, 'Stream.waitEvent');
		const ev = this.#event(event, 'Stream.waitEvent');
		// A never-recorded event stands for no work: nothing to wait for.
		if (ev.native !== undefined) {
			this.#check(this.#native.streamWaitEvent(st.id, ev.native.id), 'Stream.waitEvent');
			st.seq++;
		}
	}

	eventCreate(timing: boolean, blocking: boolean): number {
		this.assertUsable('Event');
		const handle = ++this.#nextEvent;
		// The driver event is made at the first record, as PyTorch does.
		this.#events.set(handle, { timing, blocking, native: undefined, stream: 0, seq: 0 });
		return handle;
	}

	eventDestroy(event: number): void {
		const ev = this.#event(event, 'Event.destroy');
		if (ev.native !== undefined) this.#pool.release(ev.native, this.#destroyed);
		this.#events.delete(event);
	}

	eventRecord(event: number, stream: number): void {
		this.assertUsable('Event.record');
		const ev = this.#event(event, 'Event.record');
		const st = this.#stream(stream, 'Event.record');
		// A fence still holds the driver event: record into a fresh one, so the fence keeps what
		// it captured.
		if (ev.native === undefined || ev.native.refs > 1) {
			if (ev.native !== undefined) this.#pool.release(ev.native, false);
			const flags =
				(ev.timing ? 0 : EventFlag.DISABLE_TIMING) | (ev.blocking ? EventFlag.BLOCKING_SYNC : 0);
			ev.native = this.#pool.take(flags, 'Event.record');
		}
		this.#check(this.#native.eventRecord(ev.native.id, st.id), 'Event.record');
		ev.stream = stream;
		ev.seq = ++st.seq;
	}

	eventQuery(event: number): boolean {
		this.assertUsable('Event.query');
		const ev = this.#event(event, 'Event.query');
		if (ev.native === undefined) return true;
		const done = this.#check(this.#native.eventQuery(ev.native.id), 'Event.query') === 0;
		if (done) {
			const st = this.#streams.get(ev.stream);
			if (st !== undefined) this.#advance(st, ev.seq);
			this.refresh();
		}
		return done;
	}

	eventRecorded(event: number): boolean {
		return this.#event(event, 'Event').native !== undefined;
	}

	eventElapsedMs(start: number, end: number): number {
		this.assertUsable('Event.elapsedTime');
		const a = this.#event(start, 'Event.elapsedTime');
		const b = this.#event(end, 'Event.elapsedTime');
		if (!a.timing || !b.timing) {
			throw new TimingDisabledError(
				'Event.elapsedTime(): both events must be created with { timing: true }',
			);
		}
		if (a.native === undefined || b.native === undefined) {
			throw new NotRecordedError('Event.elapsedTime(): both events must be recorded first');
		}
		if (!this.eventQuery(start) || !this.eventQuery(end)) {
			throw new NotReadyError(
				'Event.elapsedTime(): both events must have completed; synchronize the end event first',
			);
		}
		this.#check(
			this.#native.eventElapsed(a.native.id, b.native.id, this.#elapsed),
			'Event.elapsedTime',
		);
		return this.#elapsed[0] as number;
	}

	eventFence(event: number): Fence | undefined {
		const ev = this.#event(event, 'Event.synchronize');
		if (ev.native === undefined) return undefined;
		return {
			stream: ev.stream,
			seq: ev.seq,
			event: this.#pool.retain(ev.native),
			done: false,
		} satisfies CudaFence;
	}

	fenceDone(fence: Fence): boolean {
		const f = fence as CudaFence;
		if (f.done) return true;
		const st = this.#streams.get(f.stream);
		if (st !== undefined && f.seq <= st.doneSeq) {
			this.#markDone(f);
			return true;
		}
		if (this.#destroyed || this.#fatal !== undefined) return false;
		const result = this.#native.eventQuery(f.event.id);
		if (result === 0) {
			this.#markDone(f);
			return true;
		}
		// A fence that cannot be queried can never be waited for: the device cannot go on.
		if (result < 0) this.#setFatal(this.#fail(result, 'a wait'));
		return false;
	}

	/** @internal Fences found complete so far (the waits look again when this moves). */
	get fencesDone(): number {
		return this.#fencesDone;
	}

	refresh(): void {
		if (this.#destroyed || this.#fatal !== undefined) return;
		for (const st of this.#streams.values()) {
			while (st.effects.length > 0) {
				const head = st.effects[0] as Effect;
				if (head.seq > st.doneSeq) {
					// The head's own fence or the next one queued: either being done covers the head.
					const fence = head.fence ?? st.effects.find((e) => e.fence !== undefined)?.fence;
					if (fence !== undefined) {
						if (!this.fenceDone(fence)) break;
					} else if (st.destroyed || this.#native.streamQuery(st.id) !== 0) {
						break;
					} else {
						this.#advance(st, st.seq);
					}
					continue;
				}
				st.effects.shift();
				head.run();
				if (this.#destroyed) return;
			}
			if (st.destroyed && st.effects.length === 0) this.#streams.delete(st.id);
		}
	}

	// Work --------------------------------------------------------------------------------------

	launchKernel(stream: number, spec: KernelSpec): void {
		this.assertUsable('launchKernel');
		const st = this.#stream(stream, 'launchKernel');
		const name = spec.name ?? 'kernel';
		this.#issue(st, 'kernel', name, 'compute', undefined, () => {
			const ns = Number.isFinite(spec.durationNs) ? Math.round(spec.durationNs) : Infinity;
			if (ns > 0) this.#launch(st, this.#native.launchSpin(st.id, ns), 'launchKernel');
			const fill = spec.fill;
			if (fill !== undefined) {
				const target = fill.target;
				target.assertLive('launchKernel');
				this.#launch(
					st,
					this.#native.launchFill(
						st.id,
						(target.storage as { id: number }).id,
						DTYPE_INDEX.get(target.dtype) as number,
						target.length,
						fill.value,
						fill.step ?? 0,
					),
					'launchKernel',
				);
			}
			if (spec.fault === true) this.#launch(st, this.#native.launchFault(st.id), 'launchKernel');
		});
	}

	copyToHost(
		stream: number,
		src: DeviceArray,
		dst: PinnedArray | ArrayBufferView,
		byteOffset: number,
	): void {
		this.assertUsable('copyToHost');
		const st = this.#stream(stream, 'copyToHost');
		const pinned = dst instanceof PinnedArray;
		const view = pinned ? dst.data : dst;
		const bytes = src.byteLength;
		this.#checkRange('copyToHost', bytes, view.byteLength - byteOffset);
		const name = `copy D2H ${pinned ? 'pinned' : 'pageable'}`;
		let queued = false;
		const start = this.now();
		this.#issue(st, 'copy_d2h', name, 'copy D2H', bytes, () => {
			const result = this.#native.copyDtoH(
				st.id,
				(src.storage as { id: number }).id,
				0,
				bytes,
				view,
				byteOffset,
			);
			queued = this.#launch(st, result, 'copyToHost') === 1;
		});
		if (queued && pinned) {
			dst.retain(true);
			this.#effect(st, undefined, () => {
				dst.release(true);
				void src;
			});
		} else {
			// Pageable: the call returned after the copy and everything before it on the stream.
			this.#blocked(st, start);
		}
	}

	copyToDevice(stream: number, dst: DeviceArray, src: PinnedArray | ArrayBufferView): void {
		this.assertUsable('copyToDevice');
		const st = this.#stream(stream, 'copyToDevice');
		const pinned = src instanceof PinnedArray;
		const view = pinned ? src.data : src;
		const bytes = view.byteLength;
		this.#checkRange('copyToDevice', bytes, dst.byteLength);
		const name = `copy H2D ${pinned ? 'pinned' : 'pageable'}`;
		let queued = false;
		const start = this.now();
		this.#issue(st, 'copy_h2d', name, 'copy H2D', bytes, () => {
			const result = this.#native.copyHtoD(
				st.id,
				(dst.storage as { id: number }).id,
				0,
				bytes,
				view,
				0,
			);
			queued = this.#launch(st, result, 'copyToDevice') === 1;
		});
		if (queued && pinned) {
			src.retain(false);
			// Its own fence, so that the source is writable again as soon as the copy is done.
			const fence = this.streamFence(stream) as CudaFence;
			this.#effect(st, fence, () => {
				src.release(false);
				void dst;
			});
		} else {
			this.#blocked(st, start);
		}
	}

	/**
	 * @internal A plain synchronous driver copy (cuMemcpyDtoH, legacy stream) of a whole array:
	 * the baseline the GPU check compares asyncCopyToHost with. Not part of the Device contract.
	 */
	driverCopyToHost(src: DeviceArray, dst: PinnedArray | ArrayBufferView): void {
		this.assertUsable('driverCopyToHost');
		const view = dst instanceof PinnedArray ? dst.data : dst;
		this.#checkRange('driverCopyToHost', src.byteLength, view.byteLength);
		this.#check(
			this.#native.copyDtoHSync((src.storage as { id: number }).id, src.byteLength, view),
			'driverCopyToHost',
		);
	}

	memset(stream: number, target: DeviceArray, byte: number): void {
		this.assertUsable('memset');
		const st = this.#stream(stream, 'memset');
		this.#issue(st, 'memset', 'memset', 'compute', target.byteLength, () => {
			this.#launch(
				st,
				this.#native.memset(
					st.id,
					(target.storage as { id: number }).id,
					0,
					target.byteLength,
					byte,
				),
				'memset',
			);
		});
	}

	launchHostFunc(stream: number, fn: () => void): void {
		this.assertUsable('launchHostFunc');
		const st = this.#stream(stream, 'launchHostFunc');
		const token = ++this.#nextHostFunc;
		this.#issue(st, 'host_func', fn.name || 'host function', 'host functions', undefined, () => {
			this.#launch(st, this.#native.launchHostFunc(st.id, token), 'launchHostFunc');
		});
		this.#hostFuncs.set(token, fn);
		this.updateKeepAlive();
	}

	bindOutput(stream: number, output: number): Fence {
		const fence = this.streamFence(stream) as CudaFence;
		const st = this.#stream(stream, 'bindOutput');
		const raw = this.core.raw;
		raw.output_bind_work(output);
		this.#effect(st, fence, () => {
			if (raw.output_work_done(output) < 0) return; // the output's row is gone
			if (raw.output_state(output) === State.IN_PROGRESS) {
				raw.output_move(output, State.COMPLETED, this.now());
			}
		});
		return fence;
	}

	// Waiting -----------------------------------------------------------------------------------

	async synchronize(options?: WaitOptions): Promise<void> {
		const opts = expectWaitOptions('options', options);
		this.assertUsable('synchronize');
		const fences: CudaFence[] = [];
		for (const st of this.#streams.values()) {
			if (!st.destroyed) fences.push(this.streamFence(st.id) as CudaFence);
		}
		return this.waitUntil(
			{
				check: () => fences.every((f) => this.fenceDone(f)),
				fences,
				describe: () => {
					const left = fences.filter((f) => !this.fenceDone(f));
					const names = left.map((f) => this.#streams.get(f.stream)?.label ?? `stream ${f.stream}`);
					return `device synchronize: ${left.length} of ${fences.length} streams still have work (${names.join(', ')})`;
				},
				blocking: true,
			},
			opts,
		);
	}

	waitUntil(spec: WaitSpec, options: WaitOptions): Promise<void> {
		return this.#waits.add(spec, options);
	}

	notify(): void {
		this.#waits.recheck();
	}

	// Internals used by CudaWaits -------------------------------------------------------------------

	/** @internal Starts a worker watching a fence; false when that failed (the device is fatal). */
	watch(fence: CudaFence, token: number): boolean {
		this.#pool.retain(fence.event);
		const result = this.#native.waitEvent(fence.event.id, token);
		if (result >= 0) return true;
		this.#pool.release(fence.event, this.#destroyed);
		this.#setFatal(this.#fail(result, 'a wait'));
		return false;
	}

	/** @internal A watcher returned: status 0, or the error its synchronize gave. */
	watchDone(fence: CudaFence, status: number): void {
		this.#pool.release(fence.event, this.#destroyed);
		if (status === CudaResult.SUCCESS) this.#markDone(fence);
		else this.#setFatal(this.#fail(-status, 'a wait'));
	}

	/** @internal Holds the process alive while a wait needs a watcher or a host function runs. */
	updateKeepAlive(): void {
		if (this.#destroyed) return;
		const need = this.#waits.keepsAlive || this.#hostFuncs.size > 0;
		if (need === this.#keptAlive) return;
		this.#keptAlive = need;
		this.#native.keepAlive(need);
	}

	/** @internal Records a span of host time (a wait), when recording. */
	hostSpan(name: string, start: number, end: number): void {
		if (end > start) this.#span('host_wait', name, start, end);
	}

	// Private ---------------------------------------------------------------------------------------

	#onWait(token: number, status: number): void {
		this.#waits.onNative(token, status);
	}

	#onHostFunc(token: number): void {
		const fn = this.#hostFuncs.get(token);
		this.#hostFuncs.delete(token);
		this.updateKeepAlive();
		if (fn === undefined || this.#fatal !== undefined || this.#destroyed) return;
		this.#inHostFunc = true;
		try {
			fn();
		} catch (error) {
			this.#setFatal(
				new DeviceFaultError('a host function threw; the device is unusable from now on', {
					cause: error,
				}),
			);
		} finally {
			this.#inHostFunc = false;
		}
	}

	/** Issues one operation, bracketed by timing events while recording. */
	#issue(
		st: StreamState,
		kind: TimelineKind,
		name: string,
		engine: string,
		bytes: number | undefined,
		issue: () => void,
	): void {
		const recording = this.#recording;
		if (recording === undefined) {
			issue();
			return;
		}
		const start = this.#pool.take(0, name);
		this.#check(this.#native.eventRecord(start.id, st.id), name);
		st.seq++;
		issue();
		const end = this.#pool.take(0, name);
		this.#check(this.#native.eventRecord(end.id, st.id), name);
		st.seq++;
		this.#effect(st, undefined, () => {
			const at = (event: NativeEvent) => {
				this.#native.eventElapsed(recording.base.id, event.id, this.#elapsed);
				return recording.baseNs + Math.round((this.#elapsed[0] as number) * 1e6);
			};
			const t0 = at(start);
			const t1 = at(end);
			this.#pool.release(start, false);
			this.#pool.release(end, false);
			recording.recording.add({ kind, name, lane: st.label, engine, start: t0, end: t1, bytes });
			this.#countBusy(engine, t0, t1);
		});
	}

	#countBusy(engine: string, start: number, end: number): void {
		const key = engine === 'compute' ? 'compute' : engine === 'copy H2D' ? 'h2d' : 'd2h';
		if (engine !== 'compute' && engine !== 'copy H2D' && engine !== 'copy D2H') return;
		const from = Math.max(start, this.#busyEnd[key] ?? 0);
		if (end > from) this.#busy[key] += end - from;
		this.#busyEnd[key] = Math.max(end, this.#busyEnd[key] ?? 0);
	}

	/** Counts a driver call on the stream; returns its non-negative result or throws. */
	#launch(st: StreamState, result: number, what: string): number {
		const value = this.#check(result, what);
		st.seq++;
		return value;
	}

	/** A call that returned once its stream was idle: the host was busy waiting, since `start`. */
	#blocked(st: StreamState, start: number): void {
		const end = this.now();
		this.#hostBusy += end - start;
		this.#span('host_wait', 'pageable copy', start, end);
		this.#advance(st, st.seq);
		this.refresh();
	}

	#effect(st: StreamState, fence: CudaFence | undefined, run: () => void): void {
		st.effects.push({ seq: fence?.seq ?? st.seq, fence, run });
	}

	#advance(st: StreamState, seq: number): void {
		if (seq <= st.doneSeq) return;
		this.#opsCompleted += seq - st.doneSeq;
		st.doneSeq = seq;
	}

	#markDone(fence: CudaFence): void {
		if (fence.done) return;
		fence.done = true;
		this.#fencesDone++;
		const st = this.#streams.get(fence.stream);
		if (st !== undefined) this.#advance(st, fence.seq);
		this.#pool.release(fence.event, this.#destroyed);
	}

	#stream(handle: number, what: string): StreamState {
		const st = this.#streams.get(handle);
		if (st === undefined || st.destroyed) {
			throw new DestroyedError(`${what}: the stream was destroyed or belongs to another device`);
		}
		return st;
	}

	#event(handle: number, what: string): EventState {
		const ev = this.#events.get(handle);
		if (ev === undefined) {
			throw new DestroyedError(`${what}: the event was destroyed or belongs to another device`);
		}
		return ev;
	}

	/** The addon checks bounds again; this gives the error its words first. */
	#checkRange(what: string, bytes: number, room: number): void {
		if (bytes > room) {
			throw new InvalidArgumentError(
				`Expected a copy of at most ${room} bytes for ${what}(), got ${bytes} bytes`,
			);
		}
	}

	#check(result: number, what: string): number {
		if (result >= 0) return result;
		throw this.#fail(result, what);
	}

	/** Turns a negative result into its error; a sticky CUDA error makes the device fatal. */
	#fail(result: number, what: string): Error {
		const status = -result;
		switch (status) {
			case AddonStatus.OUT_OF_BOUNDS:
				return new InvalidArgumentError(
					`${what}: refused by the addon: a copy, memset or fill outside its buffer`,
				);
			case AddonStatus.STALE_HANDLE:
				return new DestroyedError(`${what}: the object was destroyed or belongs to another device`);
			case AddonStatus.BAD_ARGUMENT:
				return new InvalidArgumentError(`${what}: an argument the addon refused`);
			case AddonStatus.CLOSED:
				return new DestroyedError(`${what}: the device was destroyed`);
			case AddonStatus.NO_THREAD:
				return new InvalidStateError(`${what}: the addon could not start a worker thread`);
		}
		const name = this.#native.errorName(status);
		const text = this.#native.errorText(status);
		if (STICKY.has(status) || this.#fatal !== undefined) {
			const error =
				this.#fatal ??
				new DeviceFaultError(
					`${what}: ${name} (${text}); the error is sticky: every later call on this device fails with it`,
					{ cudaError: name },
				);
			this.#setFatal(error);
			return error;
		}
		return new CudaDriverError(`${what}: ${name} (${text})`, name);
	}

	/** The device's fatal state: every output not finished fails, every pending wait rejects. */
	#setFatal(error: Error): void {
		if (this.#fatal !== undefined) return;
		this.#fatal = error;
		this.core.raw.output_fail_all(this.now());
		for (const st of this.#streams.values()) st.effects = [];
		this.#hostFuncs.clear();
		this.#waits.rejectAll(error);
		this.updateKeepAlive();
	}

	#span(kind: TimelineKind, name: string, start: number, end: number): void {
		this.#recording?.recording.add({ kind, name, lane: 'host', start, end });
	}
}

/** The profile for a GPU: the one asked for, else the built-in one its name matches. */
function profileFor(
	name: string,
	spec: string | (Partial<DeviceProfile> & { base?: string }) | undefined,
): DeviceProfile {
	if (spec !== undefined) return resolveProfile(spec);
	const matched = profileForGpu(name);
	if (matched !== undefined) return matched;
	return resolveProfile({
		base: 'h200',
		id: 'cuda-unmatched',
		gpu: name,
		sources: {
			note: `no built-in profile matches '${name}': the figures are those of h200, not measured`,
		},
	});
}
