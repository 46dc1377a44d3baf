/**
 * Status codes and enumerations shared by the core and the host.
 *
 * Every exported function of the core returns a non-negative value on success and the negated
 * code below on failure, so that no call ever throws across the boundary. The host mirrors
 * these numbers in `src/core/codes.ts`; a test checks that the two agree.
 */

/** The call succeeded. */
export const OK: i32 = 0;
/** A handle whose slot was freed and reused, or that never existed. */
export const E_STALE_HANDLE: i32 = 1;
/** A state change that the transition table does not allow. */
export const E_INVALID_TRANSITION: i32 = 2;
/** A bounded queue or table is full. */
export const E_FULL: i32 = 3;
/** An output's result was already delivered. */
export const E_ALREADY_DELIVERED: i32 = 4;
/** An output is not in a terminal state yet. */
export const E_NOT_FINISHED: i32 = 5;
/** An output already belongs to a handler. */
export const E_ALREADY_SUBMITTED: i32 = 6;
/** The same output was added twice to one barrier. */
export const E_DUPLICATE: i32 = 7;
/** A resource is still in use by work in flight. */
export const E_BUSY: i32 = 8;
/** An argument the host should have rejected (a capacity of 0, a slot count below 2). */
export const E_INVALID_ARGUMENT: i32 = 9;
/** `elapsedTime` on an event created without timing. */
export const E_TIMING_DISABLED: i32 = 10;
/** `elapsedTime` on an event that was never recorded. */
export const E_NOT_RECORDED: i32 = 11;
/** `elapsedTime` on an event whose captured work has not completed. */
export const E_NOT_READY: i32 = 12;
/** Work submitted to a destroyed stream. */
export const E_DESTROYED: i32 = 13;

/** Output states, in the order of `AsyncState` on the host. */
export const STATE_PENDING: u8 = 0;
export const STATE_IN_PROGRESS: u8 = 1;
export const STATE_COMPLETED: u8 = 2;
export const STATE_FAILED: u8 = 3;
export const STATE_CANCELLED: u8 = 4;
export const STATE_COUNT: i32 = 5;

/** Double-buffer slot states. */
export const SLOT_FREE: u8 = 0;
export const SLOT_COMPUTING: u8 = 1;
export const SLOT_TRANSFERRING: u8 = 2;
