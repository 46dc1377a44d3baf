// Device memory, pinned host memory and the copies between them. Every copy, memset and fill is
// checked against the sizes of both sides before the driver sees it.
#include <cstring>
#include <map>

#include "device.h"
#include "status.h"

namespace ao {

namespace {

// Allocations do not normally wait for the GPU; should one (the driver may), host functions it
// waits for run after this long instead of deadlocking.
constexpr int kAllocGraceMs = 200;

// Every pinned block the addon allocated, by start address: a copy whose host side lies inside
// one is asynchronous; any other host memory is pageable, and its copy synchronous.
std::mutex gPinnedMutex;
std::map<uintptr_t, size_t> gPinned;
long long gPinnedBytes = 0;

/** What the finalizer of a pinned ArrayBuffer needs to free its block. */
struct PinnedOwner {
  const Driver *driver;
  std::shared_ptr<ContextRef> context;
  void *pointer;
};

WorkerPool *Reaper();

void FreeBlock(PinnedOwner *owner) {
  MakeCurrent(owner->driver, owner->context->context);
  owner->driver->cuMemFreeHost(owner->pointer);
  delete owner;
}

// Runs on the JavaScript thread when the ArrayBuffer is collected. cuMemFreeHost may wait for
// the device, so it goes to the reaper thread.
void FinalizePinned(Napi::Env, void *data, PinnedOwner *owner) {
  {
    std::lock_guard<std::mutex> lock(gPinnedMutex);
    auto found = gPinned.find(reinterpret_cast<uintptr_t>(data));
    if (found != gPinned.end()) {
      gPinnedBytes -= static_cast<long long>(found->second);
      gPinned.erase(found);
    }
  }
  Reap([owner] { FreeBlock(owner); });
}

WorkerPool *Reaper() {
  static WorkerPool *reaper = new WorkerPool(1);  // never destroyed: see Reap()
  return reaper;
}

struct CopyArgs {
  CUstream stream;
  Allocation allocation;
  uint64_t deviceOffset;
  uint64_t bytes;
  uint8_t *host;
};

// Parses (stream, allocation, deviceOffset, bytes, host, hostOffset) and checks both ranges.
int ParseCopy(DeviceState *state, const Napi::CallbackInfo &info, CopyArgs *out) {
  uint32_t streamId, allocationId;
  uint64_t hostOffset;
  uint8_t *data = nullptr;
  size_t length = 0;
  if (!ToId(info[0], &streamId) || !ToId(info[1], &allocationId) ||
      !ToIndex(info[2], &out->deviceOffset) || !ToIndex(info[3], &out->bytes) ||
      !ToBytes(info[4], &data, &length) || !ToIndex(info[5], &hostOffset)) {
    return kBadArgument;
  }
  auto stream = state->streams.find(streamId);
  auto allocation = state->allocations.find(allocationId);
  if (stream == state->streams.end() || allocation == state->allocations.end()) {
    return kStaleHandle;
  }
  if (out->deviceOffset + out->bytes > allocation->second.bytes ||
      hostOffset + out->bytes > length) {
    return kOutOfBounds;
  }
  out->stream = stream->second;
  out->allocation = allocation->second;
  out->host = data + hostOffset;
  return 0;
}

}  // namespace

void Reap(std::function<void()> task) {
  // Submit fails only when no thread can start at all: then the free waits here, better than a leak.
  if (!Reaper()->Submit(task)) task();
}

size_t ReaperPending() { return Reaper()->pending(); }

bool IsPinnedRange(const void *pointer, size_t bytes) {
  const auto start = reinterpret_cast<uintptr_t>(pointer);
  std::lock_guard<std::mutex> lock(gPinnedMutex);
  auto next = gPinned.upper_bound(start);
  if (next == gPinned.begin()) return false;
  --next;
  return start >= next->first && start + bytes <= next->first + next->second;
}

std::pair<long long, long long> PinnedTotals() {
  std::lock_guard<std::mutex> lock(gPinnedMutex);
  return {static_cast<long long>(gPinned.size()), gPinnedBytes};
}

/* memAlloc(bytes) -> id: device memory, zeroed (as the simulated device's is). */
Napi::Value NativeDevice::MemAlloc(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  uint64_t bytes;
  if (!ToIndex(info[0], &bytes)) return Fail(env, kBadArgument);

  CUdeviceptr pointer = 0;
  if (bytes > 0) {
    const Driver *d = state->driver;
    CUstream setup = state->setupStream;
    const CUresult result = state->RunPumped(env, [&] {
      CUresult r = d->cuMemAlloc(&pointer, bytes);
      if (r == SUCCESS) r = d->cuMemsetD8Async(pointer, 0, bytes, setup);
      if (r == SUCCESS) r = d->cuStreamSynchronize(setup);
      if (r != SUCCESS && pointer != 0) d->cuMemFree(pointer);
      return r;
    }, kAllocGraceMs);
    if (result != SUCCESS) return Fail(env, result);
  }
  const uint32_t id = state->NextId();
  state->allocations[id] = Allocation{pointer, bytes};
  state->allocatedBytes += bytes;
  return Napi::Number::New(env, id);
}

/* memFree(id): the id is gone at once; the memory once the device no longer uses it. */
Napi::Value NativeDevice::MemFree(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  uint32_t id;
  if (!ToId(info[0], &id)) return Fail(env, kBadArgument);
  auto found = state->allocations.find(id);
  if (found == state->allocations.end()) return Fail(env, kStaleHandle);
  const CUdeviceptr pointer = found->second.pointer;
  state->allocatedBytes -= found->second.bytes;
  state->allocations.erase(found);
  if (pointer == 0) return Napi::Number::New(env, 0);

  const Driver *d = state->driver;
  std::shared_ptr<ContextRef> context = state->contextRef;
  Reap([d, context, pointer] {
    MakeCurrent(d, context->context);
    d->cuMemFree(pointer);
  });
  return Napi::Number::New(env, 0);
}

/*
 * memHostAlloc(bytes) -> ArrayBuffer over pinned memory (zeroed), freed when collected; or a
 * negative status.
 */
Napi::Value NativeDevice::MemHostAlloc(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  uint64_t bytes;
  if (!ToIndex(info[0], &bytes)) return Fail(env, kBadArgument);

  void *pointer = nullptr;
  const Driver *d = state->driver;
  const size_t size = bytes == 0 ? 1 : bytes;
  const CUresult result = state->RunPumped(
      env, [&] { return d->cuMemHostAlloc(&pointer, size, MEMHOSTALLOC_PORTABLE); },
      kAllocGraceMs);
  if (result != SUCCESS) return Fail(env, result);
  std::memset(pointer, 0, size);

  auto *owner = new PinnedOwner{d, state->contextRef, pointer};
  {
    std::lock_guard<std::mutex> lock(gPinnedMutex);
    gPinned[reinterpret_cast<uintptr_t>(pointer)] = bytes;
    gPinnedBytes += static_cast<long long>(bytes);
  }
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, pointer, bytes, FinalizePinned, owner);
  if (env.IsExceptionPending()) {
    // A runtime that refuses external ArrayBuffers (a V8 sandbox): nothing is handed out.
    env.GetAndClearPendingException();
    {
      std::lock_guard<std::mutex> lock(gPinnedMutex);
      gPinned.erase(reinterpret_cast<uintptr_t>(pointer));
      gPinnedBytes -= static_cast<long long>(bytes);
    }
    FreeBlock(owner);
    return Fail(env, ERROR_NOT_SUPPORTED);
  }
  return buffer;
}

/*
 * copyDtoH(stream, allocation, srcOffset, bytes, dst, dstOffset) -> 1 when queued (dst pinned),
 * 0 when done (dst pageable: the call returns after the copy and all work before it).
 */
Napi::Value NativeDevice::CopyDtoH(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  state->Current();
  CopyArgs a;
  if (int status = ParseCopy(state.get(), info, &a)) return Fail(env, status);
  const Driver *d = state->driver;
  const CUdeviceptr src = a.allocation.pointer + a.deviceOffset;

  if (IsPinnedRange(a.host, a.bytes)) {
    if (a.bytes == 0) return Napi::Number::New(env, 1);
    const CUresult result = d->cuMemcpyDtoHAsync(a.host, src, a.bytes, a.stream);
    return result == SUCCESS ? Napi::Number::New(env, 1) : Fail(env, result);
  }
  const CUresult result = state->RunPumped(env, [&] {
    CUresult r = a.bytes == 0 ? SUCCESS : d->cuMemcpyDtoHAsync(a.host, src, a.bytes, a.stream);
    if (r == SUCCESS) r = d->cuStreamSynchronize(a.stream);
    return r;
  });
  return Done(env, result);
}

/* copyHtoD(stream, allocation, dstOffset, bytes, src, srcOffset) -> 1 queued, 0 done */
Napi::Value NativeDevice::CopyHtoD(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  state->Current();
  CopyArgs a;
  if (int status = ParseCopy(state.get(), info, &a)) return Fail(env, status);
  const Driver *d = state->driver;
  const CUdeviceptr dst = a.allocation.pointer + a.deviceOffset;

  if (IsPinnedRange(a.host, a.bytes)) {
    if (a.bytes == 0) return Napi::Number::New(env, 1);
    const CUresult result = d->cuMemcpyHtoDAsync(dst, a.host, a.bytes, a.stream);
    return result == SUCCESS ? Napi::Number::New(env, 1) : Fail(env, result);
  }
  const CUresult result = state->RunPumped(env, [&] {
    CUresult r = a.bytes == 0 ? SUCCESS : d->cuMemcpyHtoDAsync(dst, a.host, a.bytes, a.stream);
    if (r == SUCCESS) r = d->cuStreamSynchronize(a.stream);
    return r;
  });
  return Done(env, result);
}

/* memset(stream, allocation, offset, bytes, value) */
Napi::Value NativeDevice::Memset(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  state->Current();
  uint32_t streamId, allocationId, value;
  uint64_t offset, bytes;
  if (!ToId(info[0], &streamId) || !ToId(info[1], &allocationId) || !ToIndex(info[2], &offset) ||
      !ToIndex(info[3], &bytes) || !ToId(info[4], &value) || value > 255) {
    return Fail(env, kBadArgument);
  }
  auto stream = state->streams.find(streamId);
  auto allocation = state->allocations.find(allocationId);
  if (stream == state->streams.end() || allocation == state->allocations.end()) {
    return Fail(env, kStaleHandle);
  }
  if (offset + bytes > allocation->second.bytes) return Fail(env, kOutOfBounds);
  if (bytes == 0) return Napi::Number::New(env, 0);
  const CUresult result = state->driver->cuMemsetD8Async(
      allocation->second.pointer + offset, static_cast<unsigned char>(value), bytes, stream->second);
  return Done(env, result);
}

/*
 * copyDtoHSync(allocation, bytes, dst): a plain cuMemcpyDtoH (legacy stream, synchronous), the
 * baseline the GPU check compares asynchronous copies with.
 */
Napi::Value NativeDevice::CopyDtoHSync(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!state || state->closed) return Fail(env, kClosed);
  uint32_t id;
  uint64_t bytes;
  uint8_t *data = nullptr;
  size_t length = 0;
  if (!ToId(info[0], &id) || !ToIndex(info[1], &bytes) || !ToBytes(info[2], &data, &length)) {
    return Fail(env, kBadArgument);
  }
  auto allocation = state->allocations.find(id);
  if (allocation == state->allocations.end()) return Fail(env, kStaleHandle);
  if (bytes > allocation->second.bytes || bytes > length) return Fail(env, kOutOfBounds);
  if (bytes == 0) return Napi::Number::New(env, 0);
  const Driver *d = state->driver;
  const CUdeviceptr src = allocation->second.pointer;
  const CUresult result = state->RunPumped(env, [&] { return d->cuMemcpyDtoH(data, src, bytes); });
  return Done(env, result);
}

/* isPinned(view): whether the addon allocated the memory as pinned. */
Napi::Value NativeDevice::IsPinned(const Napi::CallbackInfo &info) {
  uint8_t *data = nullptr;
  size_t length = 0;
  if (!ToBytes(info[0], &data, &length)) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), IsPinnedRange(data, length));
}

}  // namespace ao
