/**
 * The error classes of async-output. Each has a stable `code` that code can match on; the
 * message is for people and may change.
 *
 * AsyncOutputError
 * ├── InvalidArgumentError   ERR_INVALID_ARGUMENT   bad input at the public edge
 * ├── InvalidStateError      ERR_INVALID_STATE      a transition the state machine forbids
 * ├── AlreadyDeliveredError  ERR_ALREADY_DELIVERED  get() a second time
 * ├── OutputFailedError      ERR_OUTPUT_FAILED      get() on a failed output (cause: its error)
 * ├── CancelledError         ERR_CANCELLED          get() on a cancelled output
 * ├── BusyError              ERR_BUSY               a buffer or slot still used by work in flight
 * ├── DestroyedError         ERR_DESTROYED          use after destroy()
 * ├── ForeignObjectError     ERR_FOREIGN_OBJECT     an object of another device or handler
 * ├── QueueFullError         ERR_QUEUE_FULL         a table of the core is full
├── OutOfMemoryError       ERR_OUT_OF_MEMORY      an allocation the device cannot hold
 * ├── TimeoutError           ERR_TIMEOUT            a wait ran out of time
 * ├── NotReadyError          ERR_NOT_READY          elapsedTime on work not complete
 * ├── NotRecordedError       ERR_NOT_RECORDED       elapsedTime on an event never recorded
 * ├── TimingDisabledError    ERR_TIMING_DISABLED    elapsedTime on an event without timing
 * ├── DeviceFaultError       ERR_DEVICE_FAULT       a sticky device fault
 * ├── CudaUnavailableError   ERR_CUDA_UNAVAILABLE   no driver, no GPU or no addon
 * ├── CudaDriverError        ERR_CUDA_DRIVER        any other CUDA driver error (out of memory, ...)
 * └── TraceFormatError       ERR_TRACE_FORMAT       a profiler trace that cannot be read
 */

export type ErrorCode =
	| 'ERR_INVALID_ARGUMENT'
	| 'ERR_INVALID_STATE'
	| 'ERR_ALREADY_DELIVERED'
	| 'ERR_OUTPUT_FAILED'
	| 'ERR_CANCELLED'
	| 'ERR_BUSY'
	| 'ERR_DESTROYED'
	| 'ERR_FOREIGN_OBJECT'
	| 'ERR_QUEUE_FULL'
	| 'ERR_OUT_OF_MEMORY'
	| 'ERR_TIMEOUT'
	| 'ERR_NOT_READY'
	| 'ERR_NOT_RECORDED'
	| 'ERR_TIMING_DISABLED'
	| 'ERR_DEVICE_FAULT'
	| 'ERR_CUDA_UNAVAILABLE'
	| 'ERR_CUDA_DRIVER'
	| 'ERR_TRACE_FORMAT';

/** The base class: every error this library throws is one of these. */
export class AsyncOutputError extends Error {
	readonly code: ErrorCode;

	constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.code = code;
		this.name = new.target.name;
	}
}

export class InvalidArgumentError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_INVALID_ARGUMENT', message);
	}
}

export class InvalidStateError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_INVALID_STATE', message);
	}
}

export class AlreadyDeliveredError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_ALREADY_DELIVERED', message);
	}
}

export class OutputFailedError extends AsyncOutputError {
	constructor(message: string, cause: unknown) {
		super('ERR_OUTPUT_FAILED', message, { cause });
	}
}

export class CancelledError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_CANCELLED', message);
	}
}

export class BusyError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_BUSY', message);
	}
}

export class DestroyedError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_DESTROYED', message);
	}
}

export class ForeignObjectError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_FOREIGN_OBJECT', message);
	}
}

export class QueueFullError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_QUEUE_FULL', message);
	}
}

export class OutOfMemoryError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_OUT_OF_MEMORY', message);
	}
}

export class TimeoutError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_TIMEOUT', message);
	}
}

export class NotReadyError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_NOT_READY', message);
	}
}

export class NotRecordedError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_NOT_RECORDED', message);
	}
}

export class TimingDisabledError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_TIMING_DISABLED', message);
	}
}

export class DeviceFaultError extends AsyncOutputError {
	/** The CUDA error it stands for, e.g. 'CUDA_ERROR_ILLEGAL_ADDRESS'. */
	readonly cudaError: string;

	constructor(message: string, options?: { cause?: unknown; cudaError?: string }) {
		super('ERR_DEVICE_FAULT', message, options);
		this.cudaError = options?.cudaError ?? 'CUDA_ERROR_LAUNCH_FAILED';
	}
}

export class CudaUnavailableError extends AsyncOutputError {
	/** Why: 'no-driver', 'no-device', 'addon-missing' or 'driver-error'. */
	readonly reason: string;

	constructor(reason: string, message: string) {
		super('ERR_CUDA_UNAVAILABLE', message);
		this.reason = reason;
	}
}

/** A CUDA driver error that is none of the above; `cudaError` names it. */
export class CudaDriverError extends AsyncOutputError {
	/** The driver's name of the error, e.g. 'CUDA_ERROR_OUT_OF_MEMORY'. */
	readonly cudaError: string;

	constructor(message: string, cudaError: string) {
		super('ERR_CUDA_DRIVER', message);
		this.cudaError = cudaError;
	}
}

export class TraceFormatError extends AsyncOutputError {
	constructor(message: string) {
		super('ERR_TRACE_FORMAT', message);
	}
}
