/**
 * The result area: where calls that produce many values leave them for the host.
 *
 * A call such as `handler_poll` writes its handles here and returns how many it wrote; the
 * host reads them through a typed-array view at `results_ints_ptr()` before its next call. The
 * i32 area grows on demand, so the host takes its pointer after the call, never caches it; the
 * f64 area (`results_floats_ptr()`) is fixed, and the host reads its address once.
 */

let ints = new Int32Array(1024);
// Calls leave at most a few f64 results (handler stats: 10): the area never grows, so its
// address is the same for the life of the instance and the host reads it once.
const FLOATS: i32 = 64;
const floats = new Float64Array(FLOATS);
let input = new Int32Array(1024);
let inputF64 = new Float64Array(1024);

/** Makes room for `n` i32 results and returns the array to write into. */
export function resultInts(n: i32): Int32Array {
  if (ints.length < n) ints = new Int32Array(max(n, ints.length * 2));
  return ints;
}

/** The array to write `n` f64 results into (n <= 64, checked by the callers' own counts). */
// @ts-ignore: decorator
@inline
export function resultFloats(n: i32): Float64Array {
  return floats;
}

/** The byte address of the i32 results. */
export function resultIntsPtr(): usize {
  return ints.dataStart;
}

/** The byte address of the f64 results. */
export function resultFloatsPtr(): usize {
  return floats.dataStart;
}

/**
 * The input area: where the host leaves many values for one call (a batch of handles to
 * submit or push). The host asks for room for `n` first and writes through a view at the
 * address returned, then makes the call; like the result area, it may move when it grows.
 */
export function inputInts(n: i32): usize {
  if (input.length < n) input = new Int32Array(max(n, input.length * 2));
  return input.dataStart;
}

/** The input area, as last sized by the host. */
export function inputArray(): Int32Array {
  return input;
}

/** Room for `n` f64 values in the input area (records of a batch of ops); returns the address. */
export function inputFloats(n: i32): usize {
  if (inputF64.length < n) inputF64 = new Float64Array(max(n, inputF64.length * 2));
  return inputF64.dataStart;
}

/** The f64 input area, as last sized by the host. */
export function inputFloatArray(): Float64Array {
  return inputF64;
}
