// The few CUDA driver API types and constants the addon and the test-only fake driver use,
// declared here so that neither needs a CUDA toolkit to build. Values are those of cuda.h
// (CUDA 12 and 13); the ABI is that of the entry points asked for with cudaVersion 12000.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
struct Context;
struct Stream;
struct Event;
struct Module;
struct Function;
using CUcontext = Context *;
using CUstream = Stream *;
using CUevent = Event *;
using CUmodule = Module *;
using CUfunction = Function *;
using CUhostFn = void (*)(void *userData);

// Results.
constexpr CUresult SUCCESS = 0;
constexpr CUresult ERROR_INVALID_VALUE = 1;
constexpr CUresult ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult ERROR_NOT_INITIALIZED = 3;
constexpr CUresult ERROR_DEINITIALIZED = 4;
constexpr CUresult ERROR_STUB_LIBRARY = 34;
constexpr CUresult ERROR_NO_DEVICE = 100;
constexpr CUresult ERROR_INVALID_DEVICE = 101;
constexpr CUresult ERROR_INVALID_CONTEXT = 201;
constexpr CUresult ERROR_NO_BINARY_FOR_GPU = 209;
constexpr CUresult ERROR_ECC_UNCORRECTABLE = 214;
constexpr CUresult ERROR_INVALID_PTX = 218;
constexpr CUresult ERROR_UNSUPPORTED_PTX_VERSION = 222;
constexpr CUresult ERROR_INVALID_HANDLE = 400;
constexpr CUresult ERROR_NOT_FOUND = 500;
constexpr CUresult ERROR_NOT_READY = 600;
constexpr CUresult ERROR_ILLEGAL_ADDRESS = 700;
constexpr CUresult ERROR_LAUNCH_OUT_OF_RESOURCES = 701;
constexpr CUresult ERROR_LAUNCH_TIMEOUT = 702;
constexpr CUresult ERROR_ASSERT = 710;
constexpr CUresult ERROR_HARDWARE_STACK_ERROR = 714;
constexpr CUresult ERROR_ILLEGAL_INSTRUCTION = 715;
constexpr CUresult ERROR_MISALIGNED_ADDRESS = 716;
constexpr CUresult ERROR_INVALID_ADDRESS_SPACE = 717;
constexpr CUresult ERROR_INVALID_PC = 718;
constexpr CUresult ERROR_LAUNCH_FAILED = 719;
constexpr CUresult ERROR_NOT_PERMITTED = 800;
constexpr CUresult ERROR_NOT_SUPPORTED = 801;
constexpr CUresult ERROR_SYSTEM_DRIVER_MISMATCH = 803;
constexpr CUresult ERROR_UNKNOWN = 999;

// Flags.
constexpr unsigned STREAM_NON_BLOCKING = 0x1;
constexpr unsigned EVENT_BLOCKING_SYNC = 0x1;
constexpr unsigned EVENT_DISABLE_TIMING = 0x2;
constexpr unsigned MEMHOSTALLOC_PORTABLE = 0x1;
constexpr unsigned MEMHOSTALLOC_DEVICEMAP = 0x2;
constexpr unsigned long long GET_PROC_ADDRESS_LEGACY_STREAM = 0x1;

// Device attributes.
constexpr int ATTR_MULTIPROCESSOR_COUNT = 16;
constexpr int ATTR_CAN_MAP_HOST_MEMORY = 19;
constexpr int ATTR_ASYNC_ENGINE_COUNT = 40;
constexpr int ATTR_UNIFIED_ADDRESSING = 41;
constexpr int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int ATTR_COMPUTE_CAPABILITY_MINOR = 76;

// The signatures of cuGetProcAddress: v2 (CUDA 12.0 and later) and v1 (11.3 to 11.8).
using GetProcAddressV2 = CUresult (*)(const char *symbol, void **pfn, int cudaVersion,
                                      unsigned long long flags, int *symbolStatus);
using GetProcAddressV1 = CUresult (*)(const char *symbol, void **pfn, int cudaVersion,
                                      unsigned long long flags);

}  // namespace cuda
