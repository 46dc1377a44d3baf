import type { TimelineKind } from '../../trace/recording.js';
import type { DeviceArray, PinnedArray } from '../memory.js';

/**
 * What the simulated device's host side knows of each op it issued, by the op's slot in the
 * core: a payload kind (the timeline kind, name and engine that go with it), and only where
 * an op has them, a name of its own, a byte count, an effect to run and its index in a
 * recording. Typed arrays for what every op has, sparse arrays for the rest: an op costs the
 * host no object unless it moves data or runs a function (a million ops in flight used to be
 * a million payload objects for the collector to trace).
 */

/** What the host does when an op starts or ends. */
export interface Effect {
	/** When the op starts (a host function runs). */
	start?(): void;
	/** When the op ends, before any waiter is told (a copy's bytes land, a fill is written). */
	end?(): void;
}

/** Payload kinds. */
export const Payload = {
	NONE: 0,
	KERNEL: 1,
	COPY_D2H_PINNED: 2,
	COPY_D2H_PAGEABLE: 3,
	COPY_H2D_PINNED: 4,
	COPY_H2D_PAGEABLE: 5,
	MEMSET: 6,
	HOST_FUNC: 7,
	EVENT_RECORD: 8,
	OUTPUT_READY: 9,
	STREAM_WAIT: 10,
} as const;

interface KindInfo {
	kind: TimelineKind;
	name: string;
	engine: string | undefined;
}

const INFO: KindInfo[] = [
	{ kind: 'kernel', name: '', engine: undefined },
	{ kind: 'kernel', name: 'kernel', engine: 'compute' },
	{ kind: 'copy_d2h', name: 'copy D2H pinned', engine: 'copy D2H' },
	{ kind: 'copy_d2h', name: 'copy D2H pageable', engine: 'copy D2H' },
	{ kind: 'copy_h2d', name: 'copy H2D pinned', engine: 'copy H2D' },
	{ kind: 'copy_h2d', name: 'copy H2D pageable', engine: 'copy H2D' },
	{ kind: 'memset', name: 'memset', engine: 'compute' },
	{ kind: 'host_func', name: 'host function', engine: 'host functions' },
	{ kind: 'event_record', name: 'event record', engine: undefined },
	{ kind: 'event_record', name: 'output ready', engine: undefined },
	{ kind: 'stream_wait', name: 'wait event', engine: undefined },
];

/** The payloads of the ops in flight, by op slot. */
export class Payloads {
	#kind = new Uint8Array(1024);
	/** Bytes moved or set, or -1 for an op that moves none. */
	#bytes = new Float64Array(1024);
	/** Index among a recording's issued ops + 1 (0: issued while not recording). */
	#recorded = new Int32Array(1024);
	#names: (string | undefined)[] = [];
	#effects: (Effect | undefined)[] = [];
	/** Device-to-host copies (the most common op with an effect): source, destination, offset. */
	#from: (DeviceArray | undefined)[] = [];
	#to: (PinnedArray | ArrayBufferView | undefined)[] = [];
	#offset = new Float64Array(1024);

	/** Sets the payload of a new op (the slot's last one was taken). */
	set(op: number, kind: number, bytes = -1): void {
		if (op >= this.#kind.length) this.#grow(op);
		this.#kind[op] = kind;
		this.#bytes[op] = bytes;
		this.#recorded[op] = 0;
	}

	/** Gives the op a name other than its kind's. */
	name(op: number, name: string): void {
		this.#names[op] = name;
	}

	/** Gives the op an effect. */
	effect(op: number, effect: Effect): void {
		this.#effects[op] = effect;
	}

	/** Makes the op a device-to-host copy of `from` into `to` at `offset` bytes. */
	copy(op: number, from: DeviceArray, to: PinnedArray | ArrayBufferView, offset: number): void {
		this.#from[op] = from;
		this.#to[op] = to;
		this.#offset[op] = offset;
	}

	/** The source of a device-to-host copy (undefined for other ops). */
	copyFrom(op: number): DeviceArray | undefined {
		return this.#from[op];
	}

	copyTo(op: number): PinnedArray | ArrayBufferView {
		return this.#to[op] as PinnedArray | ArrayBufferView;
	}

	copyOffset(op: number): number {
		return this.#offset[op] as number;
	}

	/** Notes the op's index in the recording. */
	recorded(op: number, index: number): void {
		this.#recorded[op] = index + 1;
	}

	/** The payload kind of an op (Payload.NONE when it has none). */
	kind(op: number): number {
		return op < this.#kind.length ? (this.#kind[op] as number) : Payload.NONE;
	}

	timelineKind(kind: number): TimelineKind {
		return (INFO[kind] as KindInfo).kind;
	}

	engine(kind: number): string | undefined {
		return (INFO[kind] as KindInfo).engine;
	}

	nameOf(op: number, kind: number): string {
		return this.#names[op] ?? (INFO[kind] as KindInfo).name;
	}

	bytesOf(op: number): number | undefined {
		const bytes = this.#bytes[op] as number;
		return bytes < 0 ? undefined : bytes;
	}

	indexOf(op: number): number | undefined {
		const index = this.#recorded[op] as number;
		return index === 0 ? undefined : index - 1;
	}

	/** The effect of an op, if any. */
	effectOf(op: number): Effect | undefined {
		return this.#effects[op];
	}

	/** Forgets an op that ended (its slot is the core's to reuse). */
	clear(op: number): void {
		if (op >= this.#kind.length) return;
		this.#kind[op] = Payload.NONE;
		if (this.#effects[op] !== undefined) this.#effects[op] = undefined;
		if (this.#names[op] !== undefined) this.#names[op] = undefined;
		if (this.#from[op] !== undefined) {
			this.#from[op] = undefined;
			this.#to[op] = undefined;
		}
	}

	#grow(op: number): void {
		let size = this.#kind.length * 2;
		while (size <= op) size *= 2;
		const kind = new Uint8Array(size);
		kind.set(this.#kind);
		this.#kind = kind;
		const bytes = new Float64Array(size);
		bytes.set(this.#bytes);
		this.#bytes = bytes;
		const recorded = new Int32Array(size);
		recorded.set(this.#recorded);
		this.#recorded = recorded;
		const offset = new Float64Array(size);
		offset.set(this.#offset);
		this.#offset = offset;
	}
}
