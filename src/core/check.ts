import {
	AlreadyDeliveredError,
	BusyError,
	DestroyedError,
	ForeignObjectError,
	InvalidArgumentError,
	InvalidStateError,
	QueueFullError,
} from '../errors.js';
import { CoreCode } from './codes.js';

/**
 * Turns a negative result of the core into the library's error, with the caller's words.
 * `what` names the call ("AsyncOutput.markCompleted()") and starts every message.
 */
export function coreError(code: number, what: string, detail = ''): Error {
	const suffix = detail === '' ? '' : `: ${detail}`;
	switch (code) {
		case CoreCode.STALE_HANDLE:
			return new DestroyedError(`${what}: the object was destroyed${suffix}`);
		case CoreCode.INVALID_TRANSITION:
			return new InvalidStateError(`${what}: illegal state transition${suffix}`);
		case CoreCode.FULL:
			return new QueueFullError(`${what}: full${suffix}`);
		case CoreCode.ALREADY_DELIVERED:
			return new AlreadyDeliveredError(
				`${what}: ${detail === '' ? 'the result' : detail} was already delivered; get() delivers once`,
			);
		case CoreCode.NOT_FINISHED:
			return new InvalidStateError(`${what}: the output has not finished${suffix}`);
		case CoreCode.ALREADY_SUBMITTED:
			return new ForeignObjectError(`${what}: the output already belongs to a handler${suffix}`);
		case CoreCode.DUPLICATE:
			return new InvalidStateError(`${what}: the output was already added${suffix}`);
		case CoreCode.BUSY:
			return new BusyError(`${what}: still in use by a transfer in flight${suffix}`);
		case CoreCode.INVALID_ARGUMENT:
			return new InvalidArgumentError(`${what}: invalid argument${suffix}`);
		default:
			return new InvalidStateError(`${what}: core error ${code}${suffix}`);
	}
}

/** Returns a non-negative result, or throws the error its code stands for. */
export function checkCore(result: number, what: string, detail?: string): number {
	if (result >= 0) return result;
	throw coreError(-result, what, detail);
}
