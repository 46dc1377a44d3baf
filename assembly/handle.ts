/**
 * Handles: a slot index in the low 20 bits and a generation in the next 11.
 *
 *   31 30 ........ 20 19 ................ 0
 *   [0][ generation  ][       index       ]
 *
 * The generation starts at 1 and moves on each time a slot is freed, so a handle kept after
 * its slot was reused no longer matches and is rejected as stale. Handles are always positive
 * and 0 never names anything, which lets the host use 0 for "none".
 */

export const INDEX_BITS: i32 = 20;
export const INDEX_MASK: i32 = (1 << INDEX_BITS) - 1;
export const MAX_SLOTS: i32 = 1 << INDEX_BITS;
const GEN_MASK: i32 = (1 << 11) - 1;

/** Builds a handle from a slot index and its generation. */
// @ts-ignore: decorator
@inline
export function makeHandle(index: i32, gen: i32): i32 {
  return (gen << INDEX_BITS) | index;
}

/** The slot index of a handle. */
// @ts-ignore: decorator
@inline
export function handleIndex(handle: i32): i32 {
  return handle & INDEX_MASK;
}

/** The generation of a handle. */
// @ts-ignore: decorator
@inline
export function handleGen(handle: i32): i32 {
  return (handle >>> INDEX_BITS) & GEN_MASK;
}

/** The generation a slot takes when it is freed: 1..2047, never 0. */
// @ts-ignore: decorator
@inline
export function nextGen(gen: i32): i32 {
  return gen >= GEN_MASK ? 1 : gen + 1;
}
