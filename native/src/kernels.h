// The PTX text of native/kernels/kernels.cu, generated into kernels-ptx.cc by
// scripts/build-ptx.sh and loaded with cuModuleLoadData: the driver JIT-compiles it for the GPU.
#pragma once

namespace ao {

extern const char kKernelsPtx[];

}  // namespace ao
