import { TimeoutError } from '../errors.js';
import type { WaitSpec } from './device.js';

/** What both devices' waits share: a promise with its settlers, and the timeout's words. */

/** A promise and the functions that settle it (Promise.withResolvers, which Node 20 lacks). */
export function withResolvers(): {
	promise: Promise<void>;
	resolve: () => void;
	reject: (r: unknown) => void;
} {
	let resolve!: () => void;
	let reject!: (r: unknown) => void;
	const promise = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** The TimeoutError of a wait: what it waited for and the live state. */
export function timeoutError(timeoutMs: number | undefined, spec: WaitSpec): TimeoutError {
	return new TimeoutError(`Timed out after ${timeoutMs} ms waiting for ${spec.describe()}`);
}
