#include "device.h"

#include <chrono>
#include <cmath>

#include "status.h"

namespace ao {

ContextRef::~ContextRef() { driver->cuDevicePrimaryCtxRelease(device); }

EventHandle::~EventHandle() {
  MakeCurrent(driver, context->context);
  driver->cuEventDestroy(event);
}

// Completions ------------------------------------------------------------------------------------

void Completions::Push(double token, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  const bool first = items_.empty();
  items_.emplace_back(token, status);
  // One wake-up per batch: the drain takes everything queued by then.
  if (first) wake_();
}

std::vector<std::pair<double, int>> Completions::Take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<double, int>> items;
  items.swap(items_);
  return items;
}

void Completions::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  items_.clear();
}

// Opening and closing ----------------------------------------------------------------------------

namespace {

void FinalizeTsfn(Napi::Env, std::shared_ptr<DeviceState> *holder, DeviceState *) {
  (*holder)->tsfnFinalized = true;
  (*holder)->Shutdown();
  delete holder;
}

std::string Failed(const Driver *driver, const char *what, CUresult result) {
  return std::string(what) + " failed with " + ErrorName(driver, result) + " (" +
         ErrorText(driver, result) + ")";
}

const char *kFillNames[10] = {"ao_fill_float32", "ao_fill_float64", "ao_fill_int8",
                              "ao_fill_int16",   "ao_fill_int32",   "ao_fill_int64",
                              "ao_fill_uint8",   "ao_fill_uint16",  "ao_fill_uint32",
                              "ao_fill_uint64"};

}  // namespace

void DrainCallback(Napi::Env env, Napi::Function, DeviceState *state, void *) {
  if (env != nullptr && state != nullptr) state->Drain(env);
}

std::shared_ptr<DeviceState> DeviceState::Open(Napi::Env env, const Driver *driver, int ordinal,
                                               Napi::Function onWait, Napi::Function onHostFunc,
                                               OpenFailure *failure) {
  // Find the GPU.
  int count = 0;
  CUresult result = driver->cuDeviceGetCount(&count);
  if (result != SUCCESS || count == 0) {
    failure->reason = "no-device";
    failure->message = result != SUCCESS ? Failed(driver, "cuDeviceGetCount", result)
                                         : "no CUDA device: the driver found no GPU";
    return nullptr;
  }
  if (ordinal < 0 || ordinal >= count) {
    failure->reason = "no-device";
    failure->message = "no GPU with ordinal " + std::to_string(ordinal) + ": the driver found " +
                       std::to_string(count);
    return nullptr;
  }
  auto state = std::shared_ptr<DeviceState>(new DeviceState());
  state->driver = driver;
  state->ordinal = ordinal;
  failure->reason = "driver-error";
  if ((result = driver->cuDeviceGet(&state->device, ordinal)) != SUCCESS) {
    failure->message = Failed(driver, "cuDeviceGet", result);
    return nullptr;
  }

  // Its primary context, shared with every other user of the GPU in this process.
  if ((result = driver->cuDevicePrimaryCtxRetain(&state->context, state->device)) != SUCCESS) {
    failure->message = Failed(driver, "cuDevicePrimaryCtxRetain", result);
    return nullptr;
  }
  state->contextRef = std::make_shared<ContextRef>(driver, state->device, state->context);
  // From here a failure returns null, and the destructor frees what was made (Shutdown()).
  if ((result = state->Current()) != SUCCESS) {
    failure->message = Failed(driver, "cuCtxSetCurrent", result);
    return nullptr;
  }
  driver->cuCtxGetStreamPriorityRange(&state->leastPriority, &state->greatestPriority);

  // The kernels, JIT-compiled by the driver from the shipped PTX.
  Kernels &k = state->kernels;
  if ((result = driver->cuModuleLoadData(&k.module, kKernelsPtx)) != SUCCESS) {
    failure->message = Failed(driver, "loading the kernels' PTX (cuModuleLoadData)", result);
    k.module = nullptr;
    return nullptr;
  }
  result = driver->cuModuleGetFunction(&k.spin, k.module, "ao_spin");
  if (result == SUCCESS) result = driver->cuModuleGetFunction(&k.fault, k.module, "ao_fault");
  for (int i = 0; i < 10 && result == SUCCESS; i++) {
    result = driver->cuModuleGetFunction(&k.fill[i], k.module, kFillNames[i]);
  }

  // The abort word of spin kernels, and the stream that zeroes new allocations.
  void *word = nullptr;
  if (result == SUCCESS) {
    result = driver->cuMemHostAlloc(&word, sizeof(unsigned),
                                    MEMHOSTALLOC_PORTABLE | MEMHOSTALLOC_DEVICEMAP);
  }
  if (result == SUCCESS) {
    state->abortHost = static_cast<volatile unsigned *>(word);
    *state->abortHost = 0;
    result = driver->cuMemHostGetDevicePointer(&state->abortDevice, word, 0);
  }
  if (result == SUCCESS) {
    result = driver->cuStreamCreateWithPriority(&state->setupStream, STREAM_NON_BLOCKING, 0);
  }
  if (result != SUCCESS) {
    failure->message = Failed(driver, "setting up the device", result);
    return nullptr;
  }

  // The way back to JavaScript. The thread-safe function holds the state until it is finalized;
  // it does not keep the process alive unless JavaScript waits for something (KeepAlive).
  DeviceState *raw = state.get();
  state->tsfn = Tsfn::New(env, "async-output CUDA device", 0, 1, raw, FinalizeTsfn,
                          new std::shared_ptr<DeviceState>(state));
  state->tsfnCreated = true;
  state->tsfn.Unref(env);
  Tsfn tsfn = state->tsfn;
  auto wake = [tsfn]() mutable { tsfn.NonBlockingCall(); };
  state->channel = std::make_shared<HostChannel>(wake);
  state->completions = std::make_shared<Completions>(wake);
  state->onWait = Napi::Persistent(onWait);
  state->onHostFunc = Napi::Persistent(onHostFunc);
  failure->reason.clear();
  return state;
}

DeviceState::~DeviceState() { Shutdown(); }

void DeviceState::Shutdown() {
  if (closed && contextRef == nullptr) return;
  closed = true;

  // Nothing reaches JavaScript from here on, and no driver thread waits for it.
  if (channel) channel->Close();
  if (completions) completions->Close();

  // Spin kernels see the abort word and return, so that the streams below drain.
  if (abortHost != nullptr) __atomic_store_n(abortHost, 1u, __ATOMIC_SEQ_CST);
  waiters.Stop(false);

  // Free what the device holds once its own streams are idle (they end: nothing they run
  // waits for JavaScript any more). The frees themselves go to the reaper.
  if (contextRef != nullptr) {
    Current();
    for (auto &entry : streams) {
      driver->cuStreamSynchronize(entry.second);
      driver->cuStreamDestroy(entry.second);
    }
    streams.clear();
    if (setupStream != nullptr) {
      driver->cuStreamSynchronize(setupStream);
      driver->cuStreamDestroy(setupStream);
      setupStream = nullptr;
    }
    events.clear();
    std::vector<CUdeviceptr> memory;
    for (auto &entry : allocations) {
      if (entry.second.pointer != 0) memory.push_back(entry.second.pointer);
    }
    allocations.clear();
    allocatedBytes = 0;
    const Driver *d = driver;
    std::shared_ptr<ContextRef> context = contextRef;
    void *word = const_cast<unsigned *>(abortHost);
    CUmodule module = kernels.module;
    Reap([d, context, memory, word, module] {
      MakeCurrent(d, context->context);
      for (CUdeviceptr pointer : memory) d->cuMemFree(pointer);
      if (word != nullptr) d->cuMemFreeHost(word);
      if (module != nullptr) d->cuModuleUnload(module);
    });
    abortHost = nullptr;
    kernels = Kernels();
  }

  onWait.Reset();
  onHostFunc.Reset();
  if (tsfnCreated && !tsfnFinalized) {
    tsfnFinalized = true;
    tsfn.Release();
  }
  contextRef.reset();
}

// Back on the JavaScript thread -------------------------------------------------------------------

void DeviceState::Drain(Napi::Env env) {
  if (closed) return;
  Napi::HandleScope scope(env);
  for (auto &[token, status] : completions->Take()) {
    if (closed) return;
    waitsDelivered++;
    onWait.Call({Napi::Number::New(env, token), Napi::Number::New(env, status)});
  }
  channel->Drain([&](double token) {
    if (!closed) onHostFunc.Call({Napi::Number::New(env, token)});
  });
}

CUresult DeviceState::RunPumped(Napi::Env env, const std::function<CUresult()> &call,
                                int graceMs) {
  Current();
  if (channel->inFlight() == 0) return call();

  // The call runs on a worker; this thread runs host functions until it has returned.
  struct Slot {
    bool done = false;
    CUresult result = SUCCESS;
  };
  auto slot = std::make_shared<Slot>();
  std::shared_ptr<HostChannel> ch = channel;
  const Driver *d = driver;
  CUcontext ctx = context;
  const bool queued = waiters.Submit([slot, ch, d, ctx, call] {
    MakeCurrent(d, ctx);
    const CUresult result = call();
    std::lock_guard<std::mutex> lock(ch->mutex);
    slot->result = result;
    slot->done = true;
    ch->cv.notify_all();
  });
  if (!queued) return call();

  Napi::Value error;
  std::unique_lock<std::mutex> lock(ch->mutex);
  if (graceMs > 0) {
    ch->cv.wait_for(lock, std::chrono::milliseconds(graceMs), [&] { return slot->done; });
  }
  // Host functions run here only while the call is still blocked: once it returned, they wait
  // for the thread-safe function like any other.
  while (!slot->done) {
    if (HostCall *hostCall = ch->PopLocked()) {
      const double token = hostCall->token;
      lock.unlock();
      onHostFunc.Call({Napi::Number::New(env, token)});
      if (env.IsExceptionPending()) error = env.GetAndClearPendingException().Value();
      lock.lock();
      ch->FinishLocked(hostCall);
      continue;
    }
    ch->cv.wait(lock);
  }
  lock.unlock();
  if (!error.IsEmpty()) Napi::Error(env, error).ThrowAsJavaScriptException();
  return slot->result;
}

// The JavaScript object ---------------------------------------------------------------------------

Napi::Function NativeDevice::Define(Napi::Env env) {
  return DefineClass(
      env, "NativeDevice",
      {
          InstanceMethod<&NativeDevice::Info>("info"),
          InstanceMethod<&NativeDevice::KeepAlive>("keepAlive"),
          InstanceMethod<&NativeDevice::Destroy>("destroy"),
          InstanceMethod<&NativeDevice::Stats>("stats"),
          InstanceMethod<&NativeDevice::ErrorName>("errorName"),
          InstanceMethod<&NativeDevice::ErrorText>("errorText"),
          InstanceMethod<&NativeDevice::StreamCreate>("streamCreate"),
          InstanceMethod<&NativeDevice::StreamDestroy>("streamDestroy"),
          InstanceMethod<&NativeDevice::StreamQuery>("streamQuery"),
          InstanceMethod<&NativeDevice::StreamWaitEvent>("streamWaitEvent"),
          InstanceMethod<&NativeDevice::EventCreate>("eventCreate"),
          InstanceMethod<&NativeDevice::EventDestroy>("eventDestroy"),
          InstanceMethod<&NativeDevice::EventRecord>("eventRecord"),
          InstanceMethod<&NativeDevice::EventQuery>("eventQuery"),
          InstanceMethod<&NativeDevice::EventElapsed>("eventElapsed"),
          InstanceMethod<&NativeDevice::WaitEvent>("waitEvent"),
          InstanceMethod<&NativeDevice::LaunchSpin>("launchSpin"),
          InstanceMethod<&NativeDevice::LaunchFill>("launchFill"),
          InstanceMethod<&NativeDevice::LaunchFault>("launchFault"),
          InstanceMethod<&NativeDevice::LaunchHostFunc>("launchHostFunc"),
          InstanceMethod<&NativeDevice::MemAlloc>("memAlloc"),
          InstanceMethod<&NativeDevice::MemFree>("memFree"),
          InstanceMethod<&NativeDevice::MemHostAlloc>("memHostAlloc"),
          InstanceMethod<&NativeDevice::CopyDtoH>("copyDtoH"),
          InstanceMethod<&NativeDevice::CopyHtoD>("copyHtoD"),
          InstanceMethod<&NativeDevice::Memset>("memset"),
          InstanceMethod<&NativeDevice::CopyDtoHSync>("copyDtoHSync"),
          InstanceMethod<&NativeDevice::IsPinned>("isPinned"),
      });
}

NativeDevice::NativeDevice(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeDevice>(info) {}

NativeDevice::~NativeDevice() {
  if (state) state->Shutdown();
}

#define AO_USABLE(env)                                   \
  if (!state || state->closed) return Fail(env, kClosed); \
  state->Current()

/* info() */
Napi::Value NativeDevice::Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  const Driver *d = state->driver;
  char name[256] = {0};
  d->cuDeviceGetName(name, sizeof(name) - 1, state->device);
  auto attribute = [&](int which) {
    int value = 0;
    d->cuDeviceGetAttribute(&value, which, state->device);
    return value;
  };
  size_t total = 0;
  d->cuDeviceTotalMem(&total, state->device);
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", name);
  out.Set("ordinal", state->ordinal);
  out.Set("driverPath", d->path);
  out.Set("driverVersion", d->version);
  Napi::Array cc = Napi::Array::New(env, 2);
  cc.Set(0u, attribute(ATTR_COMPUTE_CAPABILITY_MAJOR));
  cc.Set(1u, attribute(ATTR_COMPUTE_CAPABILITY_MINOR));
  out.Set("computeCapability", cc);
  out.Set("multiprocessors", attribute(ATTR_MULTIPROCESSOR_COUNT));
  out.Set("asyncEngineCount", attribute(ATTR_ASYNC_ENGINE_COUNT));
  out.Set("unifiedAddressing", attribute(ATTR_UNIFIED_ADDRESSING) != 0);
  out.Set("totalMemory", static_cast<double>(total));
  Napi::Array priorities = Napi::Array::New(env, 2);
  priorities.Set(0u, state->leastPriority);
  priorities.Set(1u, state->greatestPriority);
  out.Set("priorityRange", priorities);
  out.Set("fake", d->fakeStats != nullptr);
  return out;
}

/* keepAlive(on): whether the process stays alive for this device (a wait or a host function). */
Napi::Value NativeDevice::KeepAlive(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  const bool on = info[0].ToBoolean();
  if (on != state->keepAlive) {
    state->keepAlive = on;
    if (on) {
      state->tsfn.Ref(env);
    } else {
      state->tsfn.Unref(env);
    }
  }
  return Napi::Number::New(env, 0);
}

/* destroy() */
Napi::Value NativeDevice::Destroy(const Napi::CallbackInfo &info) {
  if (state) state->Shutdown();
  return Napi::Number::New(info.Env(), 0);
}

/* stats(): live objects, for leak checks. */
Napi::Value NativeDevice::Stats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  auto pinned = PinnedTotals();
  out.Set("pinnedBlocks", static_cast<double>(pinned.first));
  out.Set("pinnedBytes", static_cast<double>(pinned.second));
  if (!state) return out;
  out.Set("streams", static_cast<double>(state->streams.size()));
  out.Set("events", static_cast<double>(state->events.size()));
  out.Set("allocations", static_cast<double>(state->allocations.size()));
  out.Set("allocatedBytes", static_cast<double>(state->allocatedBytes));
  out.Set("waiterThreads", static_cast<double>(state->waiters.threads()));
  out.Set("waitersBusy", static_cast<double>(state->waiters.busy()));
  out.Set("hostFuncsInFlight",
          static_cast<double>(state->channel ? state->channel->inFlight() : 0));
  out.Set("waitsStarted", static_cast<double>(state->waitsStarted));
  out.Set("waitsDelivered", static_cast<double>(state->waitsDelivered));
  size_t free = 0, total = 0;
  if (!state->closed && state->Current() == SUCCESS &&
      state->driver->cuMemGetInfo(&free, &total) == SUCCESS) {
    out.Set("deviceFreeBytes", static_cast<double>(free));
  }
  if (state->driver->fakeStats != nullptr) {
    long long values[9] = {0};
    state->driver->fakeStats(values, 9);
    Napi::Object fake = Napi::Object::New(env);
    const char *names[9] = {"streams", "events",    "deviceBlocks", "deviceBytes", "hostBlocks",
                            "hostBytes", "threads", "modules",      "ops"};
    for (int i = 0; i < 9; i++) fake.Set(names[i], static_cast<double>(values[i]));
    out.Set("driver", fake);
  }
  return out;
}

/* errorName(code) */
Napi::Value NativeDevice::ErrorName(const Napi::CallbackInfo &info) {
  const int code = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  return Napi::String::New(info.Env(), ao::ErrorName(state ? state->driver : nullptr, code));
}

/* errorText(code) */
Napi::Value NativeDevice::ErrorText(const Napi::CallbackInfo &info) {
  const int code = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  return Napi::String::New(info.Env(), ao::ErrorText(state ? state->driver : nullptr, code));
}

// Streams and events ------------------------------------------------------------------------------

/* streamCreate(priority, nonBlocking) -> id: priority clamped to the GPU's range. */
Napi::Value NativeDevice::StreamCreate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  if (!info[0].IsNumber()) return Fail(env, kBadArgument);
  int priority = info[0].As<Napi::Number>().Int32Value();
  // Lower is higher priority: greatest <= priority <= least.
  if (priority < state->greatestPriority) priority = state->greatestPriority;
  if (priority > state->leastPriority) priority = state->leastPriority;
  const unsigned flags = info[1].ToBoolean() ? STREAM_NON_BLOCKING : 0;
  CUstream stream = nullptr;
  const CUresult result = state->driver->cuStreamCreateWithPriority(&stream, flags, priority);
  if (result != SUCCESS) return Fail(env, result);
  const uint32_t id = state->NextId();
  state->streams[id] = stream;
  return Napi::Number::New(env, id);
}

/* streamDestroy(id): work already issued still completes. */
Napi::Value NativeDevice::StreamDestroy(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t id;
  if (!ToId(info[0], &id)) return Fail(env, kBadArgument);
  auto found = state->streams.find(id);
  if (found == state->streams.end()) return Fail(env, kStaleHandle);
  const CUresult result = state->driver->cuStreamDestroy(found->second);
  state->streams.erase(found);
  return Done(env, result);
}

/* streamQuery(id) -> 0 idle, 1 busy */
Napi::Value NativeDevice::StreamQuery(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t id;
  if (!ToId(info[0], &id)) return Fail(env, kBadArgument);
  auto found = state->streams.find(id);
  if (found == state->streams.end()) return Fail(env, kStaleHandle);
  const CUresult result = state->driver->cuStreamQuery(found->second);
  if (result == SUCCESS) return Napi::Number::New(env, 0);
  if (result == ERROR_NOT_READY) return Napi::Number::New(env, 1);
  return Fail(env, result);
}

/* streamWaitEvent(stream, event) */
Napi::Value NativeDevice::StreamWaitEvent(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t streamId, eventId;
  if (!ToId(info[0], &streamId) || !ToId(info[1], &eventId)) return Fail(env, kBadArgument);
  auto stream = state->streams.find(streamId);
  auto event = state->events.find(eventId);
  if (stream == state->streams.end() || event == state->events.end()) {
    return Fail(env, kStaleHandle);
  }
  const CUresult result = state->driver->cuStreamWaitEvent(stream->second, event->second->event, 0);
  return Done(env, result);
}

/* eventCreate(flags) -> id: flags of CU_EVENT_BLOCKING_SYNC and CU_EVENT_DISABLE_TIMING only. */
Napi::Value NativeDevice::EventCreate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t flags;
  if (!ToId(info[0], &flags) || (flags & ~(EVENT_BLOCKING_SYNC | EVENT_DISABLE_TIMING)) != 0) {
    return Fail(env, kBadArgument);
  }
  CUevent event = nullptr;
  const CUresult result = state->driver->cuEventCreate(&event, flags);
  if (result != SUCCESS) return Fail(env, result);
  const uint32_t id = state->NextId();
  state->events[id] =
      std::make_shared<EventHandle>(state->driver, state->contextRef, event);
  return Napi::Number::New(env, id);
}

/* eventDestroy(id): the driver event goes once no worker waits on it. */
Napi::Value NativeDevice::EventDestroy(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t id;
  if (!ToId(info[0], &id)) return Fail(env, kBadArgument);
  if (state->events.erase(id) == 0) return Fail(env, kStaleHandle);
  return Napi::Number::New(env, 0);
}

/* eventRecord(event, stream) */
Napi::Value NativeDevice::EventRecord(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t eventId, streamId;
  if (!ToId(info[0], &eventId) || !ToId(info[1], &streamId)) return Fail(env, kBadArgument);
  auto event = state->events.find(eventId);
  auto stream = state->streams.find(streamId);
  if (stream == state->streams.end() || event == state->events.end()) {
    return Fail(env, kStaleHandle);
  }
  const CUresult result = state->driver->cuEventRecord(event->second->event, stream->second);
  return Done(env, result);
}

/* eventQuery(event) -> 0 complete, 1 not yet */
Napi::Value NativeDevice::EventQuery(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t id;
  if (!ToId(info[0], &id)) return Fail(env, kBadArgument);
  auto event = state->events.find(id);
  if (event == state->events.end()) return Fail(env, kStaleHandle);
  const CUresult result = state->driver->cuEventQuery(event->second->event);
  if (result == SUCCESS) return Napi::Number::New(env, 0);
  if (result == ERROR_NOT_READY) return Napi::Number::New(env, 1);
  return Fail(env, result);
}

/* eventElapsed(start, end, out: Float64Array) -> status; out[0] = milliseconds */
Napi::Value NativeDevice::EventElapsed(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t a, b;
  if (!ToId(info[0], &a) || !ToId(info[1], &b) || !info[2].IsTypedArray()) {
    return Fail(env, kBadArgument);
  }
  Napi::TypedArray out = info[2].As<Napi::TypedArray>();
  if (out.TypedArrayType() != napi_float64_array || out.ElementLength() < 1) {
    return Fail(env, kBadArgument);
  }
  auto start = state->events.find(a);
  auto end = state->events.find(b);
  if (start == state->events.end() || end == state->events.end()) return Fail(env, kStaleHandle);
  float ms = 0;
  const CUresult result =
      state->driver->cuEventElapsedTime(&ms, start->second->event, end->second->event);
  if (result != SUCCESS) return Fail(env, result);
  out.As<Napi::Float64Array>()[0] = ms;
  return Napi::Number::New(env, 0);
}

/*
 * waitEvent(event, token): synchronizes on the event on a worker thread (sleeping or spinning
 * as the event's flags say) and reports onWait(token, result) on the JavaScript thread.
 */
Napi::Value NativeDevice::WaitEvent(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  uint32_t id;
  if (!ToId(info[0], &id) || !info[1].IsNumber()) return Fail(env, kBadArgument);
  const double token = info[1].As<Napi::Number>().DoubleValue();
  auto event = state->events.find(id);
  if (event == state->events.end()) return Fail(env, kStaleHandle);
  std::shared_ptr<EventHandle> handle = event->second;
  std::shared_ptr<Completions> completions = state->completions;
  const bool queued = state->waiters.Submit([handle, completions, token] {
    CUresult result = MakeCurrent(handle->driver, handle->context->context);
    if (result == SUCCESS) result = handle->driver->cuEventSynchronize(handle->event);
    completions->Push(token, result);
  });
  if (!queued) return Fail(env, kNoThread);
  state->waitsStarted++;
  return Napi::Number::New(env, 0);
}

// Work ---------------------------------------------------------------------------------------------

namespace {

bool FindStream(DeviceState *state, const Napi::Value &value, CUstream *out, int *status) {
  uint32_t id;
  if (!ToId(value, &id)) {
    *status = kBadArgument;
    return false;
  }
  auto found = state->streams.find(id);
  if (found == state->streams.end()) {
    *status = kStaleHandle;
    return false;
  }
  *out = found->second;
  return true;
}

}  // namespace

/* launchSpin(stream, ns): a kernel that runs ns nanoseconds (Infinity: until destroy()). */
Napi::Value NativeDevice::LaunchSpin(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  CUstream stream;
  int status;
  if (!FindStream(state.get(), info[0], &stream, &status)) return Fail(env, status);
  if (!info[1].IsNumber()) return Fail(env, kBadArgument);
  const double ns = info[1].As<Napi::Number>().DoubleValue();
  if (std::isnan(ns) || ns < 0) return Fail(env, kBadArgument);
  unsigned long long duration =
      std::isinf(ns) || ns >= 1.8e19 ? ~0ull : static_cast<unsigned long long>(std::llround(ns));
  CUdeviceptr abort = state->abortDevice;
  void *params[] = {&duration, &abort};
  const CUresult result = state->driver->cuLaunchKernel(state->kernels.spin, 1, 1, 1, 1, 1, 1, 0,
                                                        stream, params, nullptr);
  return Done(env, result);
}

/*
 * launchFill(stream, allocation, dtype, count, value, step): writes value + i * step into the
 * first `count` elements (of dtype index `dtype`), bounds-checked against the allocation.
 */
Napi::Value NativeDevice::LaunchFill(const Napi::CallbackInfo &info) {
  static const unsigned kSizes[10] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
  Napi::Env env = info.Env();
  AO_USABLE(env);
  CUstream stream;
  int status;
  if (!FindStream(state.get(), info[0], &stream, &status)) return Fail(env, status);
  uint32_t id, dtype;
  uint64_t count;
  if (!ToId(info[1], &id) || !ToId(info[2], &dtype) || dtype >= 10 || !ToIndex(info[3], &count) ||
      !info[4].IsNumber() || !info[5].IsNumber()) {
    return Fail(env, kBadArgument);
  }
  auto found = state->allocations.find(id);
  if (found == state->allocations.end()) return Fail(env, kStaleHandle);
  if (count * kSizes[dtype] > found->second.bytes) return Fail(env, kOutOfBounds);
  if (count == 0) return Napi::Number::New(env, 0);

  CUdeviceptr pointer = found->second.pointer;
  unsigned long long n = count;
  double value = info[4].As<Napi::Number>().DoubleValue();
  double step = info[5].As<Napi::Number>().DoubleValue();
  void *params[] = {&pointer, &n, &value, &step};
  const unsigned blocks = static_cast<unsigned>(count / 256 + 1 > 4096 ? 4096 : count / 256 + 1);
  const CUresult result = state->driver->cuLaunchKernel(state->kernels.fill[dtype], blocks, 1, 1,
                                                        256, 1, 1, 0, stream, params, nullptr);
  return Done(env, result);
}

/* launchFault(stream): a kernel that hits an illegal address (a sticky error, for tests). */
Napi::Value NativeDevice::LaunchFault(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  CUstream stream;
  int status;
  if (!FindStream(state.get(), info[0], &stream, &status)) return Fail(env, status);
  CUdeviceptr bad = 0;
  void *params[] = {&bad};
  const CUresult result = state->driver->cuLaunchKernel(state->kernels.fault, 1, 1, 1, 1, 1, 1, 0,
                                                        stream, params, nullptr);
  return Done(env, result);
}

/* launchHostFunc(stream, token): onHostFunc(token) runs when the stream reaches it. */
Napi::Value NativeDevice::LaunchHostFunc(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AO_USABLE(env);
  CUstream stream;
  int status;
  if (!FindStream(state.get(), info[0], &stream, &status)) return Fail(env, status);
  if (!info[1].IsNumber()) return Fail(env, kBadArgument);
  HostCall *call = state->channel->NewCall(info[1].As<Napi::Number>().DoubleValue());
  const CUresult result = state->driver->cuLaunchHostFunc(stream, &HostChannel::Trampoline, call);
  if (result != SUCCESS) {
    state->channel->CancelCall(call);
    return Fail(env, result);
  }
  return Napi::Number::New(env, 0);
}

}  // namespace ao
