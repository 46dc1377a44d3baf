import type { Core } from '../../core/core.js';
import type { IssuedOp, Recording } from '../../trace/recording.js';

/**
 * Feeds a recording from the simulated device: streams by their core handle, issued ops in
 * issue order. A stream enters the recording when the recording first meets it, with the count
 * of ops it had been given before (`base`), so that the seq of a stream wait can be made
 * relative to the recording: a replay's streams start from zero.
 */
export class SimRecorder {
	readonly recording: Recording;
	readonly #core: Core;
	readonly #streams = new Map<number, { index: number; base: number }>();

	constructor(recording: Recording, core: Core) {
		this.recording = recording;
		this.#core = core;
	}

	/**
	 * The recording's index of stream `handle`, adding it on first use; `pending` ops of the
	 * stream's issued count belong to the recording already (the op being logged).
	 */
	stream(handle: number, label: string, priority: number, pending: number): number {
		const known = this.#streams.get(handle);
		if (known !== undefined) return known.index;

		const issued = this.#core.raw.sim_stream_issued(handle);
		const index = this.recording.addStream({ label, priority });
		this.#streams.set(handle, { index, base: Math.max(0, issued - pending) });
		return index;
	}

	/**
	 * What a stream wait on (`handle`, `seq`) waits for in the recording's terms, or undefined
	 * when it waits for nothing the recording has: work that predates it, or a stream already
	 * freed (whose work, the core says, is all done).
	 */
	waitFor(
		handle: number,
		seq: number,
		label: string,
		priority: number,
	): IssuedOp['waitFor'] | undefined {
		if (this.#core.raw.sim_stream_issued(handle) < 0 && !this.#streams.has(handle))
			return undefined;

		const stream = this.stream(handle, label, priority, 0);
		const relative = seq - (this.#streams.get(handle)?.base ?? 0);
		return relative > 0 ? { stream, seq: relative } : undefined;
	}

	/** Logs an issued op; returns its index in the recording. */
	issue(op: IssuedOp): number {
		return this.recording.addOp(op);
	}
}
