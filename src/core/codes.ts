/**
 * Numbers shared with the Wasm core (`assembly/codes.ts`, `assembly/scheduler/constants.ts`).
 * A test reads the core's exported codes and checks that they match these.
 */

/** Negated return codes of the core. */
export const CoreCode = {
	OK: 0,
	STALE_HANDLE: 1,
	INVALID_TRANSITION: 2,
	FULL: 3,
	ALREADY_DELIVERED: 4,
	NOT_FINISHED: 5,
	ALREADY_SUBMITTED: 6,
	DUPLICATE: 7,
	BUSY: 8,
	INVALID_ARGUMENT: 9,
	TIMING_DISABLED: 10,
	NOT_RECORDED: 11,
	NOT_READY: 12,
	DESTROYED: 13,
} as const;

/** The states of an output, indexed by the core's state number. */
export const STATES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;

/** An output's state. */
export type AsyncState = (typeof STATES)[number];

export const State = {
	PENDING: 0,
	IN_PROGRESS: 1,
	COMPLETED: 2,
	FAILED: 3,
	CANCELLED: 4,
} as const;

/** Double-buffer slot states, indexed by the core's number. */
export const SLOT_STATES = ['free', 'computing', 'transferring'] as const;
export type SlotState = (typeof SLOT_STATES)[number];

export const StreamKind = { DEVICE: 0, HOST: 1 } as const;

export const OpKind = {
	KERNEL: 1,
	COPY_H2D: 2,
	COPY_D2H: 3,
	COPY_D2D: 4,
	MEMSET: 5,
	MARKER: 6,
	WAIT: 7,
	HOST_FUNC: 8,
	HOST_WORK: 9,
	LAUNCH: 10,
} as const;

/** Names of op kinds, as they appear in recordings and timelines. */
export const OP_KIND_NAMES: Record<number, string> = {
	1: 'kernel',
	2: 'copy_h2d',
	3: 'copy_d2h',
	4: 'copy_d2d',
	5: 'memset',
	6: 'event_record',
	7: 'stream_wait',
	8: 'host_func',
	9: 'host_work',
	10: 'launch',
};

export const Engine = {
	NONE: 0,
	COMPUTE: 1,
	H2D: 2,
	D2H: 3,
	HOST_FUNC: 4,
	LANE: 5,
} as const;

/** Names of engines, as lanes of a timeline. */
export const ENGINE_NAMES = ['none', 'compute', 'copy H2D', 'copy D2H', 'host functions', 'host'];

/** Compute capacity in occupancy units (a kernel of occupancy 1 takes all of it). */
export const COMPUTE_UNITS = 1024;

export const OpFlag = { REPORT_START: 1, FAULT: 2 } as const;

export const RunMode = { UNTIL_TIME: 0, UNTIL_IDLE: 1, UNTIL_WAITER: 2 } as const;

export const Stop = { IDLE: 0, WAITER: 1, REPORT_FULL: 2, TIME: 3, FAULT: 4, REFILL: 5 } as const;

export const Rec = { OP_END: 1, OP_START: 2, WAITER: 3, OP_FAULT: 4, LANES: 8 } as const;
