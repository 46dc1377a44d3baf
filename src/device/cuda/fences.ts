import type { NativeDevice } from './native.js';

/**
 * Fences of the CUDA device: driver events that stand for "the work a stream had when the fence
 * was made".
 *
 * A fence holds a reference on its driver event. An Event of the API holds one too, and
 * re-recording it while a fence still refers to its driver event moves the Event to a fresh
 * driver event: a wait keeps what the event captured when the wait began, as CUDA's stream waits
 * do, even if the event is recorded again. Driver events nobody refers to go back to a pool.
 */

/** A driver event with a reference count. */
export class NativeEvent {
	readonly id: number;
	readonly flags: number;
	refs = 1;

	constructor(id: number, flags: number) {
		this.id = id;
		this.flags = flags;
	}
}

/** A point in a stream: done once the stream's first `seq` operations are. */
export interface CudaFence {
	readonly stream: number;
	readonly seq: number;
	readonly event: NativeEvent;
	done: boolean;
}

/** Driver events to reuse, by flags. */
export class EventPool {
	readonly #native: NativeDevice;
	readonly #check: (result: number, what: string) => number;
	readonly #free = new Map<number, number[]>();
	static readonly MAX_FREE = 256;

	constructor(native: NativeDevice, check: (result: number, what: string) => number) {
		this.#native = native;
		this.#check = check;
	}

	/** A driver event with `flags`, referenced once. */
	take(flags: number, what: string): NativeEvent {
		const id = this.#free.get(flags)?.pop();
		if (id !== undefined) return new NativeEvent(id, flags);
		return new NativeEvent(this.#check(this.#native.eventCreate(flags), what), flags);
	}

	/** Adds a reference. */
	retain(event: NativeEvent): NativeEvent {
		event.refs++;
		return event;
	}

	/** Drops a reference; the last one returns the driver event to the pool (or destroys it). */
	release(event: NativeEvent, destroyed: boolean): void {
		if (--event.refs > 0) return;
		if (destroyed) return;
		let free = this.#free.get(event.flags);
		if (free === undefined) {
			free = [];
			this.#free.set(event.flags, free);
		}
		if (free.length < EventPool.MAX_FREE) free.push(event.id);
		else this.#native.eventDestroy(event.id);
	}

	/** Driver events in the pool. */
	get size(): number {
		let n = 0;
		for (const free of this.#free.values()) n += free.length;
		return n;
	}
}
