import { Stop } from '../../core/codes.js';
import type { WaitOptions } from '../../validate.js';
import type { WaitSpec } from '../device.js';
import { timeoutError, withResolvers } from '../wait-helpers.js';
import type { SimDevice, SimFence } from './sim-device.js';

/**
 * Waits on the simulated device, and the pump that moves its clock.
 *
 * A wait is a promise plus what it needs: a condition, the fences that may make it true, and
 * an optional deadline. Fences and deadlines become waiters in the core. The pump runs as a
 * macrotask, that is once every piece of JavaScript that could still issue work has run and is
 * itself waiting: only then may the device run ahead of the host. Each pump runs the device
 * until the first waiter fires, so time moves from one thing somebody waits for to the next,
 * and waits settle in (virtual time, registration order).
 *
 * Virtual time, not the event loop, decides everything: the same program settles the same
 * waits at the same virtual times in Node and in any browser.
 *
 * A wait settled by a completion while the host was idle ends at completion + wake-up latency
 * (blocking waits sleep and wake slower; spinning waits wake sooner but keep the host busy).
 */

interface PendingWait {
	readonly spec: WaitSpec;
	readonly resolve: () => void;
	readonly reject: (reason: unknown) => void;
	readonly start: number;
	readonly timeout: number | undefined;
	waiters: number[];
	deadline: number;
	signal: AbortSignal | undefined;
	onAbort: (() => void) | undefined;
}

type Macrotask = (fn: () => void) => void;

const macrotask: Macrotask = (() => {
	if (typeof setImmediate === 'function') return (fn: () => void) => void setImmediate(fn);
	// Browsers: a MessageChannel message runs as a task without setTimeout's 4 ms clamp.
	const channel = new MessageChannel();
	const queue: (() => void)[] = [];
	channel.port1.onmessage = () => queue.shift()?.();
	return (fn: () => void) => {
		queue.push(fn);
		channel.port2.postMessage(0);
	};
})();

/** The pending waits of one simulated device. */
export class Waits {
	readonly #device: SimDevice;
	#pending: PendingWait[] = [];
	#pumpScheduled = false;
	#parked = false;
	/** The timer that keeps the process alive while parked (see #park). */
	#alive: ReturnType<typeof setInterval> | undefined;

	constructor(device: SimDevice) {
		this.#device = device;
	}

	/** Starts a wait; settles at once when its condition already holds. */
	add(spec: WaitSpec, options: WaitOptions): Promise<void> {
		const device = this.#device;
		device.sync();
		if (spec.check()) return Promise.resolve();
		if (device.fatal !== undefined) return Promise.reject(device.fatal);
		if (options.signal?.aborted) return Promise.reject(options.signal.reason);

		const { promise, resolve, reject } = withResolvers();
		const raw = device.core.raw;
		const wait: PendingWait = {
			spec,
			resolve,
			reject,
			start: device.now(),
			timeout: options.timeout,
			waiters: [],
			deadline: 0,
			signal: options.signal,
			onAbort: undefined,
		};
		for (const fence of spec.fences as SimFence[]) {
			const waiter = raw.sim_waiter_fence(fence.stream, fence.seq);
			if (waiter > 0) wait.waiters.push(waiter);
		}
		if (options.timeout !== undefined) {
			const at = device.now() + Math.round(options.timeout * 1e6);
			wait.deadline = raw.sim_waiter_time(at);
			if (wait.deadline === 0) {
				this.#remove(wait);
				return Promise.reject(timeoutError(wait.timeout, wait.spec));
			}
		}
		if (options.signal !== undefined) {
			const signal = options.signal;
			wait.onAbort = () => this.#settle(wait, signal.reason, false);
			signal.addEventListener('abort', wait.onAbort, { once: true });
		}
		this.#pending.push(wait);
		this.#schedule();
		return promise;
	}

	/** Something changed on the host side: settle what now holds. */
	recheck(): void {
		// Called on every markCompleted: with nothing waiting, there is nothing to copy or check.
		if (this.#pending.length === 0) return;
		for (const wait of [...this.#pending]) {
			if (wait.spec.check()) this.#settle(wait, undefined, true);
		}
	}

	/**
	 * After a run: settle waits whose condition holds, then those whose deadline fired.
	 * `hits` are the core waiters that fired in this run.
	 */
	onReport(hits: number[]): void {
		if (this.#pending.length === 0) return;
		const fired = new Set(hits);
		for (const wait of [...this.#pending]) {
			if (wait.spec.check()) {
				this.#settle(wait, undefined, true);
				continue;
			}
			if (wait.deadline !== 0 && fired.has(wait.deadline)) {
				wait.deadline = 0;
				this.#settle(wait, timeoutError(wait.timeout, wait.spec), false);
				continue;
			}
			if (wait.waiters.some((w) => fired.has(w))) {
				wait.waiters = wait.waiters.filter((w) => !fired.has(w));
			}
		}
	}

	/**
	 * Settles every pending wait: those whose condition already holds resolve (what completed
	 * before a fault stays completed), the others reject with `reason`.
	 */
	rejectAll(reason: unknown): void {
		for (const wait of [...this.#pending]) this.#settle(wait, reason, wait.spec.check());
	}

	/** Whether any wait is pending. */
	get size(): number {
		return this.#pending.length;
	}

	#schedule(): void {
		this.#unpark();
		if (this.#pumpScheduled) return;
		this.#pumpScheduled = true;
		macrotask(() => this.#pump());
	}

	/** Runs the device to the next thing a wait needs, settles what that settles. */
	#pump(): void {
		this.#pumpScheduled = false;
		const device = this.#device;
		// Only fences and deadlines give the device somewhere to go; manual outputs do not.
		const needsDevice = this.#pending.some((w) => w.waiters.length > 0 || w.deadline !== 0);
		if (!needsDevice || device.fatal !== undefined) {
			if (device.fatal !== undefined) this.rejectAll(device.fatal);
			return;
		}
		this.#idle = true;
		let stop: number;
		try {
			stop = device.runUntilWaiter();
		} finally {
			this.#idle = false;
		}
		// The host waited all along: it is at least where the device stopped.
		device.hostReaches(device.deviceNow(), false);
		if (device.fatal !== undefined) this.rejectAll(device.fatal);
		if (this.#pending.length === 0) return;
		// An idle device (or one stuck behind a kernel that never ends) gets nowhere by itself:
		// park until the host issues work, instead of spinning the event loop.
		if (stop === Stop.IDLE) this.#park();
		else this.#schedule();
	}

	/** The host issued work: a parked pump has somewhere to go again. */
	kick(): void {
		if (this.#parked) this.#schedule();
	}

	/**
	 * Parks the pump. A wait on device work keeps the process alive while parked, as a wait on
	 * a GPU would (a thread blocked in the driver): a program whose wait can never finish
	 * hangs there, visibly, instead of exiting as if it had finished. Its timers (an abort, a
	 * timeout of its own) still run.
	 */
	#park(): void {
		this.#parked = true;
		if (this.#alive === undefined && this.#pending.some((w) => w.waiters.length > 0)) {
			this.#alive = setInterval(() => {}, 2 ** 31 - 1);
		}
	}

	#unpark(): void {
		this.#parked = false;
		if (this.#alive !== undefined) {
			clearInterval(this.#alive);
			this.#alive = undefined;
		}
	}

	#idle = false;

	#settle(wait: PendingWait, error: unknown, ok: boolean): void {
		const device = this.#device;
		this.#remove(wait);
		if (this.#idle) {
			// Settled by a completion while the host slept or spun: it wakes a little later.
			const profile = device.profile;
			const at = device.deviceNow();
			if (ok) {
				const wake = wait.spec.blocking ? profile.wakeBlockingNs : profile.wakeSpinNs;
				device.hostReaches(at + wake, !wait.spec.blocking);
			} else {
				device.hostReaches(at, false);
			}
		}
		device.hostSpan(
			wait.spec.blocking ? 'wait (blocking)' : 'wait (spin)',
			wait.start,
			device.now(),
		);
		if (ok) wait.resolve();
		else wait.reject(error);
	}

	#remove(wait: PendingWait): void {
		const raw = this.#device.core.raw;
		for (const waiter of wait.waiters) raw.sim_waiter_remove(waiter);
		if (wait.deadline !== 0) raw.sim_waiter_remove(wait.deadline);
		wait.waiters = [];
		wait.deadline = 0;
		if (wait.onAbort !== undefined) wait.signal?.removeEventListener('abort', wait.onAbort);
		const index = this.#pending.indexOf(wait);
		if (index >= 0) this.#pending.splice(index, 1);
		if (this.#pending.length === 0) this.#unpark();
	}
}
