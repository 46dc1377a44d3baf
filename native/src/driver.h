// The CUDA driver, opened at run time: dlopen of libcuda.so.1 (or the library a test names) and
// one cuGetProcAddress lookup per entry point, each at the ABI version the addon was written
// for, so that the addon builds without a toolkit and loads on a machine without a GPU.
#pragma once

#include <string>

#include "cuda-types.h"

namespace ao {

using namespace cuda;

/** The entry points the addon calls, resolved once per driver library. */
struct Driver {
  std::string path;
  int version = 0;

  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDeviceTotalMem)(size_t *bytes, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuCtxGetStreamPriorityRange)(int *least, int *greatest);
  CUresult (*cuMemGetInfo)(size_t *free, size_t *total);
  CUresult (*cuStreamCreateWithPriority)(CUstream *stream, unsigned flags, int priority);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamQuery)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
  CUresult (*cuEventCreate)(CUevent *event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventQuery)(CUevent event);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuEventElapsedTime)(float *ms, CUevent start, CUevent end);
  CUresult (*cuMemAlloc)(CUdeviceptr *pointer, size_t bytes);
  CUresult (*cuMemFree)(CUdeviceptr pointer);
  CUresult (*cuMemHostAlloc)(void **pointer, size_t bytes, unsigned flags);
  CUresult (*cuMemFreeHost)(void *pointer);
  CUresult (*cuMemHostGetDevicePointer)(CUdeviceptr *device, void *host, unsigned flags);
  CUresult (*cuMemcpyDtoHAsync)(void *dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void *src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoH)(void *dst, CUdeviceptr src, size_t bytes);
  CUresult (*cuMemsetD8Async)(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream);
  CUresult (*cuLaunchHostFunc)(CUstream stream, CUhostFn fn, void *userData);
  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
  CUresult (*cuLaunchKernel)(CUfunction f, unsigned gridX, unsigned gridY, unsigned gridZ,
                             unsigned blockX, unsigned blockY, unsigned blockZ, unsigned sharedBytes,
                             CUstream stream, void **params, void **extra);

  /** The test-only fake driver's counters (live objects), or null for a real driver. */
  void (*fakeStats)(long long *out, int count) = nullptr;
};

/** Why a driver could not be opened. */
struct OpenFailure {
  std::string reason;  // 'no-driver' or 'driver-error'
  std::string message;
};

/**
 * Opens the driver library at `path` and resolves its entry points, once per path per process
 * (the handle is never closed: entry points stay valid for the life of the process). Returns null
 * and fills `failure` when the library is missing, too old or fails cuInit.
 */
const Driver *OpenDriver(const std::string &path, OpenFailure *failure);

/** The driver's name for a result ("CUDA_ERROR_ILLEGAL_ADDRESS"), from a table when unknown. */
std::string ErrorName(const Driver *driver, CUresult result);

/** The driver's description of a result. */
std::string ErrorText(const Driver *driver, CUresult result);

/** Makes `context` current on the calling thread. */
CUresult MakeCurrent(const Driver *driver, CUcontext context);

}  // namespace ao
