// The kernels of the CUDA device, compiled to PTX by scripts/build-ptx.sh (nvcc -ptx for the
// oldest architecture the toolkit supports, so that newer GPUs JIT them) and shipped as text in
// native/src/kernels-ptx.inc. Nothing here needs a toolkit at build or run time.
//
// Values follow JavaScript's typed-array stores exactly, so that a fill on the GPU writes the
// same bits as the simulated device's fillPattern(): value + i * step is computed with two
// roundings (the multiply and the add are never fused), integers wrap modulo 2^bits after
// truncation (NaN and infinities store 0), float32 rounds to nearest even, and 64-bit integers
// take Math.round(value + i * step) modulo 2^64.
#include <stdint.h>

// ao_spin(ns, abort): one thread that runs for `ns` nanoseconds of the GPU's global timer, or
// until the host writes a non-zero word at `abort` (mapped pinned memory): kernels that never end
// (ns = 2^64 - 1) stop when their device is destroyed or the process exits.
extern "C" __global__ void ao_spin(uint64_t ns, const volatile unsigned int *abort) {
  uint64_t start;
  uint64_t now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  for (;;) {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    if (now - start >= ns) break;
    if (*abort != 0) break;
  }
}

// ao_fault(): stores to an address no allocation has, which the GPU reports as
// CUDA_ERROR_ILLEGAL_ADDRESS: a sticky error (the context is unusable from then on).
extern "C" __global__ void ao_fault(unsigned int *bad) { *(volatile unsigned int *)bad = 1u; }

// value + i * step in double precision, rounded after the multiply and after the add as
// JavaScript does (the _rn intrinsics are never contracted into a fused multiply-add).
__device__ __forceinline__ double pattern(double value, double step, uint64_t i) {
  if (step == 0.0) return value;
  return __dadd_rn(value, __dmul_rn((double)i, step));
}

// ToUint32 of ECMAScript: truncate, then modulo 2^32 (exact in doubles); NaN and infinities
// give 0. The narrower integer stores take the low bits of this.
__device__ __forceinline__ uint32_t to_uint32(double v) {
  if (!isfinite(v)) return 0u;
  const double t = trunc(v);
  const double q = floor(__dmul_rn(t, 0x1p-32));
  return (uint32_t)__dsub_rn(t, __dmul_rn(q, 0x1p32));
}

// BigInt(Math.round(v)) stored into a 64-bit array: round half up, then modulo 2^64. Below 2^63
// in magnitude the signed conversion is exact; above, r is a multiple of 2^11 and so is its
// residue modulo 2^64, which a double then holds exactly.
__device__ __forceinline__ uint64_t to_uint64_rounded(double v) {
  if (!isfinite(v)) return 0ull;
  double r = floor(v);
  if (__dsub_rn(v, r) >= 0.5) r = __dadd_rn(r, 1.0);
  if (fabs(r) < 0x1p63) return (uint64_t)(int64_t)r;
  const double q = floor(__dmul_rn(r, 0x1p-64));
  return (uint64_t)__dsub_rn(r, __dmul_rn(q, 0x1p64));
}

#define AO_FILL(NAME, TYPE, CONVERT)                                                            \
  extern "C" __global__ void NAME(TYPE *out, uint64_t n, double value, double step) {           \
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;                                    \
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {      \
      const double v = pattern(value, step, i);                                                 \
      out[i] = (TYPE)(CONVERT);                                                                 \
    }                                                                                           \
  }

AO_FILL(ao_fill_float32, float, __double2float_rn(v))
AO_FILL(ao_fill_float64, double, v)
AO_FILL(ao_fill_int8, int8_t, (int8_t)(uint8_t)to_uint32(v))
AO_FILL(ao_fill_int16, int16_t, (int16_t)(uint16_t)to_uint32(v))
AO_FILL(ao_fill_int32, int32_t, (int32_t)to_uint32(v))
AO_FILL(ao_fill_uint8, uint8_t, (uint8_t)to_uint32(v))
AO_FILL(ao_fill_uint16, uint16_t, (uint16_t)to_uint32(v))
AO_FILL(ao_fill_uint32, uint32_t, to_uint32(v))
AO_FILL(ao_fill_int64, int64_t, (int64_t)to_uint64_rounded(v))
AO_FILL(ao_fill_uint64, uint64_t, to_uint64_rounded(v))
