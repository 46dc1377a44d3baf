/**
 * The anchor of the handler cycle: the same semantics as AsyncOutput and AsyncOutputHandler
 * written in plain TypeScript, the way one would without a Wasm core (and without a device):
 * a checked state machine, a result delivered once, a bounded pending queue with backpressure,
 * poll in submission order, clearCompleted, and the checks and counters the library has on the
 * same path (submit checks its argument and refuses an output in a handler or already
 * delivered; the handler counts what stats() reports). It is written to be fast, not to lose.
 */

const PENDING = 0;
const IN_PROGRESS = 1;
const COMPLETED = 2;
const FAILED = 3;
const CANCELLED = 4;

// LEGAL[from * 5 + to]: the same table as assembly/outputs.ts.
const LEGAL = new Uint8Array(25);
LEGAL[PENDING * 5 + IN_PROGRESS] = 1;
LEGAL[PENDING * 5 + CANCELLED] = 1;
LEGAL[IN_PROGRESS * 5 + COMPLETED] = 1;
LEGAL[IN_PROGRESS * 5 + FAILED] = 1;
LEGAL[IN_PROGRESS * 5 + CANCELLED] = 1;

/**
 * The clock of the timestamps: a number that moves, as the simulated device's host clock
 * does (a real clock, performance.now(), would cost the anchor more than async-output pays).
 */
export const clock = { now: 0 };

/** An output: pending -> in_progress -> completed | failed | cancelled, delivered once. */
export class PlainOutput<T> {
	state = PENDING;
	startNs = -1;
	endNs = -1;
	owned = false;
	delivered = false;
	#value: T | undefined;
	#error: unknown;
	#waiters: (() => void)[] | undefined;

	markStarted(): void {
		this.#move(IN_PROGRESS);
	}

	markCompleted(value: T): void {
		this.#move(COMPLETED);
		this.#value = value;
		this.#wake();
	}

	markFailed(error: unknown): void {
		this.#move(FAILED);
		this.#error = error;
		this.#wake();
	}

	cancel(): void {
		this.#move(CANCELLED);
		this.#wake();
	}

	/** Waits until the output is terminal, then delivers its result once. */
	async get(): Promise<T> {
		if (this.state < COMPLETED) {
			await new Promise<void>((resolve) => {
				this.#waiters ??= [];
				this.#waiters.push(resolve);
			});
		}
		if (this.delivered) throw new Error('already delivered');
		this.delivered = true;
		if (this.state === FAILED) throw new Error('failed', { cause: this.#error });
		if (this.state === CANCELLED) throw new Error('cancelled');
		const value = this.#value as T;
		this.#value = undefined;
		return value;
	}

	#move(to: number): void {
		if (LEGAL[this.state * 5 + to] !== 1)
			throw new Error(`illegal transition ${this.state} -> ${to}`);
		this.state = to;
		const now = clock.now;
		if (to === IN_PROGRESS) this.startNs = now;
		if (to >= COMPLETED) {
			if (this.startNs < 0) this.startNs = now;
			this.endNs = now;
		}
	}

	#wake(): void {
		const waiters = this.#waiters;
		if (waiters === undefined) return;
		this.#waiters = undefined;
		for (const wake of waiters) wake();
	}
}

/** A bounded set of outputs in flight: submit (false when full), poll, clearCompleted. */
export class PlainHandler<T> {
	readonly maxPending: number;
	#pending: PlainOutput<T>[] = [];
	#finished: PlainOutput<T>[] = [];
	#taken = 0;
	submitted = 0;
	rejected = 0;
	completed = 0;
	failed = 0;
	cancelled = 0;
	polls = 0;
	peakPending = 0;

	constructor(maxPending: number) {
		this.maxPending = maxPending;
	}

	submit(output: PlainOutput<T>): boolean {
		if (!(output instanceof PlainOutput)) throw new TypeError('Expected a PlainOutput for output');
		if (output.delivered) throw new Error('already delivered');
		if (output.owned) throw new Error('already submitted');
		if (this.#pending.length >= this.maxPending) {
			this.rejected++;
			return false;
		}
		output.owned = true;
		this.#pending.push(output);
		this.submitted++;
		if (this.#pending.length > this.peakPending) this.peakPending = this.#pending.length;
		return true;
	}

	/** Takes out every finished output, in submission order. */
	poll(): PlainOutput<T>[] {
		this.polls++;
		const pending = this.#pending;
		let kept = 0;
		for (let i = 0; i < pending.length; i++) {
			const output = pending[i] as PlainOutput<T>;
			const state = output.state;
			if (state < COMPLETED) {
				pending[kept++] = output;
				continue;
			}
			this.#finished.push(output);
			if (state === COMPLETED) this.completed++;
			else if (state === FAILED) this.failed++;
			else this.cancelled++;
		}
		pending.length = kept;
		const out = this.#finished.slice(this.#taken);
		this.#taken = this.#finished.length;
		return out;
	}

	/** Forgets the finished outputs already taken out. */
	clearCompleted(): number {
		const n = this.#taken;
		for (let i = 0; i < n; i++) (this.#finished[i] as PlainOutput<T>).owned = false;
		this.#finished.splice(0, n);
		this.#taken = 0;
		return n;
	}

	get numPending(): number {
		return this.#pending.length;
	}
}
