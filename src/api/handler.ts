import { checkCore, coreError } from '../core/check.js';
import { State } from '../core/codes.js';
import type { Device } from '../device/device.js';
import { DestroyedError, InvalidStateError } from '../errors.js';
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

// A handle's low 20 bits are its row in the core's output table (assembly/handle.ts): unique
// among live outputs, so a plain array indexed by them maps the handler's handles to objects.
const SLOT_MASK = (1 << 20) - 1;

/** Options of a handler. */
export interface HandlerOptions {
	/** The device whose outputs it handles. */
	device: Device;
	/** At most this many outputs pending at once; `submit` returns false beyond (default 16). */
	maxPending?: number;
}

/** Counters of a handler. */
export interface HandlerStats {
	submitted: number;
	/** Submits refused because the handler was full. */
	rejected: number;
	completed: number;
	failed: number;
	cancelled: number;
	polls: number;
	numPending: number;
	numCompleted: number;
	peakPending: number;
	maxPending: number;
}

/**
 * A bounded set of outputs in flight, with backpressure.
 *
 * `submit` refuses (returns false, changing nothing) when `maxPending` outputs are pending.
 * `poll` takes out every finished output in one call, in submission order; `waitOne` waits for
 * the next; iterating with `for await` yields each output once, in the order they finish.
 *
 * @example
 * const handler = new AsyncOutputHandler({ device, maxPending: 2 });
 * while (!handler.submit(out)) await handler.waitOne();
 * for await (const done of handler) console.log(await done.get());
 */
export class AsyncOutputHandler<T = unknown> implements AsyncIterable<AsyncOutput<T>> {
	readonly device: Device;
	readonly maxPending: number;
	/** @internal */
	readonly handle: number;
	/** The outputs the core holds for this handler, by the slot index of their handle. */
	#outputs: (AsyncOutput<T> | undefined)[] = [];
	#destroyed = false;

	constructor(options: HandlerOptions) {
		const opts = expectOptions('options', options);
		this.device = expectDevice('options.device', opts.device);
		this.maxPending = expectInteger('options.maxPending', opts.maxPending ?? 16, 1, 1 << 20);
		this.device.assertUsable('new AsyncOutputHandler()');
		this.handle = checkCore(
			this.device.core.raw.handler_create(this.maxPending),
			'new AsyncOutputHandler()',
		);
	}

	/** Queues an output; false when `maxPending` are pending (nothing changes then). */
	submit(output: AsyncOutput<T>): boolean {
		this.#usable('AsyncOutputHandler.submit()');
		expectInstance('output', output, AsyncOutput, 'an AsyncOutput');
		AsyncOutput.own('AsyncOutputHandler.submit()', output, this.device);
		if (output.released) {
			throw new InvalidStateError(
				`AsyncOutputHandler.submit(): '${output.label}' was already delivered and cannot be submitted`,
			);
		}
		const result = this.device.core.raw.handler_submit(this.handle, output.handle);
		// The message is built only on failure (a template per submit costs more than the call).
		if (result < 0) throw coreError(-result, 'AsyncOutputHandler.submit()', `'${output.label}'`);
		if (result === 0) return false;
		this.#outputs[output.handle & SLOT_MASK] = output;
		return true;
	}

	/**
	 * Queues outputs in order until the handler is full, in one call into the core; returns how
	 * many were queued (the rest changed nothing, as a refused submit()). An output that cannot
	 * be submitted at all (delivered, of another device, already in a handler, twice in the
	 * list) throws, and then none is queued.
	 */
	submitMany(outputs: readonly AsyncOutput<T>[]): number {
		this.#usable('AsyncOutputHandler.submitMany()');
		if (!Array.isArray(outputs)) throw invalid('an array of AsyncOutput', 'outputs', outputs);
		const n = outputs.length;
		const core = this.device.core;
		// Checked and written to the input area in one pass (a throw leaves only the area changed).
		const input = core.input(n);
		const device = this.device;
		for (let i = 0; i < n; i++) {
			const output = outputs[i];
			if (!(output instanceof AsyncOutput) || output.device !== device || output.released) {
				this.#refuse(output, i);
			}
			input[i] = (output as AsyncOutput<T>).handle;
		}
		const taken = core.raw.handler_submit_many(this.handle, n);
		if (taken < 0) {
			const at = core.ints(1)[0] as number;
			throw coreError(-taken, 'AsyncOutputHandler.submitMany()', `outputs[${at}]`);
		}
		for (let i = 0; i < taken; i++) {
			const output = outputs[i] as AsyncOutput<T>;
			this.#outputs[output.handle & SLOT_MASK] = output;
		}
		return taken;
	}

	/** Throws why `outputs[i]` cannot be submitted (submitMany), as the checks of submit() do. */
	#refuse(output: unknown, i: number): never {
		const checked = expectInstance(`outputs[${i}]`, output, AsyncOutput, 'an AsyncOutput');
		AsyncOutput.own('AsyncOutputHandler.submitMany()', checked, this.device);
		throw new InvalidStateError(
			`AsyncOutputHandler.submitMany(): '${checked.label}' was already delivered and cannot be submitted`,
		);
	}

	/** Takes out every output that has finished, in submission order. */
	poll(): AsyncOutput<T>[] {
		this.#usable('AsyncOutputHandler.poll()');
		this.device.refresh();
		const core = this.device.core;
		const n = checkCore(core.raw.handler_poll(this.handle), 'AsyncOutputHandler.poll()');
		const handles = core.ints(n);
		const out: AsyncOutput<T>[] = new Array(n);
		for (let i = 0; i < n; i++) out[i] = this.#output(handles[i] as number);
		return out;
	}

	/** Waits for the next finished output and takes it out. */
	async waitOne(options?: WaitOptions): Promise<AsyncOutput<T>> {
		const opts = expectWaitOptions('options', options);
		for (;;) {
			this.#usable('AsyncOutputHandler.waitOne()');
			this.device.refresh();
			const taken = checkCore(
				this.device.core.raw.handler_take_one(this.handle),
				'AsyncOutputHandler.waitOne()',
			);
			if (taken !== 0) return this.#output(taken);
			const pending = this.#pending();
			if (pending.length === 0) {
				throw new InvalidStateError(
					'AsyncOutputHandler.waitOne(): no output is pending or finished',
				);
			}
			await this.#waitFor(pending, 'one', opts);
		}
	}

	/** Waits until no output is pending; returns the finished outputs not yet taken out. */
	async waitAll(options?: WaitOptions): Promise<AsyncOutput<T>[]> {
		const opts = expectWaitOptions('options', options);
		this.#usable('AsyncOutputHandler.waitAll()');
		this.device.refresh();
		const pending = this.#pending();
		if (pending.length > 0) await this.#waitFor(pending, 'all', opts);
		return this.poll();
	}

	/** Forgets finished outputs already taken out; returns how many. */
	clearCompleted(): number {
		this.#usable('AsyncOutputHandler.clearCompleted()');
		const core = this.device.core;
		const n = checkCore(
			core.raw.handler_clear_completed(this.handle),
			'AsyncOutputHandler.clearCompleted()',
		);
		// The core forgot these finished outputs (their handles are in the result area); so does
		// the map.
		const cleared = core.ints(n);
		for (let i = 0; i < n; i++) this.#outputs[(cleared[i] as number) & SLOT_MASK] = undefined;
		return n;
	}

	/** Outputs submitted that have not finished. */
	get numPending(): number {
		this.#usable('AsyncOutputHandler.numPending');
		this.device.refresh();
		return checkCore(this.device.core.raw.handler_num_pending(this.handle), 'numPending');
	}

	/** Finished outputs not cleared by clearCompleted(). */
	get numCompleted(): number {
		this.#usable('AsyncOutputHandler.numCompleted');
		this.device.refresh();
		return checkCore(this.device.core.raw.handler_num_completed(this.handle), 'numCompleted');
	}

	/** The handler's counters. */
	stats(): HandlerStats {
		this.#usable('AsyncOutputHandler.stats()');
		this.device.refresh();
		const core = this.device.core;
		const n = checkCore(core.raw.handler_stats(this.handle), 'AsyncOutputHandler.stats()');
		const f = core.floats(n);
		return {
			submitted: f[0] as number,
			rejected: f[1] as number,
			completed: f[2] as number,
			failed: f[3] as number,
			cancelled: f[4] as number,
			polls: f[5] as number,
			numPending: f[6] as number,
			numCompleted: f[7] as number,
			peakPending: f[8] as number,
			maxPending: f[9] as number,
		};
	}

	/** Yields each output once as it finishes, until none is pending or left to take. */
	async *[Symbol.asyncIterator](): AsyncIterator<AsyncOutput<T>> {
		for (;;) {
			this.#usable('AsyncOutputHandler iteration');
			this.device.refresh();
			const raw = this.device.core.raw;
			const untaken = raw.handler_num_completed(this.handle) - raw.handler_taken(this.handle);
			if (untaken === 0 && raw.handler_num_pending(this.handle) === 0) return;
			yield await this.waitOne();
		}
	}

	/** Destroys the handler; its outputs live on. */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		if (!this.device.destroyed) {
			this.device.core.raw.handler_destroy(this.handle);
			this.device.notify(); // a pending waitOne() or waitAll() wakes and rejects
		}
		this.#outputs = [];
	}

	#pending(): AsyncOutput<T>[] {
		const core = this.device.core;
		const n = checkCore(core.raw.handler_pending(this.handle), 'pending');
		const handles = core.ints(n);
		const out: AsyncOutput<T>[] = [];
		for (let i = 0; i < n; i++) out.push(this.#output(handles[i] as number));
		return out;
	}

	/** The output of a handle the core handed out for this handler. */
	#output(handle: number): AsyncOutput<T> {
		return this.#outputs[handle & SLOT_MASK] as AsyncOutput<T>;
	}

	#waitFor(outputs: AsyncOutput<T>[], mode: 'one' | 'all', options: WaitOptions): Promise<void> {
		const fences = outputs.flatMap((o) => (o.fence === undefined ? [] : [o.fence]));
		const done = (o: AsyncOutput<T>) => o.stateNumber() >= State.COMPLETED;
		return this.device.waitUntil(
			{
				check: () => this.#destroyed || (mode === 'one' ? outputs.some(done) : outputs.every(done)),
				fences,
				describe: () => {
					const finished = outputs.filter(done).length;
					const left = outputs.filter((o) => !done(o)).slice(0, 3);
					return `${mode === 'one' ? 'one of' : 'all of'} ${outputs.length} pending outputs (${finished} of ${outputs.length} arrived; still pending: ${left.map((o) => o.describe()).join(', ')})`;
				},
				blocking: true,
			},
			options,
		);
	}

	#usable(what: string): void {
		if (this.#destroyed) throw new DestroyedError(`${what}: the handler was destroyed`);
		this.device.assertUsable(what);
	}
}
