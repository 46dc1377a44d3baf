import type { WaitOptions } from '../../validate.js';
import type { WaitSpec } from '../device.js';
import { timeoutError, withResolvers } from '../wait-helpers.js';
import type { CudaDevice } from './cuda-device.js';
import type { CudaFence } from './fences.js';

/**
 * Waits on the CUDA device.
 *
 * A wait is a promise, a condition and the fences that may make it true. The JavaScript thread
 * never blocks: a fence is watched by a worker thread of the addon, which synchronizes on its
 * driver event (sleeping for a blocking event, spinning for the others) and reports back through
 * a thread-safe function; then every pending wait whose condition now holds settles, in the
 * order the waits began.
 *
 * Work on one stream completes in issue order, so one watcher per stream is enough: the one on
 * the earliest fence any pending wait needs. When it fires, the next one starts. The process is
 * kept alive only while some pending wait needs a watcher (or a host function is in flight):
 * a watcher left behind by a wait that timed out does not hold it.
 *
 * Timeouts are real milliseconds here (virtual ones on the simulated device).
 */

interface PendingWait {
	readonly spec: WaitSpec;
	readonly resolve: () => void;
	readonly reject: (reason: unknown) => void;
	readonly start: number;
	readonly timeout: number | undefined;
	timer: ReturnType<typeof setTimeout> | undefined;
	signal: AbortSignal | undefined;
	onAbort: (() => void) | undefined;
}

interface Watcher {
	readonly token: number;
	readonly fence: CudaFence;
}

/** The pending waits of one CUDA device. */
export class CudaWaits {
	readonly #device: CudaDevice;
	#pending: PendingWait[] = [];
	readonly #watchers = new Map<number, Watcher>();
	readonly #watched = new Map<CudaFence, Watcher>();
	#nextToken = 0;
	#needed = 0;

	constructor(device: CudaDevice) {
		this.#device = device;
	}

	/** Starts a wait; settles at once when its condition already holds. */
	add(spec: WaitSpec, options: WaitOptions): Promise<void> {
		const device = this.#device;
		device.refresh();
		if (spec.check()) return Promise.resolve();
		if (device.fatal !== undefined) return Promise.reject(device.fatal);
		if (options.signal?.aborted) return Promise.reject(options.signal.reason);

		const { promise, resolve, reject } = withResolvers();
		const wait: PendingWait = {
			spec,
			resolve,
			reject,
			start: device.now(),
			timeout: options.timeout,
			timer: undefined,
			signal: options.signal,
			onAbort: undefined,
		};
		if (options.timeout !== undefined) {
			wait.timer = setTimeout(() => {
				// The condition may have come true just now: it wins over the deadline.
				device.refresh();
				this.#settle(wait, timeoutError(wait.timeout, wait.spec), wait.spec.check());
				this.#arm();
			}, options.timeout);
		}
		if (options.signal !== undefined) {
			const signal = options.signal;
			wait.onAbort = () => {
				this.#settle(wait, signal.reason, false);
				this.#arm();
			};
			signal.addEventListener('abort', wait.onAbort, { once: true });
		}
		this.#pending.push(wait);
		this.#arm();
		return promise;
	}

	/** Something changed on the host side (or a fence completed): settle what now holds. */
	recheck(): void {
		this.#settleReady();
		this.#arm();
	}

	/** A watcher's driver event completed (status 0) or failed. */
	onNative(token: number, status: number): void {
		const watcher = this.#watchers.get(token);
		if (watcher === undefined) return;
		this.#watchers.delete(token);
		this.#watched.delete(watcher.fence);
		this.#device.watchDone(watcher.fence, status);
		if (this.#device.fatal !== undefined || this.#device.destroyed) return;
		this.#device.refresh();
		this.recheck();
	}

	/** Settles every pending wait: those whose condition holds resolve, the others reject. */
	rejectAll(reason: unknown): void {
		for (const wait of [...this.#pending]) this.#settle(wait, reason, wait.spec.check());
		this.#needed = 0;
	}

	/** Whether a pending wait needs a watcher, which keeps the process alive. */
	get keepsAlive(): boolean {
		return this.#needed > 0;
	}

	/** Pending waits and watchers in flight. */
	get size(): { pending: number; watchers: number } {
		return { pending: this.#pending.length, watchers: this.#watchers.size };
	}

	#settleReady(): void {
		for (const wait of [...this.#pending]) {
			if (wait.spec.check()) this.#settle(wait, undefined, true);
		}
	}

	/**
	 * Makes sure the earliest fence each stream owes a pending wait has a watcher. Looking at a
	 * fence may find it complete, which may settle waits: then look again.
	 */
	#arm(): void {
		const device = this.#device;
		if (device.fatal !== undefined || device.destroyed) return;
		let wanted = new Map<number, CudaFence>();
		for (let round = 0; round < 8; round++) {
			const before = device.fencesDone;
			wanted = new Map();
			for (const wait of this.#pending) {
				for (const fence of wait.spec.fences as CudaFence[]) {
					if (device.fenceDone(fence)) continue;
					const earliest = wanted.get(fence.stream);
					if (earliest === undefined || fence.seq < earliest.seq) wanted.set(fence.stream, fence);
				}
			}
			if (device.fencesDone === before) break;
			device.refresh();
			this.#settleReady();
		}

		let needed = 0;
		for (const fence of wanted.values()) {
			if (!this.#watched.has(fence)) {
				const token = ++this.#nextToken;
				const watcher = { token, fence };
				if (!device.watch(fence, token)) return;
				this.#watchers.set(token, watcher);
				this.#watched.set(fence, watcher);
			}
			needed++;
		}
		this.#needed = needed;
		device.updateKeepAlive();
	}

	#settle(wait: PendingWait, error: unknown, ok: boolean): void {
		const index = this.#pending.indexOf(wait);
		if (index < 0) return;
		this.#pending.splice(index, 1);
		if (wait.timer !== undefined) clearTimeout(wait.timer);
		if (wait.onAbort !== undefined) wait.signal?.removeEventListener('abort', wait.onAbort);
		this.#device.hostSpan(
			wait.spec.blocking ? 'wait (blocking)' : 'wait (spin)',
			wait.start,
			this.#device.now(),
		);
		if (ok) wait.resolve();
		else wait.reject(error);
	}
}
