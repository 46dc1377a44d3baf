#include "driver.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

namespace ao {

namespace {

// The ABI the addon is written against: each entry point is asked for as CUDA 12.0 defined it
// (the _v2 variants of cuMemAlloc, cuStreamDestroy, cuEventDestroy, ...).
constexpr int kAbiVersion = 12000;
// cuGetProcAddress exists from CUDA 11.3; its v2 signature from 12.0.
constexpr int kOldestDriver = 11030;

// Opened drivers live as long as the process (their handles are never closed).
std::mutex gMutex;
std::map<std::string, Driver *> &Drivers() {
  static auto *drivers = new std::map<std::string, Driver *>();
  return *drivers;
}

struct Lookup {
  void *library;
  GetProcAddressV2 v2;
  GetProcAddressV1 v1;
  int version;
  std::string missing;

  template <typename F>
  void operator()(F *slot, const char *name) {
    void *fn = nullptr;
    CUresult result = ERROR_NOT_FOUND;
    if (v2 != nullptr) {
      int status = 0;
      result = v2(name, &fn, version, GET_PROC_ADDRESS_LEGACY_STREAM, &status);
      if (status != 0) result = ERROR_NOT_FOUND;
    } else if (v1 != nullptr) {
      result = v1(name, &fn, version, GET_PROC_ADDRESS_LEGACY_STREAM);
    }
    if (result != SUCCESS || fn == nullptr) {
      if (missing.empty()) missing = name;
      *slot = nullptr;
      return;
    }
    *slot = reinterpret_cast<F>(fn);
  }
};

// "<what> <path>: <dlerror>", for messages about a library that would not load.
std::string Describe(const std::string &what, const std::string &path) {
  const char *error = dlerror();
  return what + " " + path + (error != nullptr ? std::string(" (") + error + ")" : "");
}

}  // namespace

const Driver *OpenDriver(const std::string &path, OpenFailure *failure) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto found = Drivers().find(path);
  if (found != Drivers().end()) return found->second;

  // Open the library.
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    failure->reason = "no-driver";
    failure->message = Describe("no NVIDIA driver: cannot open", path);
    return nullptr;
  }

  // The two symbols looked up by name; everything else goes through cuGetProcAddress.
  auto getVersion = reinterpret_cast<CUresult (*)(int *)>(dlsym(library, "cuDriverGetVersion"));
  auto init = reinterpret_cast<CUresult (*)(unsigned)>(dlsym(library, "cuInit"));
  if (getVersion == nullptr || init == nullptr) {
    failure->reason = "no-driver";
    failure->message = Describe("not a CUDA driver (no cuDriverGetVersion or cuInit):", path);
    dlclose(library);
    return nullptr;
  }
  int version = 0;
  if (getVersion(&version) != SUCCESS || version < kOldestDriver) {
    failure->reason = "driver-error";
    failure->message = "the CUDA driver " + path + " reports version " + std::to_string(version) +
                       "; async-output needs 11.3 (11030) or newer";
    dlclose(library);
    return nullptr;
  }
  CUresult initResult = init(0);
  if (initResult != SUCCESS) {
    failure->reason = initResult == ERROR_NO_DEVICE ? "no-device" : "driver-error";
    failure->message = "cuInit failed with CUDA error " + std::to_string(initResult) +
                       (initResult == ERROR_NO_DEVICE ? " (CUDA_ERROR_NO_DEVICE: no CUDA-capable GPU)"
                                                      : "");
    // Keep the library open: a later attempt would fail the same way, and closing a driver
    // that ran cuInit is not safe.
    return nullptr;
  }

  // Resolve the entry points.
  Lookup lookup{library,
                reinterpret_cast<GetProcAddressV2>(dlsym(library, "cuGetProcAddress_v2")),
                nullptr, version < kAbiVersion ? version : kAbiVersion, ""};
  if (lookup.v2 == nullptr || version < 12000) {
    lookup.v2 = nullptr;
    lookup.v1 = reinterpret_cast<GetProcAddressV1>(dlsym(library, "cuGetProcAddress"));
  }
  auto *d = new Driver();
  d->path = path;
  d->version = version;
  lookup(&d->cuInit, "cuInit");
  lookup(&d->cuDriverGetVersion, "cuDriverGetVersion");
  lookup(&d->cuGetErrorName, "cuGetErrorName");
  lookup(&d->cuGetErrorString, "cuGetErrorString");
  lookup(&d->cuDeviceGetCount, "cuDeviceGetCount");
  lookup(&d->cuDeviceGet, "cuDeviceGet");
  lookup(&d->cuDeviceGetName, "cuDeviceGetName");
  lookup(&d->cuDeviceGetAttribute, "cuDeviceGetAttribute");
  lookup(&d->cuDeviceTotalMem, "cuDeviceTotalMem");
  lookup(&d->cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  lookup(&d->cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease");
  lookup(&d->cuCtxSetCurrent, "cuCtxSetCurrent");
  lookup(&d->cuCtxSynchronize, "cuCtxSynchronize");
  lookup(&d->cuCtxGetStreamPriorityRange, "cuCtxGetStreamPriorityRange");
  lookup(&d->cuMemGetInfo, "cuMemGetInfo");
  lookup(&d->cuStreamCreateWithPriority, "cuStreamCreateWithPriority");
  lookup(&d->cuStreamDestroy, "cuStreamDestroy");
  lookup(&d->cuStreamQuery, "cuStreamQuery");
  lookup(&d->cuStreamSynchronize, "cuStreamSynchronize");
  lookup(&d->cuStreamWaitEvent, "cuStreamWaitEvent");
  lookup(&d->cuEventCreate, "cuEventCreate");
  lookup(&d->cuEventDestroy, "cuEventDestroy");
  lookup(&d->cuEventRecord, "cuEventRecord");
  lookup(&d->cuEventQuery, "cuEventQuery");
  lookup(&d->cuEventSynchronize, "cuEventSynchronize");
  lookup(&d->cuEventElapsedTime, "cuEventElapsedTime");
  lookup(&d->cuMemAlloc, "cuMemAlloc");
  lookup(&d->cuMemFree, "cuMemFree");
  lookup(&d->cuMemHostAlloc, "cuMemHostAlloc");
  lookup(&d->cuMemFreeHost, "cuMemFreeHost");
  lookup(&d->cuMemHostGetDevicePointer, "cuMemHostGetDevicePointer");
  lookup(&d->cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync");
  lookup(&d->cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync");
  lookup(&d->cuMemcpyDtoH, "cuMemcpyDtoH");
  lookup(&d->cuMemsetD8Async, "cuMemsetD8Async");
  lookup(&d->cuLaunchHostFunc, "cuLaunchHostFunc");
  lookup(&d->cuModuleLoadData, "cuModuleLoadData");
  lookup(&d->cuModuleUnload, "cuModuleUnload");
  lookup(&d->cuModuleGetFunction, "cuModuleGetFunction");
  lookup(&d->cuLaunchKernel, "cuLaunchKernel");
  if (!lookup.missing.empty()) {
    failure->reason = "driver-error";
    failure->message = "the CUDA driver " + path + " (version " + std::to_string(version) +
                       ") has no entry point " + lookup.missing +
                       (lookup.v2 == nullptr && lookup.v1 == nullptr ? " (no cuGetProcAddress)" : "");
    delete d;
    return nullptr;
  }
  d->fakeStats = reinterpret_cast<void (*)(long long *, int)>(dlsym(library, "fakecuda_stats"));
  Drivers()[path] = d;
  return d;
}

std::string ErrorName(const Driver *driver, CUresult result) {
  const char *name = nullptr;
  if (driver != nullptr && driver->cuGetErrorName(result, &name) == SUCCESS && name != nullptr) {
    return name;
  }
  return "CUDA_ERROR_" + std::to_string(result);
}

std::string ErrorText(const Driver *driver, CUresult result) {
  const char *text = nullptr;
  if (driver != nullptr && driver->cuGetErrorString(result, &text) == SUCCESS && text != nullptr) {
    return text;
  }
  return "unknown CUDA error";
}

// Not cached: other code on the JavaScript thread (another CUDA library) may change the
// current context between two calls, and cuCtxSetCurrent is a thread-local store.
CUresult MakeCurrent(const Driver *driver, CUcontext context) {
  return driver->cuCtxSetCurrent(context);
}

}  // namespace ao
