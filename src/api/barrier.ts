import { checkCore } from '../core/check.js';

import type { Device } from '../device/device.js';
import {
	DestroyedError,
	InvalidArgumentError,
	InvalidStateError,
	OutputFailedError,
} from '../errors.js';
import {
	expectDevice,
	expectInstance,
	expectInteger,
	expectOptions,
	expectWaitOptions,
	invalid,
	type WaitOptions,
} from '../validate.js';
import { AsyncOutput } from './async-output.js';

/** Options of a barrier. */
export interface BarrierOptions {
	/** The device whose outputs it waits for. */
	device: Device;
}

/**
 * Waits for `count` outputs to finish; reusable after `reset()`.
 *
 * @example
 * const barrier = new AsyncBarrier(2, { device });
 * barrier.add(a);
 * barrier.add(b);
 * await barrier.wait(); // both finished (rejects with OutputFailedError if one failed)
 */
export class AsyncBarrier {
	readonly device: Device;
	readonly count: number;
	/** @internal */
	readonly handle: number;
	#members: AsyncOutput<unknown>[] = [];
	#destroyed = false;

	constructor(count: number, options: BarrierOptions) {
		this.count = expectInteger('count', count, 1, 1 << 20);
		const opts = expectOptions('options', options);
		this.device = expectDevice('options.device', opts.device);
		this.device.assertUsable('new AsyncBarrier()');
		this.handle = checkCore(this.device.core.raw.barrier_create(this.count), 'new AsyncBarrier()');
	}

	/** Adds an output; throws once `count` were added or when it was added already. */
	add(output: AsyncOutput<unknown>): void {
		this.#usable('AsyncBarrier.add()');
		expectInstance('output', output, AsyncOutput, 'an AsyncOutput');
		AsyncOutput.own('AsyncBarrier.add()', output, this.device);
		if (output.released) {
			throw new InvalidStateError(`AsyncBarrier.add(): '${output.label}' was already delivered`);
		}
		checkCore(
			this.device.core.raw.barrier_add(this.handle, output.handle),
			'AsyncBarrier.add()',
			`'${output.label}' (the barrier holds ${this.#members.length} of ${this.count})`,
		);
		this.#members.push(output);
		this.device.notify();
	}

	/** Outputs added that have finished. */
	get arrived(): number {
		this.#usable('AsyncBarrier.arrived');
		this.device.refresh();
		return checkCore(this.device.core.raw.barrier_arrived(this.handle), 'AsyncBarrier.arrived');
	}

	/** Outputs added since the last reset. */
	get added(): number {
		return this.#members.length;
	}

	/** How many times the barrier was reset. */
	get generation(): number {
		return checkCore(
			this.device.core.raw.barrier_generation(this.handle),
			'AsyncBarrier.generation',
		);
	}

	/**
	 * Resolves once `count` outputs were added and all finished.
	 * @throws OutputFailedError (cause: the first failure in order of adding) if one failed.
	 */
	async wait(options?: WaitOptions): Promise<void> {
		const opts = expectWaitOptions('options', options);
		const raw = this.device.core.raw;
		const done = () =>
			this.#members.length === this.count && raw.barrier_arrived(this.handle) === this.count;
		for (;;) {
			this.#usable('AsyncBarrier.wait()');
			this.device.refresh();
			if (done()) break;
			// Wait for the members known now; an add() wakes the wait so the new member counts.
			const known = this.#members.length;
			await this.device.waitUntil(
				{
					check: () => this.#destroyed || done() || this.#members.length !== known,
					fences: this.#members.flatMap((o) => (o.fence === undefined ? [] : [o.fence])),
					describe: () =>
						`barrier: ${raw.barrier_arrived(this.handle)} of ${this.count} outputs arrived (${this.#members.length} added)`,
					blocking: true,
				},
				opts,
			);
		}
		if (this.device.fatal !== undefined) throw this.device.fatal;
		const failed = raw.barrier_first_failed(this.handle);
		if (failed > 0) {
			const output = this.#members.find((o) => o.handle === failed) as AsyncOutput<unknown>;
			throw new OutputFailedError(`AsyncBarrier.wait(): '${output.label}' failed`, output.error);
		}
	}

	/** Empties the barrier for reuse. */
	reset(): void {
		this.#usable('AsyncBarrier.reset()');
		checkCore(this.device.core.raw.barrier_reset(this.handle), 'AsyncBarrier.reset()');
		this.#members = [];
	}

	/** Releases the barrier. */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		if (!this.device.destroyed) {
			this.device.core.raw.barrier_destroy(this.handle);
			this.device.notify(); // a pending wait() wakes and rejects with DestroyedError
		}
	}

	#usable(what: string): void {
		if (this.#destroyed) throw new DestroyedError(`${what}: the barrier was destroyed`);
		this.device.assertUsable(what);
	}
}

/**
 * Waits for every output in `outputs` to finish.
 * @throws OutputFailedError if one failed; InvalidArgumentError for an empty list.
 */
export async function asyncBarrier(
	outputs: readonly AsyncOutput<unknown>[],
	options?: WaitOptions,
): Promise<void> {
	if (!Array.isArray(outputs)) throw invalid('an array of AsyncOutput', 'outputs', outputs);
	if (outputs.length === 0) {
		throw new InvalidArgumentError('Expected at least one output for outputs, got [] (array)');
	}
	for (const [i, output] of outputs.entries()) {
		expectInstance(`outputs[${i}]`, output, AsyncOutput, 'an AsyncOutput');
	}
	const first = outputs[0] as AsyncOutput<unknown>;
	const barrier = new AsyncBarrier(outputs.length, { device: first.device });
	try {
		for (const output of outputs) barrier.add(output);
		await barrier.wait(options);
	} finally {
		barrier.destroy();
	}
}
