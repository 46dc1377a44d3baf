// The CUDA device of the addon: one GPU's primary context, the streams, events and device
// allocations JavaScript made on it (by numeric id: JavaScript never holds a driver pointer),
// the kernels, and the threads that wait for it.
//
// Threads. The JavaScript thread issues work and never blocks on the GPU: a wait is a task of
// `waiters` (one thread per task in flight) whose result comes back through `completions` and
// the thread-safe function `tsfn`, which also runs host functions (see host-funcs.h). Errors
// travel as numbers; JavaScript errors are only ever built on the JavaScript thread.
//
// Lifetime. A DeviceState lives while its JavaScript wrapper or its thread-safe function does.
// Shutdown() (destroy(), or the environment tearing down) releases host functions, tells
// spinning kernels to stop, joins every thread and frees what the device holds. Pinned host
// memory is the exception: an ArrayBuffer JavaScript may still read keeps its block, and the
// block keeps the context, until the garbage collector frees it.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "driver.h"
#include "host-funcs.h"
#include "kernels.h"
#include "pool.h"

namespace ao {

/** A retained primary context, released when its last holder (a device, a pinned block) goes. */
struct ContextRef {
  ContextRef(const Driver *d, CUdevice dev, CUcontext ctx) : driver(d), device(dev), context(ctx) {}
  ContextRef(const ContextRef &) = delete;
  ~ContextRef();
  const Driver *driver;
  CUdevice device;
  CUcontext context;
};

/** A driver event, shared with the worker threads that synchronize on it. */
struct EventHandle {
  EventHandle(const Driver *d, std::shared_ptr<ContextRef> ctx, CUevent e)
      : driver(d), context(std::move(ctx)), event(e) {}
  EventHandle(const EventHandle &) = delete;
  ~EventHandle();
  const Driver *driver;
  std::shared_ptr<ContextRef> context;
  CUevent event;
};

/** Device memory and its size, for bounds checks. */
struct Allocation {
  CUdeviceptr pointer;
  size_t bytes;
};

/** Results of waits, from worker threads to the JavaScript thread. */
class Completions {
 public:
  explicit Completions(std::function<void()> wake) : wake_(std::move(wake)) {}
  void Push(double token, int status);
  std::vector<std::pair<double, int>> Take();
  void Close();

 private:
  std::mutex mutex_;
  std::vector<std::pair<double, int>> items_;
  std::function<void()> wake_;
  bool closed_ = false;
};

class DeviceState;
void DrainCallback(Napi::Env env, Napi::Function callback, DeviceState *state, void *data);
using Tsfn = Napi::TypedThreadSafeFunction<DeviceState, void, DrainCallback>;

/** The kernels of native/kernels/kernels.cu. */
struct Kernels {
  CUmodule module = nullptr;
  CUfunction spin = nullptr;
  CUfunction fault = nullptr;
  CUfunction fill[10] = {};  // by dtype index, as DTYPES in src/dtype.ts lists them
};

class DeviceState : public std::enable_shared_from_this<DeviceState> {
 public:
  /** Opens GPU `ordinal`; null with `failure` filled when it cannot be used. */
  static std::shared_ptr<DeviceState> Open(Napi::Env env, const Driver *driver, int ordinal,
                                           Napi::Function onWait, Napi::Function onHostFunc,
                                           OpenFailure *failure);
  ~DeviceState();

  /** Stops everything; idempotent. JavaScript thread only. */
  void Shutdown();

  /** Delivers wait results and runs queued host functions (the thread-safe function's call). */
  void Drain(Napi::Env env);

  /**
   * Runs a driver call that may block until earlier GPU work is done. With host functions in
   * flight the call goes to a worker while this (JavaScript) thread runs the host functions it
   * may be waiting for, so that it cannot deadlock; otherwise it runs here. `graceMs` is how long
   * to wait before running host functions: 0 for a call that does wait for the stream (a
   * pageable copy), more for one that normally does not (an allocation), so that host functions
   * do not run inside it unless they must.
   */
  CUresult RunPumped(Napi::Env env, const std::function<CUresult()> &call, int graceMs = 0);

  /** Makes the context current on the calling thread. */
  CUresult Current() const { return MakeCurrent(driver, context); }

  /** A fresh id for a stream, event or allocation. */
  uint32_t NextId() { return nextId_++; }

  const Driver *driver = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  std::shared_ptr<ContextRef> contextRef;
  int ordinal = 0;
  Kernels kernels;
  int leastPriority = 0;
  int greatestPriority = 0;

  std::unordered_map<uint32_t, CUstream> streams;
  std::unordered_map<uint32_t, std::shared_ptr<EventHandle>> events;
  std::unordered_map<uint32_t, Allocation> allocations;
  size_t allocatedBytes = 0;
  CUstream setupStream = nullptr;  // zeroes new allocations

  // Read by every spin kernel of this device; non-zero makes them return (mapped pinned memory).
  volatile unsigned *abortHost = nullptr;
  CUdeviceptr abortDevice = 0;

  WorkerPool waiters{1024};
  std::shared_ptr<HostChannel> channel;
  std::shared_ptr<Completions> completions;
  Tsfn tsfn;
  bool tsfnCreated = false;
  bool tsfnFinalized = false;
  bool keepAlive = false;
  bool closed = false;
  long long waitsStarted = 0;
  long long waitsDelivered = 0;

  Napi::FunctionReference onWait;
  Napi::FunctionReference onHostFunc;

 private:
  uint32_t nextId_ = 1;
};

/** The JavaScript object of a device: argument checks, then the driver. */
class NativeDevice : public Napi::ObjectWrap<NativeDevice> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeDevice(const Napi::CallbackInfo &info);
  ~NativeDevice() override;

  std::shared_ptr<DeviceState> state;

 private:
  Napi::Value Info(const Napi::CallbackInfo &info);
  Napi::Value KeepAlive(const Napi::CallbackInfo &info);
  Napi::Value Destroy(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);
  Napi::Value ErrorName(const Napi::CallbackInfo &info);
  Napi::Value ErrorText(const Napi::CallbackInfo &info);

  Napi::Value StreamCreate(const Napi::CallbackInfo &info);
  Napi::Value StreamDestroy(const Napi::CallbackInfo &info);
  Napi::Value StreamQuery(const Napi::CallbackInfo &info);
  Napi::Value StreamWaitEvent(const Napi::CallbackInfo &info);
  Napi::Value EventCreate(const Napi::CallbackInfo &info);
  Napi::Value EventDestroy(const Napi::CallbackInfo &info);
  Napi::Value EventRecord(const Napi::CallbackInfo &info);
  Napi::Value EventQuery(const Napi::CallbackInfo &info);
  Napi::Value EventElapsed(const Napi::CallbackInfo &info);
  Napi::Value WaitEvent(const Napi::CallbackInfo &info);

  Napi::Value LaunchSpin(const Napi::CallbackInfo &info);
  Napi::Value LaunchFill(const Napi::CallbackInfo &info);
  Napi::Value LaunchFault(const Napi::CallbackInfo &info);
  Napi::Value LaunchHostFunc(const Napi::CallbackInfo &info);

  Napi::Value MemAlloc(const Napi::CallbackInfo &info);
  Napi::Value MemFree(const Napi::CallbackInfo &info);
  Napi::Value MemHostAlloc(const Napi::CallbackInfo &info);
  Napi::Value CopyDtoH(const Napi::CallbackInfo &info);
  Napi::Value CopyHtoD(const Napi::CallbackInfo &info);
  Napi::Value Memset(const Napi::CallbackInfo &info);
  Napi::Value CopyDtoHSync(const Napi::CallbackInfo &info);
  Napi::Value IsPinned(const Napi::CallbackInfo &info);
};

// Argument helpers (arguments.cc): each returns false for a value of the wrong type or range.

/** An integer in [0, 2^53]. */
bool ToIndex(const Napi::Value &value, uint64_t *out);
/** A stream, event or allocation id. */
bool ToId(const Napi::Value &value, uint32_t *out);
/** The bytes of an ArrayBuffer, a typed array or a DataView. */
bool ToBytes(const Napi::Value &value, uint8_t **data, size_t *length);
/** -status as a JavaScript number. */
Napi::Value Fail(Napi::Env env, int status);
/** What a binding returns after one driver call: 0 when it succeeded, else -result. */
Napi::Value Done(Napi::Env env, CUresult result);

// Pinned memory (memory.cc).

/** Whether [pointer, pointer + bytes) lies inside one pinned block the addon allocated. */
bool IsPinnedRange(const void *pointer, size_t bytes);
/** Live pinned blocks and their bytes, for leak checks. */
std::pair<long long, long long> PinnedTotals();

/**
 * Runs a free on the process's reaper thread. cuMemFree and cuMemFreeHost may wait until the
 * whole context is idle, which may take as long as any GPU work of any device in the process
 * (or, with a host function in flight, forever if the JavaScript thread waited): frees never run
 * on the JavaScript thread. The thread is never joined; it ends with the process.
 */
void Reap(std::function<void()> task);

/** Frees queued or running on the reaper. */
size_t ReaperPending();

}  // namespace ao
