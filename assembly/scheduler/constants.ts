/**
 * Enumerations of the simulated device's scheduler, mirrored in `src/core/codes.ts`.
 */

/** A time that never comes: the release of work not yet launched, a kernel that never ends. */
export const NEVER: i64 = i64.MAX_VALUE;

/** Stream kinds. A host lane is a stream of host work used to replay a recorded program. */
export const STREAM_DEVICE: u8 = 0;
export const STREAM_HOST: u8 = 1;

/** Operation kinds. */
export const OP_KERNEL: u8 = 1;
export const OP_COPY_H2D: u8 = 2;
export const OP_COPY_D2H: u8 = 3;
export const OP_COPY_D2D: u8 = 4;
export const OP_MEMSET: u8 = 5;
/** An event record: completes when the work before it on its stream has. */
export const OP_MARKER: u8 = 6;
/** A stream wait: holds its stream until another stream has completed a given count. */
export const OP_WAIT: u8 = 7;
export const OP_HOST_FUNC: u8 = 8;
/** Host computation on a host lane. */
export const OP_HOST_WORK: u8 = 9;
/** A launch call on a host lane: releases a device operation that was loaded unreleased. */
export const OP_LAUNCH: u8 = 10;

/** Engines. Work on NONE takes no time; a host lane is its own engine. */
export const ENGINE_NONE: u8 = 0;
export const ENGINE_COMPUTE: u8 = 1;
export const ENGINE_H2D: u8 = 2;
export const ENGINE_D2H: u8 = 3;
export const ENGINE_HOST_FUNC: u8 = 4;
export const ENGINE_LANE: u8 = 5;
export const ENGINE_COUNT: i32 = 6;

/** Compute capacity in occupancy units: a kernel with occupancy 1.0 takes all of it. */
export const COMPUTE_UNITS: i32 = 1024;

/** Operation flags. */
export const FLAG_REPORT_START: u8 = 1;
export const FLAG_FAULT: u8 = 2;

/** Run modes. */
export const RUN_UNTIL_TIME: i32 = 0;
export const RUN_UNTIL_IDLE: i32 = 1;
export const RUN_UNTIL_WAITER: i32 = 2;

/** Why a run stopped. */
export const STOP_IDLE: i32 = 0;
export const STOP_WAITER: i32 = 1;
export const STOP_REPORT_FULL: i32 = 2;
export const STOP_TIME: i32 = 3;
export const STOP_FAULT: i32 = 4;
/** A stream loaded in windows (`sim_stream_refill_at`) ran low: the host loads more. */
export const STOP_REFILL: i32 = 5;

/** Report record types and layout (f64 lanes per record). */
export const REC_OP_END: i32 = 1;
export const REC_OP_START: i32 = 2;
export const REC_WAITER: i32 = 3;
export const REC_OP_FAULT: i32 = 4;
export const REC_LANES: i32 = 8;
