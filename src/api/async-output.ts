import { checkCore, coreError } from '../core/check.js';
import { type AsyncState, CoreCode, STATES, State } from '../core/codes.js';
import type { Device, Fence } from '../device/device.js';
import {
	CancelledError,
	DestroyedError,
	ForeignObjectError,
	InvalidStateError,
	OutputFailedError,
} from '../errors.js';
import {
	expectDevice,
	expectLabel,
	expectOptions,
	expectWaitOptions,
	type WaitOptions,
} from '../validate.js';

export type { AsyncState };

/** Options of an output. */
export interface AsyncOutputOptions {
	/** A name for error messages and timelines. */
	label?: string;
}

/** When an output started and ended, kept once its row is let go. */
interface Times {
	readonly startNs: number;
	readonly endNs: number;
}

/** What the finalizer keeps of an output: its row, or handle 0 once get() let go of it. */
interface Held {
	readonly device: Device;
	handle: number;
}

// Lets go of an output's row in the core once its JavaScript object is collected without its
// result having been taken (get() lets go at once). The row itself is freed when no handler,
// barrier or double-buffer slot holds it either. Registrations carry no unregister token (V8
// keeps those in a map: a registration with one cost some 5x one without); a delivery marks
// the held value instead, and the finalizer then has nothing to do.
const rows = new FinalizationRegistry<Held>((held) => {
	if (held.handle !== 0 && !held.device.destroyed) held.device.core.raw.output_release(held.handle);
});

// Registering with a FinalizationRegistry costs V8 about as much as the rest of an output's
// life (0.1-0.5 us), and most outputs are delivered soon after they are made. So new outputs
// wait in a nursery, held strongly; those still undelivered when it fills get a second round
// in the next one (the last few made are often just about to be delivered), and only those
// still undelivered after that are registered: an output dropped without get() is still
// released, a little later. A nursery
// per device, kept on the device under a symbol (a WeakMap lookup per output cost more), so
// that it never keeps a device (and its Wasm memory) alive beyond the device itself.
const NURSERY = 1024;
const nurseryOf = Symbol('async-output nursery');

function admit(output: AsyncOutput<unknown>): void {
	const device = output.device as Device & { [nurseryOf]?: AsyncOutput<unknown>[] };
	const nursery = device[nurseryOf];
	if (nursery === undefined) {
		device[nurseryOf] = [output];
		return;
	}
	nursery.push(output);
	if (nursery.length < NURSERY) return;
	const next: AsyncOutput<unknown>[] = [];
	device[nurseryOf] = next;
	for (const o of nursery) if (o.registerIfUndelivered()) next.push(o);
}

/** An output that has been through one nursery undelivered (not registered yet). */
const AGED: Held = Object.freeze({ device: undefined as unknown as Device, handle: 0 });

let counter = 0;

/** The options AsyncOutput.started passes (its label in `startedLabel`): checked already. */
const STARTED: AsyncOutputOptions = Object.freeze({});
let startedLabel = '';

const NO_OPTIONS: WaitOptions = Object.freeze({});

/**
 * The result of asynchronous work, delivered once.
 *
 * Its life: `pending` -> `in_progress` -> `completed` | `failed`; `pending` or `in_progress`
 * -> `cancelled`. Outputs made by `asyncCopyToHost` move by themselves as the device works;
 * others are moved by hand with markStarted / markCompleted / markFailed / cancel.
 *
 * @example
 * const out = asyncCopyToHost(logits, { stream: copy });
 * const values = await out.get(); // waits for the copy's event, then delivers once
 */
export class AsyncOutput<T = unknown> {
	readonly device: Device;
	/** @internal The core's handle. */
	readonly handle: number;
	/** @internal The device work whose completion completes this output, if any. */
	fence: Fence | undefined;
	#value: T | undefined;
	#error: unknown;
	/**
	 * Once the result was taken the row is let go, and the output keeps what it can no longer
	 * change: its state (-1 until then) and, in an object made then, its times (fields of a
	 * new output hold no doubles: V8 would box them in every output from then on).
	 */
	#finalState = -1;
	#times: Times | undefined;
	/** What the device work bound to this output is, for error messages. */
	#work = '';
	/** The label given, or undefined until a generated one is asked for. */
	#label: string | undefined;
	/** What the finalizer holds for this output, once registered (see the nursery above). */
	#held: Held | undefined;

	constructor(device: Device, options?: AsyncOutputOptions) {
		if (options === STARTED) {
			// Made by the library's own copies, which checked everything: in progress at once.
			this.device = device;
			this.#label = startedLabel;
			const created = device.core.raw.output_create_started(device.now());
			this.handle = checkCore(created, 'new AsyncOutput()');
			admit(this);
			return;
		}
		const opts = options === undefined ? undefined : expectOptions('options', options);
		expectDevice('device', device).assertUsable('new AsyncOutput()');
		this.device = device;
		if (opts?.label !== undefined) this.#label = expectLabel('options.label', opts.label, '');
		this.handle = checkCore(device.core.raw.output_create(), 'new AsyncOutput()');
		admit(this);
	}

	/** A name for error messages and timelines (generated on first use when none was given). */
	get label(): string {
		this.#label ??= `output ${++counter}`;
		return this.#label;
	}

	/**
	 * @internal Called when the nursery fills: an output not delivered yet gets one more round
	 * in the nursery (returns true), then registers with the finalizer.
	 */
	registerIfUndelivered(): boolean {
		if (this.#finalState >= 0) return false;
		if (this.#held === undefined) {
			this.#held = AGED;
			return true;
		}
		if (this.#held !== AGED) return false;
		this.#held = { device: this.device, handle: this.handle };
		rows.register(this, this.#held);
		return false;
	}

	/** The current state (the device is first brought up to the host's time). */
	get state(): AsyncState {
		this.#refresh();
		return STATES[this.#stateNumber()] as AsyncState;
	}

	/** Whether the output is completed, failed or cancelled. */
	get isReady(): boolean {
		this.#refresh();
		return this.#stateNumber() >= State.COMPLETED;
	}

	/** Milliseconds from markStarted to the end (on the device's clock), or undefined. */
	get elapsedMs(): number | undefined {
		this.#refresh();
		const raw = this.device.core.raw;
		const times = this.#times;
		const start = times !== undefined ? times.startNs : raw.output_start_ns(this.handle);
		const end = times !== undefined ? times.endNs : raw.output_end_ns(this.handle);
		if (start < 0 || end < 0) return undefined;
		return (end - start) / 1e6;
	}

	/** The error of a failed output (the device's sticky fault if that is what failed it). */
	get error(): unknown {
		this.#refresh();
		if (this.#error === undefined && this.#stateNumber() === State.FAILED) return this.device.fatal;
		return this.#error;
	}

	/** pending -> in_progress. */
	markStarted(): void {
		this.#move(State.IN_PROGRESS, 'AsyncOutput.markStarted()');
	}

	/** in_progress -> completed, with the result that get() delivers. */
	markCompleted(value?: T): void {
		this.#byHand('AsyncOutput.markCompleted()');
		this.#move(State.COMPLETED, 'AsyncOutput.markCompleted()');
		this.#value = value;
		this.device.notify();
	}

	/** in_progress -> failed, with the reason get() rejects with (as the cause). */
	markFailed(error: unknown): void {
		this.#byHand('AsyncOutput.markFailed()');
		this.#move(State.FAILED, 'AsyncOutput.markFailed()');
		this.#error = error;
		this.device.notify();
	}

	/** pending or in_progress -> cancelled. */
	cancel(): void {
		this.#move(State.CANCELLED, 'AsyncOutput.cancel()');
		this.device.notify();
	}

	/** Resolves with the final state once the output is completed, failed or cancelled. */
	async wait(options?: WaitOptions): Promise<AsyncState> {
		const opts = expectWaitOptions('options', options);
		this.#assertAlive('AsyncOutput.wait()');
		await this.#waitTerminal(opts);
		this.#throwIfFaulted(this.#stateNumber());
		return this.state;
	}

	/**
	 * Waits, then delivers the result once.
	 * @throws OutputFailedError (cause: the failure), CancelledError, AlreadyDeliveredError.
	 */
	get(options?: WaitOptions): Promise<T> {
		// Not async: an output that has finished (the common case in a poll loop) is delivered
		// with no wait and no async frame; every error still arrives as a rejection.
		try {
			const opts = options === undefined ? NO_OPTIONS : expectWaitOptions('options', options);
			this.#assertAlive('AsyncOutput.get()');
			if (this.#finalState < 0 && this.device.fatal === undefined) {
				// One call into the core takes a finished output (and says when it is not).
				const taken = this.device.core.raw.output_take(this.handle);
				if (taken >= 0) return Promise.resolve(this.#taken(taken));
				if (taken === -CoreCode.NOT_FINISHED) return this.#waitThenDeliver(opts);
			}
			// Delivered already, a device fault, a row gone: the checks below say which.
			// Terminal states never change: an output that has finished needs no wait.
			const state = this.#stateNumber();
			if (state >= State.COMPLETED) return Promise.resolve(this.#deliver(state));
			return this.#waitThenDeliver(opts);
		} catch (error) {
			return Promise.reject(error);
		}
	}

	async #waitThenDeliver(options: WaitOptions): Promise<T> {
		await this.#waitTerminal(options);
		return this.#deliver(this.#stateNumber());
	}

	/** Delivers the result of a finished output once, or throws why it cannot. */
	#deliver(state: number): T {
		this.#throwIfFaulted(state);
		if (this.#finalState >= 0) {
			checkCore(-CoreCode.ALREADY_DELIVERED, 'AsyncOutput.get()', `'${this.label}'`);
		}
		const taken = this.device.core.raw.output_take(this.handle);
		if (taken < 0) throw coreError(-taken, 'AsyncOutput.get()', `'${this.label}'`);
		return this.#taken(state);
	}

	/** The result of an output the core just let go of (output_take), or why there is none. */
	#taken(state: number): T {
		const core = this.device.core;
		const at = core.floatsAt();
		const memory = core.f64();
		this.#finalState = state;
		this.#times = { startNs: memory[at] as number, endNs: memory[at + 1] as number };
		const held = this.#held;
		if (held !== undefined && held !== AGED) held.handle = 0;
		if (state === State.FAILED) {
			throw new OutputFailedError(`AsyncOutput.get(): '${this.label}' failed`, this.#error);
		}
		if (state === State.CANCELLED)
			throw new CancelledError(`AsyncOutput.get(): '${this.label}' was cancelled`);
		const value = this.#value as T;
		this.#value = undefined;
		return value;
	}

	/**
	 * @internal Binds the output to device work (described by `work`): it completes, with
	 * `value`, when the fence does.
	 */
	bind(fence: Fence, value: T, work: string): void {
		this.fence = fence;
		this.#value = value;
		this.#work = work;
	}

	/** @internal Whether the result is still to be taken (not delivered, cancelled or failed). */
	get holdsResult(): boolean {
		if (this.#finalState >= 0) return false;
		const state = this.#stateNumber();
		return state !== State.CANCELLED && state !== State.FAILED;
	}

	/** @internal Whether the output let go of its core row (its result was taken). */
	get released(): boolean {
		return this.#finalState >= 0;
	}

	/** @internal Completes at once with a value (work that finished during the call). */
	resolveNow(value: T): void {
		this.#value = value;
		this.#move(State.COMPLETED, 'AsyncOutput');
	}

	/** @internal The state number without refreshing (for checks inside waits). */
	stateNumber(): number {
		return this.#stateNumber();
	}

	/** @internal Describes the output and what it waits for, for timeouts. */
	describe(): string {
		const state = STATES[this.#stateNumber()];
		const where = this.fence === undefined ? 'marked by hand' : `waiting for ${this.#work}`;
		return `'${this.label}' (${state}, ${where})`;
	}

	#waitTerminal(options: WaitOptions): Promise<void> {
		const device = this.device;
		return device.waitUntil(
			{
				check: () => this.#stateNumber() >= State.COMPLETED,
				fences: this.fence === undefined ? [] : [this.fence],
				describe: () => `output ${this.describe()}`,
				blocking: true,
			},
			options,
		);
	}

	/**
	 * Refuses to finish by hand an output bound to device work: it completes when its copy
	 * does, and completing it earlier would hand out a result before the copy's event.
	 */
	#byHand(what: string): void {
		if (this.fence === undefined) return;
		throw new InvalidStateError(
			`${what}: '${this.label}' completes by itself when ${this.#work} does; only outputs made with new AsyncOutput() are finished by hand (cancel() gives this one up)`,
		);
	}

	#stateNumber(): number {
		if (this.#finalState >= 0) return this.#finalState;
		const state = this.device.core.raw.output_state(this.handle);
		// The message is built only on failure: a template per call costs more than the call.
		if (state < 0) throw coreError(-state, 'AsyncOutput', `'${this.label}'`);
		return state;
	}

	/** Throws the device's sticky fault when that is what failed this output. */
	#throwIfFaulted(state: number): void {
		const fatal = this.device.fatal;
		if (state === State.FAILED && this.#error === undefined && fatal !== undefined) throw fatal;
	}

	#move(to: number, what: string): void {
		this.#assertAlive(what);
		if (this.#finalState >= 0) {
			checkCore(
				-CoreCode.INVALID_TRANSITION,
				what,
				`'${this.label}' is ${STATES[this.#finalState]}, cannot become ${STATES[to]}`,
			);
		}
		const result = this.device.core.raw.output_move(this.handle, to, this.device.now());
		if (result < 0) {
			// The state is read only to say what went wrong (a refused move changes nothing).
			const from = this.#stateNumber();
			throw coreError(
				-result,
				what,
				`'${this.label}' is ${STATES[from]}, cannot become ${STATES[to]}`,
			);
		}
	}

	#refresh(): void {
		if (this.#finalState < 0 && !this.device.destroyed && this.fence !== undefined) {
			this.device.refresh();
		}
	}

	#assertAlive(what: string): void {
		if (this.device.destroyed) throw new DestroyedError(`${what}: the device was destroyed`);
	}

	/** @internal Checks that an output belongs to `device`. */
	static own(what: string, output: AsyncOutput<unknown>, device: Device): void {
		if (output.device !== device) {
			throw new ForeignObjectError(`${what}: the output belongs to another device`);
		}
	}
}

/**
 * @internal An output in progress from now, with `label`, for work the library issues (its
 * callers have checked the device): what `new AsyncOutput` then `markStarted()` give, in one
 * call into the core. A function, not a static method: a class that names itself in its body
 * is renamed by the bundler, and error messages print the class name.
 */
export function startedOutput<T>(device: Device, label: string): AsyncOutput<T> {
	startedLabel = label;
	return new AsyncOutput<T>(device, STARTED);
}
