import {
	COMPUTE_UNITS,
	CoreCode,
	Engine,
	OpFlag,
	OpKind,
	Rec,
	RunMode,
	Stop,
	StreamKind,
} from '../../core/codes.js';
import { Core } from '../../core/core.js';
import {
	bytesPerElement,
	type Dtype,
	expectDtype,
	expectShape,
	fillPattern,
	viewOf,
} from '../../dtype.js';
import {
	DestroyedError,
	DeviceFaultError,
	ForeignObjectError,
	InvalidArgumentError,
	InvalidStateError,
	NotReadyError,
	NotRecordedError,
	OutOfMemoryError,
	QueueFullError,
	TimingDisabledError,
} from '../../errors.js';
import { type IssuedOp, Recording, type TimelineKind } from '../../trace/recording.js';
import {
	expectDuration,
	expectInteger,
	expectOneOf,
	expectOptions,
	expectWaitOptions,
	type WaitOptions,
} from '../../validate.js';
import type { Device, DeviceKind, DeviceStats, Fence, KernelSpec, WaitSpec } from '../device.js';
import { DeviceArray, PinnedArray } from '../memory.js';
import { copyNs, type DeviceProfile, resolveProfile } from '../profile.js';
import { type Effect, Payload, Payloads } from './payloads.js';
import { SimRecorder } from './sim-recorder.js';
import { Waits } from './waits.js';

/**
 * The simulated device: CUDA's stream and event semantics on a virtual clock.
 *
 * Device work goes into the core's scheduler (one Wasm call per operation issued); the clock
 * moves only when the host has to know something: a query brings the device up to the host's
 * time, a wait runs it until the thing waited for completes (see `waits.ts`). What completed
 * comes back as one report per run, read in one pass: data effects (a copy's bytes, a fill)
 * are applied then, in virtual-time order, before any waiter is told.
 *
 * The host is modelled as one thread with its own clock: every API call costs it the profile's
 * call time, `hostWork(ns)` costs ns, and a wait ends at the completion plus a wake-up latency.
 * Work issued by a call is released at the end of the call, as CUDA submits it.
 */

/** The end of virtual time: the clock stays an exact integer below it (2^53 ns, some 104 days). */
const MAX_CLOCK_NS = 2 ** 53;

/** A fence on the simulated device: stream `stream` has completed `seq` operations. */
export interface SimFence {
	readonly stream: number;
	readonly seq: number;
}

/** Options of the simulated device. */
export interface SimDeviceOptions {
	/** A profile id ('h200', 'h100-sxm', 'h100-pcie', 'a100', 'rtx4090') or overrides. */
	profile?: string | (Partial<DeviceProfile> & { base?: string });
}

const SLAB_BYTES = 1 << 16;
const SMALL_PINNED = 1 << 12;

/** The simulated GPU. Create it with `createDevice('sim')`. */
export class SimDevice implements Device {
	readonly kind: DeviceKind = 'sim';
	readonly name: string;
	readonly profile: DeviceProfile;
	readonly core: Core;
	#host = 0;
	#hostBusy = 0;
	readonly #payloads = new Payloads();
	#labels = new Map<number, string>();
	#priorities = new Map<number, number>();
	#nextLabel = 0;
	#defaultStream = 0;
	#recorder: SimRecorder | undefined;
	#fatal: Error | undefined;
	#destroyed = false;
	#inHostFunc = false;
	/** The slab small pinned arrays are carved from, and how much of it is taken. */
	#slab: ArrayBuffer | undefined;
	#slabUsed = 0;
	readonly #waits: Waits;
	/** Injected faults: how many ops of each kind to let through before the one that faults. */
	#faults: { kernel: number | undefined; copy: number | undefined } = {
		kernel: undefined,
		copy: undefined,
	};

	private constructor(core: Core, profile: DeviceProfile) {
		this.core = core;
		this.profile = profile;
		this.name = `simulated ${profile.gpu}`;
		this.#waits = new Waits(this);
		core.raw.sim_set_op_gap(profile.opGapNs);
	}

	/** Creates a simulated device (its own instance of the core). */
	static async create(options: SimDeviceOptions = {}): Promise<SimDevice> {
		const profile = resolveProfile(options.profile);
		return new SimDevice(await Core.create(), profile);
	}

	get fatal(): Error | undefined {
		return this.#fatal;
	}

	get destroyed(): boolean {
		return this.#destroyed;
	}

	now(): number {
		return this.#host;
	}

	hostWork(ns: number): void {
		this.assertUsable('hostWork');
		const duration = Math.round(expectDuration('ns', ns));
		if (duration > MAX_CLOCK_NS - this.#host) {
			throw new InvalidArgumentError(
				`hostWork(): the virtual clock would pass 2^53 ns (it is at ${this.#host} ns)`,
			);
		}
		this.#span('host_work', 'host work', this.#host, this.#host + duration);
		this.#charge(duration);
	}

	stats(): DeviceStats {
		// Counted up to the host's time, whatever was asked before.
		this.refresh();
		const raw = this.core.raw;
		return {
			hostNs: this.#host,
			hostBusyNs: this.#hostBusy,
			opsCompleted: raw.sim_completed_ops(),
			computeBusyNs: raw.sim_engine_busy(Engine.COMPUTE),
			h2dBusyNs: raw.sim_engine_busy(Engine.H2D),
			d2hBusyNs: raw.sim_engine_busy(Engine.D2H),
		};
	}

	record(): Recording {
		if (this.#recorder === undefined) {
			const recording = new Recording(this.name);
			recording.profile = this.profile.id;
			recording.opGapNs = this.profile.opGapNs;
			recording.clockNs = this.core.raw.sim_now();
			this.#recorder = new SimRecorder(recording, this.core);
		}
		return this.#recorder.recording;
	}

	stopRecording(): Recording | undefined {
		const recording = this.#recorder?.recording;
		this.#recorder = undefined;
		return recording;
	}

	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#waits.rejectAll(
			new DestroyedError('the device was destroyed while this wait was pending'),
		);
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

	/**
	 * Injects a fault: the next kernel or copy (after `skip` others of that kind) faults when it
	 * ends, as an illegal address would on a GPU. The fault is sticky: from then on every call
	 * on the device, and every pending wait, fails with the same DeviceFaultError.
	 */
	injectFault(options: { on: 'kernel' | 'copy'; skip?: number }): void {
		this.assertUsable('injectFault');
		const opts = expectOptions('options', options);
		const on = expectOneOf('options.on', opts.on, ['kernel', 'copy'] as const);
		this.#faults[on] = expectInteger('options.skip', opts.skip ?? 0, 0);
	}

	/** Whether the op being issued is the one an injected fault targets. */
	#takeFault(kind: 'kernel' | 'copy'): boolean {
		const left = this.#faults[kind];
		if (left === undefined) return false;
		if (left > 0) {
			this.#faults[kind] = left - 1;
			return false;
		}
		this.#faults[kind] = undefined;
		return true;
	}

	// Memory ------------------------------------------------------------------------------------

	alloc<D extends Dtype>(dtype: D, shape: readonly number[]): DeviceArray<D> {
		this.assertUsable('alloc');
		expectDtype('dtype', dtype);
		const length = expectShape('shape', shape);
		const buffer = allocate('alloc()', 'device', length * bytesPerElement(dtype));
		return new DeviceArray(this, dtype, shape, length, buffer);
	}

	/**
	 * Small pinned arrays (up to 4 kB) are carved from 64 kB slabs, 8-byte aligned: an
	 * ArrayBuffer each cost more than the copy into it (V8 tracks every backing store), and
	 * asyncCopyToHost allocates one per call. A slab lives as long as any array carved from
	 * it, as a host allocator's pool would; larger arrays get their own buffer.
	 */
	allocHost<D extends Dtype>(dtype: D, shape: readonly number[]): PinnedArray<D> {
		this.assertUsable('allocHost');
		expectDtype('dtype', dtype);
		const length = expectShape('shape', shape);
		const bytes = length * bytesPerElement(dtype);
		if (bytes === 0 || bytes > SMALL_PINNED) {
			return new PinnedArray(this, dtype, shape, allocate('allocHost()', 'pinned host', bytes));
		}
		const size = (bytes + 7) & ~7;
		if (this.#slab === undefined || this.#slabUsed + size > SLAB_BYTES) {
			this.#slab = new ArrayBuffer(SLAB_BYTES);
			this.#slabUsed = 0;
		}
		const array = new PinnedArray(this, dtype, shape, this.#slab, this.#slabUsed, length);
		this.#slabUsed += size;
		return array;
	}

	// Streams and events ------------------------------------------------------------------------

	streamCreate(priority: number, label: string): number {
		this.assertUsable('Stream');
		const handle = this.#check(
			this.core.raw.sim_stream_create(StreamKind.DEVICE, priority),
			'Stream',
		);
		this.#labels.set(handle, label || `stream ${++this.#nextLabel}`);
		if (priority !== 0) this.#priorities.set(handle, priority);
		return handle;
	}

	streamDestroy(stream: number): void {
		this.#check(this.core.raw.sim_stream_destroy(stream), 'Stream.destroy');
	}

	defaultStreamHandle(): number {
		if (this.#defaultStream === 0) this.#defaultStream = this.streamCreate(0, 'default stream');
		return this.#defaultStream;
	}

	streamQuery(stream: number): boolean {
		this.assertUsable('Stream.query');
		this.#light();
		this.sync();
		const raw = this.core.raw;
		return raw.sim_stream_completed(stream) >= raw.sim_stream_issued(stream);
	}

	streamFence(stream: number): Fence {
		return { stream, seq: this.core.raw.sim_stream_issued(stream) } satisfies SimFence;
	}

	streamWaitEvent(stream: number, event: number): void {
		this.assertUsable('Stream.waitEvent');
		const raw = this.core.raw;
		const release = this.#light();
		const op = this.#check(raw.sim_enqueue_wait_event(stream, event, release), 'Stream.waitEvent');
		this.#payloads.set(op, Payload.STREAM_WAIT);
		if (this.#recorder !== undefined) {
			// What the core waits for: the event's capture, or nothing if it was never recorded.
			const recorded = raw.sim_event_recorded(event) === 1;
			const on = recorded ? raw.sim_event_stream(event) : stream;
			const seq = recorded ? raw.sim_event_seq(event) : 0;
			this.#log(op, stream, release, 0, 0, 0, on, seq);
		}
	}

	eventCreate(timing: boolean, _blocking: boolean): number {
		this.assertUsable('Event');
		return this.#check(this.core.raw.sim_event_create(timing ? 1 : 0), 'Event');
	}

	eventDestroy(event: number): void {
		this.#check(this.core.raw.sim_event_destroy(event), 'Event.destroy');
	}

	eventRecord(event: number, stream: number): void {
		this.assertUsable('Event.record');
		const release = this.#light();
		const op = this.#check(this.core.raw.sim_event_record(event, stream, release), 'Event.record');
		this.#payloads.set(op, Payload.EVENT_RECORD);
		if (this.#recorder !== undefined) this.#log(op, stream, release, 0, 0, 0);
	}

	eventQuery(event: number): boolean {
		this.assertUsable('Event.query');
		this.#light();
		this.sync();
		return this.core.raw.sim_event_query(event) === 1;
	}

	eventRecorded(event: number): boolean {
		return this.core.raw.sim_event_recorded(event) === 1;
	}

	eventElapsedMs(start: number, end: number): number {
		this.assertUsable('Event.elapsedTime');
		this.sync();
		const code = this.core.raw.sim_event_elapsed(start, end);
		if (code === 0) return (this.core.floats(1)[0] as number) / 1e6;
		switch (-code) {
			case CoreCode.TIMING_DISABLED:
				throw new TimingDisabledError(
					'Event.elapsedTime(): both events must be created with { timing: true }',
				);
			case CoreCode.NOT_RECORDED:
				throw new NotRecordedError('Event.elapsedTime(): both events must be recorded first');
			case CoreCode.NOT_READY:
				throw new NotReadyError(
					'Event.elapsedTime(): both events must have completed; synchronize the end event first',
				);
			default:
				throw this.#error(-code, 'Event.elapsedTime');
		}
	}

	fenceDone(fence: Fence): boolean {
		const { stream, seq } = fence as SimFence;
		const completed = this.core.raw.sim_stream_completed(stream);
		// A stream whose handle went stale was freed only after all its work completed.
		return completed < 0 || completed >= seq;
	}

	refresh(): void {
		// A broken device runs no more: what completed before the fault is all there is.
		if (!this.#destroyed && this.#fatal === undefined) this.sync();
	}

	eventFence(event: number): Fence | undefined {
		const raw = this.core.raw;
		if (raw.sim_event_recorded(event) !== 1) return undefined;
		return {
			stream: raw.sim_event_stream(event),
			seq: raw.sim_event_seq(event),
		} satisfies SimFence;
	}

	// Work --------------------------------------------------------------------------------------

	launchKernel(stream: number, spec: KernelSpec): void {
		this.assertUsable('launchKernel');
		// A kernel that never ends has no duration: -1 tells the core so.
		const duration = Number.isFinite(spec.durationNs) ? Math.round(spec.durationNs) : -1;
		const earliest = this.#host + this.profile.launchNs + this.profile.submitNs;
		if (duration > MAX_CLOCK_NS - earliest) {
			throw new InvalidStateError(
				'launchKernel(): the kernel would end past the end of virtual time (2^53 ns, some 104 days): create a new device',
			);
		}
		const units = Math.max(1, Math.round((spec.occupancy ?? 1) * COMPUTE_UNITS));
		const release = this.#launch() + this.profile.submitNs;
		const flags = spec.fault === true || this.#takeFault('kernel') ? OpFlag.FAULT : 0;
		const op = this.#check(
			this.core.raw.sim_enqueue(
				stream,
				OpKind.KERNEL,
				Engine.COMPUTE,
				duration,
				units,
				release,
				flags,
			),
			'launchKernel',
		);
		const payloads = this.#payloads;
		payloads.set(op, Payload.KERNEL);
		if (spec.name !== undefined) payloads.name(op, spec.name);
		if (spec.fill !== undefined) payloads.effect(op, new Fill(spec.fill));
		if (this.#recorder !== undefined) this.#log(op, stream, release, duration, units, flags);
	}

	copyToHost(
		stream: number,
		src: DeviceArray,
		dst: PinnedArray | ArrayBufferView,
		byteOffset: number,
	): void {
		this.assertUsable('copyToHost');
		const pinned = dst instanceof PinnedArray;
		const bytes = src.byteLength;
		const gbps = pinned ? this.profile.d2hPinnedGBps : this.profile.d2hPageableGBps;
		const release = this.#launch() + this.profile.copySubmitNs;
		const flags = this.#takeFault('copy') ? OpFlag.FAULT : 0;
		const duration = copyNs(this.profile, bytes, gbps);
		const op = this.#check(
			this.core.raw.sim_enqueue(stream, OpKind.COPY_D2H, Engine.D2H, duration, 0, release, flags),
			'copyToHost',
		);
		if (pinned) dst.retain(true);
		this.#payloads.set(op, pinned ? Payload.COPY_D2H_PINNED : Payload.COPY_D2H_PAGEABLE, bytes);
		this.#payloads.copy(op, src, dst, byteOffset);
		if (this.#recorder !== undefined) this.#log(op, stream, release, duration, 0, flags);
		// A copy into pageable memory returns only once it is done, as cudaMemcpyAsync does.
		if (!pinned)
			this.#blockUntil(
				{ stream, seq: this.core.raw.sim_stream_issued(stream) },
				'asyncCopyToHost()',
			);
	}

	copyToDevice(stream: number, dst: DeviceArray, src: PinnedArray | ArrayBufferView): void {
		this.assertUsable('copyToDevice');
		const pinned = src instanceof PinnedArray;
		const bytes = src.byteLength;
		const gbps = pinned ? this.profile.h2dPinnedGBps : this.profile.h2dPageableGBps;
		const release = this.#launch() + this.profile.copySubmitNs;
		const flags = this.#takeFault('copy') ? OpFlag.FAULT : 0;
		const duration = copyNs(this.profile, bytes, gbps);
		const op = this.#check(
			this.core.raw.sim_enqueue(stream, OpKind.COPY_H2D, Engine.H2D, duration, 0, release, flags),
			'copyToDevice',
		);
		const source = pinned
			? new Uint8Array(src.data.buffer, src.data.byteOffset, bytes)
			: asBytes(src);
		if (pinned) src.retain(false);
		// A race detector a GPU cannot have: write() is refused while the copy reads the array,
		// but a view kept from read() is not; what the copy sends is compared with what the
		// array held when it was issued, and a difference breaks the device, loudly.
		const issued = pinned ? source.slice() : undefined;
		const lane = this.#lane(stream);
		this.#payloads.set(op, pinned ? Payload.COPY_H2D_PINNED : Payload.COPY_H2D_PAGEABLE, bytes);
		this.#payloads.effect(op, {
			end: () => {
				new Uint8Array(dst.storage as ArrayBuffer).set(source);
				if (pinned) src.release(false);
				if (issued !== undefined && !sameBytes(issued, source)) {
					this.setFatal(
						new DeviceFaultError(
							`copy H2D pinned on ${lane}: the host wrote its source while the copy read it (through a view from read()); the copy sent the changed bytes, as a GPU would`,
							{ cudaError: 'HOST_WRITE_RACE' },
						),
					);
				}
			},
		});
		if (this.#recorder !== undefined) this.#log(op, stream, release, duration, 0, flags);
		// Pageable memory is staged by the driver: the call returns once the data is on its way.
		if (!pinned)
			this.#blockUntil(
				{ stream, seq: this.core.raw.sim_stream_issued(stream) },
				'Stream.copyToDevice()',
			);
	}

	memset(stream: number, target: DeviceArray, byte: number): void {
		this.assertUsable('memset');
		const release = this.#launch() + this.profile.copySubmitNs;
		const duration = copyNs(this.profile, target.byteLength, this.profile.memoryGBps);
		const op = this.#check(
			this.core.raw.sim_enqueue(
				stream,
				OpKind.MEMSET,
				Engine.COMPUTE,
				duration,
				COMPUTE_UNITS,
				release,
				0,
			),
			'memset',
		);
		this.#payloads.set(op, Payload.MEMSET, target.byteLength);
		this.#payloads.effect(op, {
			end: () => new Uint8Array(target.storage as ArrayBuffer).fill(byte),
		});
		if (this.#recorder !== undefined) this.#log(op, stream, release, duration, COMPUTE_UNITS, 0);
	}

	launchHostFunc(stream: number, fn: () => void): void {
		this.assertUsable('launchHostFunc');
		const release = this.#launch() + this.profile.submitNs;
		const op = this.#check(
			this.core.raw.sim_enqueue(
				stream,
				OpKind.HOST_FUNC,
				Engine.HOST_FUNC,
				this.profile.hostFuncNs,
				0,
				release,
				OpFlag.REPORT_START,
			),
			'launchHostFunc',
		);
		this.#payloads.set(op, Payload.HOST_FUNC);
		if (fn.name) this.#payloads.name(op, fn.name);
		this.#payloads.effect(op, { start: () => this.#runHostFunc(fn) });
		if (this.#recorder !== undefined) {
			this.#log(op, stream, release, this.profile.hostFuncNs, 0, 0);
		}
	}

	bindOutput(stream: number, output: number): Fence {
		const raw = this.core.raw;
		const release = this.#host;
		const op = this.#check(raw.sim_enqueue_output_marker(stream, output, release), 'bindOutput');
		this.#payloads.set(op, Payload.OUTPUT_READY);
		if (this.#recorder !== undefined) this.#log(op, stream, release, 0, 0, 0);
		// The marker was the last op issued to the stream: its seq is the issued count.
		return { stream, seq: raw.sim_stream_issued(stream) } satisfies SimFence;
	}

	// Waiting -----------------------------------------------------------------------------------

	async synchronize(options?: WaitOptions): Promise<void> {
		const opts = expectWaitOptions('options', options);
		this.assertUsable('synchronize');
		const raw = this.core.raw;
		const fences: SimFence[] = [];
		for (const stream of this.#labels.keys()) {
			const issued = raw.sim_stream_issued(stream);
			if (issued >= 0) fences.push({ stream, seq: issued });
		}
		return this.waitUntil(
			{
				check: () => fences.every((f) => this.fenceDone(f)),
				fences,
				describe: () => {
					const left = fences.filter((f) => !this.fenceDone(f));
					return `device synchronize: ${left.length} of ${fences.length} streams still have work (${left.map((f) => this.#lane(f.stream)).join(', ')})`;
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

	// Internals used by Waits ---------------------------------------------------------------------

	/** @internal Brings the device up to the host's clock and processes what completed. */
	sync(): void {
		const raw = this.core.raw;
		for (;;) {
			const stop = raw.sim_run(RunMode.UNTIL_TIME, this.#host);
			this.#drain();
			if (stop !== Stop.REPORT_FULL) return;
		}
	}

	/**
	 * @internal Runs the device until a core waiter fires or nothing more can happen; returns
	 * the stop reason. The host is idle (everything awaits), so the device may pass its clock.
	 */
	runUntilWaiter(): number {
		const raw = this.core.raw;
		for (;;) {
			const stop = raw.sim_run(RunMode.UNTIL_WAITER, 0);
			this.#drain();
			if (stop !== Stop.REPORT_FULL) return stop;
		}
	}

	/** @internal The device clock (the time of the last completion processed). */
	deviceNow(): number {
		return this.core.raw.sim_now();
	}

	/** @internal Moves the host clock to `t` if it is behind (a wait returned at `t`). */
	hostReaches(t: number, busy: boolean): void {
		if (t <= this.#host) return;
		if (busy) this.#hostBusy += t - this.#host;
		this.#host = t;
	}

	/** @internal Records a span of host time (a wait). */
	hostSpan(name: string, start: number, end: number): void {
		if (end > start) this.#span('host_wait', name, start, end);
	}

	/**
	 * @internal Turns a sticky fault into the device's fatal state: every output that has not
	 * finished fails with it, and every pending wait rejects with it.
	 */
	setFatal(error: Error): void {
		if (this.#fatal !== undefined) return;
		this.#fatal = error;
		// The core stops its clock too (a fault it raised itself has done so already).
		this.core.raw.sim_fault();
		this.core.raw.output_fail_all(this.#host);
		this.#waits.rejectAll(error);
	}

	// Private ---------------------------------------------------------------------------------------

	/** Processes one run's report: effects in order, then lets the waits look. */
	#drain(): void {
		const report = this.core.report();
		const payloads = this.#payloads;
		const recorder = this.#recorder;
		let waiterHits: number[] | undefined;
		for (let at = 0; at < report.length; at += Rec.LANES) {
			const type = report[at] as number;
			const id = report[at + 1] as number;
			if (type === Rec.WAITER) {
				waiterHits ??= [];
				waiterHits.push(id);
				continue;
			}
			if (type === Rec.OP_START) {
				payloads.effectOf(id)?.start?.();
				continue;
			}
			const kind = payloads.kind(id);
			const effect = payloads.effectOf(id);
			const from = payloads.copyFrom(id);
			const to = from === undefined ? undefined : payloads.copyTo(id);
			const offset = from === undefined ? 0 : payloads.copyOffset(id);
			// What the recording and a fault message need, before the slot is forgotten.
			const named = recorder !== undefined || type === Rec.OP_FAULT;
			const name = named && kind !== Payload.NONE ? payloads.nameOf(id, kind) : '';
			const bytes = recorder === undefined ? undefined : payloads.bytesOf(id);
			const index = recorder === undefined ? undefined : payloads.indexOf(id);
			payloads.clear(id);
			if (type === Rec.OP_FAULT) this.#fault(kind, name, report[at + 3] as number, report[at + 5]);
			if (kind === Payload.NONE) continue;
			effect?.end?.();
			if (from !== undefined) landCopy(from, to as PinnedArray | ArrayBufferView, offset);
			if (recorder !== undefined) {
				recorder.recording.add({
					kind: payloads.timelineKind(kind),
					name,
					lane: this.#lane(report[at + 3] as number),
					engine: payloads.engine(kind),
					start: report[at + 4] as number,
					end: report[at + 5] as number,
					bytes,
					op: index,
				});
			}
		}
		if (recorder !== undefined) recorder.recording.clockNs = this.core.raw.sim_now();
		if (this.#fatal === undefined) this.#waits.onReport(waiterHits ?? NO_HITS);
	}

	/** An op faulted: the device's sticky fault, named after the op. */
	#fault(kind: number, name: string, stream: number, at: number | undefined): void {
		let what = 'an operation';
		if (kind !== Payload.NONE) what = kind === Payload.KERNEL ? `kernel '${name}'` : name;
		const lane = kind === Payload.NONE ? 'a stream' : this.#lane(stream);
		this.setFatal(
			new DeviceFaultError(
				`${what} on ${lane} hit an illegal address at ${at} ns (CUDA_ERROR_ILLEGAL_ADDRESS); the error is sticky: every later call on this device fails with it`,
				{ cudaError: 'CUDA_ERROR_ILLEGAL_ADDRESS' },
			),
		);
	}

	#runHostFunc(fn: () => void): void {
		this.#inHostFunc = true;
		try {
			fn();
		} catch (error) {
			this.setFatal(
				new DeviceFaultError('a host function threw; the device is unusable from now on', {
					cause: error,
				}),
			);
		} finally {
			this.#inHostFunc = false;
		}
	}

	/** Blocks the host (synchronously) until a fence is reached: pageable copies. */
	#blockUntil(fence: SimFence, what: string): void {
		const raw = this.core.raw;
		const waiter = raw.sim_waiter_fence(fence.stream, fence.seq);
		let stuck = false;
		if (waiter > 0) {
			const start = this.#host;
			for (;;) {
				const stop = raw.sim_run(RunMode.UNTIL_WAITER, 0);
				this.#drain();
				if (stop !== Stop.REPORT_FULL && raw.sim_stream_completed(fence.stream) >= fence.seq) break;
				if (stop === Stop.FAULT) break;
				if (stop === Stop.IDLE) {
					stuck = raw.sim_stream_completed(fence.stream) < fence.seq;
					break;
				}
			}
			raw.sim_waiter_remove(waiter);
			this.hostReaches(raw.sim_now(), true);
			this.hostSpan('pageable copy', start, this.#host);
		}
		if (this.#fatal !== undefined) throw this.#fatal;
		if (stuck) {
			// On a GPU the call would block for ever; here the device knows nothing can move.
			throw new InvalidStateError(
				`${what}: the pageable copy can never finish (its stream is stuck behind work that never ends), so the call would block for ever`,
			);
		}
	}

	/** Charges a launch call to the host; returns the release time of the work it issues. */
	#launch(): number {
		this.#charge(this.profile.launchNs);
		return this.#host;
	}

	/** Charges a light call (record, wait, query) to the host; returns its end. */
	#light(): number {
		this.#charge(this.profile.lightCallNs);
		return this.#host;
	}

	#charge(ns: number): void {
		if (ns > MAX_CLOCK_NS - this.#host) {
			throw new InvalidStateError(
				'the virtual clock reached its end (2^53 ns, some 104 days): create a new device',
			);
		}
		this.#host += ns;
		this.#hostBusy += ns;
		this.#waits.kick();
	}

	#span(kind: TimelineKind, name: string, start: number, end: number): void {
		this.#recorder?.recording.add({ kind, name, lane: 'host', start, end });
	}

	/** Logs the op just issued (its payload set) to the recording (the caller checks one is on). */
	#log(
		op: number,
		stream: number,
		releaseNs: number,
		durationNs: number,
		units: number,
		flags: number,
		waitOn?: number,
		waitSeq?: number,
	): void {
		const recorder = this.#recorder as SimRecorder;
		const payloads = this.#payloads;
		const kind = payloads.kind(op);
		const priority = (handle: number) => this.#priorities.get(handle) ?? 0;
		const index = recorder.issue({
			stream: recorder.stream(stream, this.#lane(stream), priority(stream), 1),
			kind: payloads.timelineKind(kind) as IssuedOp['kind'],
			name: payloads.nameOf(op, kind),
			engine: payloads.engine(kind),
			bytes: payloads.bytesOf(op),
			releaseNs,
			durationNs,
			units,
			fault: flags & OpFlag.FAULT ? true : undefined,
			waitFor:
				waitOn === undefined
					? undefined
					: recorder.waitFor(waitOn, waitSeq as number, this.#lane(waitOn), priority(waitOn)),
		});
		payloads.recorded(op, index);
	}

	#lane(stream: number): string {
		return this.#labels.get(stream) ?? `stream ${stream}`;
	}

	#check(result: number, what: string): number {
		if (result >= 0) return result;
		throw this.#error(-result, what);
	}

	#error(code: number, what: string): Error {
		switch (code) {
			case CoreCode.STALE_HANDLE:
				return new DestroyedError(`${what}: the object was destroyed or belongs to another device`);
			case CoreCode.DESTROYED:
				return new DestroyedError(`${what}: the stream was destroyed`);
			case CoreCode.FULL:
				return new QueueFullError(
					`${what}: the core's table is full (about 1 million live entries)`,
				);
			default:
				return new InvalidStateError(`${what}: core error ${code}`);
		}
	}

	/** @internal Checks that an object belongs to this device. */
	own(what: string, object: { device: unknown }): void {
		if (object.device !== this)
			throw new ForeignObjectError(`${what}: the object belongs to another device`);
	}
}

/** An ArrayBuffer of `bytes`, or an OutOfMemoryError when the engine cannot hold one. */
function allocate(what: string, kind: string, bytes: number): ArrayBuffer {
	try {
		return new ArrayBuffer(bytes);
	} catch {
		throw new OutOfMemoryError(
			`${what}: cannot allocate ${bytes} bytes of ${kind} memory (the simulated device keeps it in an ArrayBuffer)`,
		);
	}
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

const NO_HITS: number[] = [];

/** A kernel's fill of a device array, when it ends. */
class Fill implements Effect {
	readonly #fill: NonNullable<KernelSpec['fill']>;

	constructor(fill: NonNullable<KernelSpec['fill']>) {
		this.#fill = fill;
	}

	end(): void {
		const fill = this.#fill;
		fillPattern(
			viewOf(fill.target.dtype, fill.target.storage as ArrayBuffer),
			fill.value,
			fill.step ?? 0,
		);
	}
}

/** A device-to-host copy's bytes land (when it ends). */
function landCopy(src: DeviceArray, dst: PinnedArray | ArrayBufferView, byteOffset: number): void {
	const from = new Uint8Array(src.storage as ArrayBuffer, 0, src.byteLength);
	if (dst instanceof PinnedArray) {
		new Uint8Array(dst.data.buffer, dst.data.byteOffset, dst.byteLength).set(from, byteOffset);
		dst.release(true);
	} else {
		asBytes(dst).set(from, byteOffset);
	}
}

function asBytes(view: ArrayBufferView): Uint8Array {
	return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
