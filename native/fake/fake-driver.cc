// The fake driver's entry points, found by the addon through cuGetProcAddress as a real
// driver's are. Handles are checked against the live sets, device and host ranges against the
// allocations, so that misuse shows up as the error a real driver would return.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <map>
#include <string>
#include <thread>

#include "fake.h"

namespace fake {

Global &G() {
  static Global *global = new Global();  // never destroyed: detached stream threads may outlive exit
  return *global;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

thread_local Context *gCurrent = nullptr;
Context gContexts[8] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
std::atomic<bool> gInitialized{false};

int EnvInt(const char *name, int fallback) {
  const char *value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : std::atoi(value);
}

// The checks every call that needs a context makes first.
#define FAKE_CONTEXT()                                  \
  if (!gInitialized) return ERROR_NOT_INITIALIZED;      \
  if (gCurrent == nullptr) return ERROR_INVALID_CONTEXT; \
  if (int sticky = G().sticky.load()) return sticky

bool LiveStream(Stream *s) {
  std::lock_guard<std::mutex> lock(G().mutex);
  return G().handles.count(s) != 0;
}

bool LiveEvent(Event *e) {
  std::lock_guard<std::mutex> lock(G().mutex);
  return G().events.count(e) != 0;
}

// An event's latest record, read and replaced under the global lock: worker threads synchronize
// on events while the JavaScript thread records them again.
std::shared_ptr<Mark> MarkOf(Event *e) {
  std::lock_guard<std::mutex> lock(G().mutex);
  return e->mark;
}

bool DeviceRange(CUdeviceptr pointer, size_t bytes) {
  std::lock_guard<std::mutex> lock(G().mutex);
  return InBlock(G().device, static_cast<uintptr_t>(pointer), bytes);
}

bool HostPinned(const void *pointer, size_t bytes) {
  std::lock_guard<std::mutex> lock(G().mutex);
  return InBlock(G().host, reinterpret_cast<uintptr_t>(pointer), bytes);
}

void Insert(std::vector<std::pair<uintptr_t, size_t>> &blocks, uintptr_t start, size_t bytes) {
  auto at = std::lower_bound(blocks.begin(), blocks.end(), std::make_pair(start, size_t{0}));
  blocks.insert(at, {start, bytes});
}

bool Erase(std::vector<std::pair<uintptr_t, size_t>> &blocks, uintptr_t start, size_t *bytes) {
  auto at = std::lower_bound(blocks.begin(), blocks.end(), std::make_pair(start, size_t{0}));
  if (at == blocks.end() || at->first != start) return false;
  *bytes = at->second;
  blocks.erase(at);
  return true;
}

// Initialization and devices ---------------------------------------------------------------------

CUresult cuInit(unsigned flags) {
  if (flags != 0) return ERROR_INVALID_VALUE;
  if (int error = EnvInt("FAKECUDA_INIT_ERROR", 0)) return error;
  std::lock_guard<std::mutex> lock(G().mutex);
  G().deviceCount = std::min(8, std::max(0, EnvInt("FAKECUDA_DEVICE_COUNT", 1)));
  if (const char *limit = std::getenv("FAKECUDA_MEMORY_BYTES")) {
    G().memoryLimit = std::strtoull(limit, nullptr, 10);
  }
  gInitialized = true;
  return SUCCESS;
}

CUresult cuDriverGetVersion(int *version) {
  if (version == nullptr) return ERROR_INVALID_VALUE;
  *version = 12080;
  return SUCCESS;
}

struct Name {
  CUresult code;
  const char *name;
  const char *text;
};

const Name kNames[] = {
    {SUCCESS, "CUDA_SUCCESS", "no error"},
    {ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready"},
    {ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {ERROR_SYSTEM_DRIVER_MISMATCH, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
     "system has unsupported display driver / cuda driver combination"},
    {ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

CUresult cuGetErrorName(CUresult error, const char **name) {
  for (const Name &entry : kNames) {
    if (entry.code == error) {
      *name = entry.name;
      return SUCCESS;
    }
  }
  *name = nullptr;
  return ERROR_INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  for (const Name &entry : kNames) {
    if (entry.code == error) {
      *text = entry.text;
      return SUCCESS;
    }
  }
  *text = nullptr;
  return ERROR_INVALID_VALUE;
}

CUresult cuDeviceGetCount(int *count) {
  if (!gInitialized) return ERROR_NOT_INITIALIZED;
  *count = G().deviceCount;
  return SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (!gInitialized) return ERROR_NOT_INITIALIZED;
  if (ordinal < 0 || ordinal >= G().deviceCount) return ERROR_INVALID_DEVICE;
  *device = ordinal;
  return SUCCESS;
}

CUresult cuDeviceGetName(char *name, int length, CUdevice device) {
  if (device < 0 || device >= G().deviceCount) return ERROR_INVALID_DEVICE;
  std::snprintf(name, static_cast<size_t>(length), "async-output fake CUDA device %d (CPU)",
                device);
  return SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, CUdevice device) {
  if (device < 0 || device >= G().deviceCount) return ERROR_INVALID_DEVICE;
  switch (attribute) {
    case ATTR_COMPUTE_CAPABILITY_MAJOR:
      *value = 7;
      break;
    case ATTR_COMPUTE_CAPABILITY_MINOR:
      *value = 5;
      break;
    case ATTR_ASYNC_ENGINE_COUNT:
      *value = 2;
      break;
    case ATTR_MULTIPROCESSOR_COUNT:
      *value = 1;
      break;
    case ATTR_UNIFIED_ADDRESSING:
    case ATTR_CAN_MAP_HOST_MEMORY:
      *value = 1;
      break;
    default:
      *value = 0;
  }
  return SUCCESS;
}

CUresult cuDeviceTotalMem(size_t *bytes, CUdevice device) {
  if (device < 0 || device >= G().deviceCount) return ERROR_INVALID_DEVICE;
  *bytes = G().memoryLimit;
  return SUCCESS;
}

// A released primary context is destroyed; the next retain makes a fresh one, without the
// sticky error of the old (as with a real driver).
CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  if (!gInitialized) return ERROR_NOT_INITIALIZED;
  if (device < 0 || device >= G().deviceCount) return ERROR_INVALID_DEVICE;
  std::lock_guard<std::mutex> lock(G().mutex);
  if (G().contextRefs++ == 0) G().sticky.store(0);
  *context = &gContexts[device];
  return SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease(CUdevice device) {
  if (device < 0 || device >= G().deviceCount) return ERROR_INVALID_DEVICE;
  std::lock_guard<std::mutex> lock(G().mutex);
  if (G().contextRefs == 0) return ERROR_INVALID_CONTEXT;
  G().contextRefs--;
  return SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext context) {
  gCurrent = context;
  return SUCCESS;
}

CUresult cuCtxSynchronize() {
  FAKE_CONTEXT();
  return WaitAllIdle();
}

CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest) {
  *least = 0;
  *greatest = -5;
  return SUCCESS;
}

CUresult cuMemGetInfo(size_t *free, size_t *total) {
  FAKE_CONTEXT();
  std::lock_guard<std::mutex> lock(G().mutex);
  *total = G().memoryLimit;
  *free = G().memoryLimit - G().deviceBytes;
  return SUCCESS;
}

// Streams and events -----------------------------------------------------------------------------

CUresult cuStreamCreateWithPriority(CUstream *stream, unsigned flags, int priority) {
  FAKE_CONTEXT();
  auto *s = new Stream();
  s->flags = flags;
  s->priority = priority;
  std::lock_guard<std::mutex> lock(G().mutex);
  G().streams.insert(s);
  G().handles.insert(s);
  *stream = s;
  return SUCCESS;
}

// Work already queued still runs; the stream goes when it is done.
CUresult cuStreamDestroy(CUstream stream) {
  if (gCurrent == nullptr) return ERROR_INVALID_CONTEXT;
  bool now = false;
  {
    std::lock_guard<std::mutex> global(G().mutex);
    if (G().handles.erase(stream) == 0) return ERROR_INVALID_HANDLE;
    std::lock_guard<std::mutex> lock(stream->mutex);
    stream->destroyed = true;
    stream->cv.notify_all();
    if (!stream->threaded) {
      G().streams.erase(stream);
      now = true;
    }
  }
  if (now) delete stream;
  return SUCCESS;
}

CUresult cuStreamQuery(CUstream stream) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  std::lock_guard<std::mutex> lock(stream->mutex);
  return stream->queue.empty() && !stream->running ? SUCCESS : ERROR_NOT_READY;
}

CUresult cuStreamSynchronize(CUstream stream) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  return WaitIdle(stream);
}

CUresult cuStreamWaitEvent(CUstream stream, CUevent event, unsigned flags) {
  FAKE_CONTEXT();
  if (!LiveStream(stream) || !LiveEvent(event)) return ERROR_INVALID_HANDLE;
  if (flags != 0) return ERROR_INVALID_VALUE;
  std::shared_ptr<Mark> mark = MarkOf(event);
  if (!mark) return SUCCESS;  // never recorded: nothing to wait for
  Op op{Op::kWait};
  op.mark = mark;
  return Enqueue(stream, std::move(op));
}

CUresult cuEventCreate(CUevent *event, unsigned flags) {
  FAKE_CONTEXT();
  if ((flags & ~(EVENT_BLOCKING_SYNC | EVENT_DISABLE_TIMING)) != 0) return ERROR_INVALID_VALUE;
  auto *e = new Event();
  e->flags = flags;
  std::lock_guard<std::mutex> lock(G().mutex);
  G().events.insert(e);
  *event = e;
  return SUCCESS;
}

CUresult cuEventDestroy(CUevent event) {
  if (gCurrent == nullptr) return ERROR_INVALID_CONTEXT;
  {
    std::lock_guard<std::mutex> lock(G().mutex);
    if (G().events.erase(event) == 0) return ERROR_INVALID_HANDLE;
  }
  delete event;
  return SUCCESS;
}

CUresult cuEventRecord(CUevent event, CUstream stream) {
  FAKE_CONTEXT();
  if (stream == nullptr) return ERROR_NOT_SUPPORTED;  // the legacy NULL stream is not emulated
  if (!LiveStream(stream) || !LiveEvent(event)) return ERROR_INVALID_HANDLE;
  auto mark = std::make_shared<Mark>();
  Op op{Op::kRecord};
  op.mark = mark;
  {
    std::lock_guard<std::mutex> lock(G().mutex);
    event->mark = mark;
  }
  return Enqueue(stream, std::move(op));
}

CUresult cuEventQuery(CUevent event) {
  FAKE_CONTEXT();
  if (!LiveEvent(event)) return ERROR_INVALID_HANDLE;
  std::shared_ptr<Mark> mark = MarkOf(event);
  return !mark || mark->done.load() ? SUCCESS : ERROR_NOT_READY;
}

// Blocking events sleep; the others spin, keeping a core busy as a real spinning wait does.
CUresult cuEventSynchronize(CUevent event) {
  FAKE_CONTEXT();
  if (!LiveEvent(event)) return ERROR_INVALID_HANDLE;
  std::shared_ptr<Mark> mark = MarkOf(event);
  if (!mark) return SUCCESS;
  const bool blocking = (event->flags & EVENT_BLOCKING_SYNC) != 0;
  for (unsigned spins = 0; !mark->done.load(); spins++) {
    if (int sticky = G().sticky.load()) return sticky;
    if (mark->failed.load()) return G().sticky.load() != 0 ? G().sticky.load() : ERROR_UNKNOWN;
    if (blocking) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    } else if (spins % 4096 == 4095) {
      std::this_thread::yield();
    }
  }
  return SUCCESS;
}

CUresult cuEventElapsedTime(float *ms, CUevent start, CUevent end) {
  FAKE_CONTEXT();
  if (!LiveEvent(start) || !LiveEvent(end)) return ERROR_INVALID_HANDLE;
  if (((start->flags | end->flags) & EVENT_DISABLE_TIMING) != 0) return ERROR_INVALID_HANDLE;
  std::shared_ptr<Mark> a = MarkOf(start);
  std::shared_ptr<Mark> b = MarkOf(end);
  if (!a || !b) return ERROR_INVALID_HANDLE;
  if (!a->done.load() || !b->done.load()) return ERROR_NOT_READY;
  *ms = static_cast<float>(static_cast<double>(b->ns - a->ns) / 1e6);
  return SUCCESS;
}

// Memory -----------------------------------------------------------------------------------------

CUresult cuMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  FAKE_CONTEXT();
  if (bytes == 0) return ERROR_INVALID_VALUE;
  std::lock_guard<std::mutex> lock(G().mutex);
  if (G().deviceBytes + bytes > G().memoryLimit) return ERROR_OUT_OF_MEMORY;
  void *memory = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (memory == nullptr) return ERROR_OUT_OF_MEMORY;
  // Fresh device memory holds garbage, as on a GPU: whoever needs zeros must write them.
  std::memset(memory, 0xa5, bytes);
  Insert(G().device, reinterpret_cast<uintptr_t>(memory), bytes);
  G().deviceBytes += bytes;
  *pointer = reinterpret_cast<CUdeviceptr>(memory);
  return SUCCESS;
}

// Like cudaFree, this waits until the device is idle.
CUresult cuMemFree(CUdeviceptr pointer) {
  FAKE_CONTEXT();
  if (CUresult result = WaitAllIdle()) return result;
  size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(G().mutex);
    if (!Erase(G().device, static_cast<uintptr_t>(pointer), &bytes)) return ERROR_INVALID_VALUE;
    G().deviceBytes -= bytes;
  }
  std::free(reinterpret_cast<void *>(pointer));
  return SUCCESS;
}

CUresult cuMemHostAlloc(void **pointer, size_t bytes, unsigned flags) {
  FAKE_CONTEXT();
  if (bytes == 0) return ERROR_INVALID_VALUE;
  // Whole pages, as pinned memory is, and given back to the system when freed: the leak checks
  // read the process's resident memory.
  void *memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return ERROR_OUT_OF_MEMORY;
  std::memset(memory, 0x5a, bytes);
  std::lock_guard<std::mutex> lock(G().mutex);
  Insert(G().host, reinterpret_cast<uintptr_t>(memory), bytes);
  G().hostBytes += bytes;
  *pointer = memory;
  return SUCCESS;
}

CUresult cuMemFreeHost(void *pointer) {
  FAKE_CONTEXT();
  if (CUresult result = WaitAllIdle()) return result;
  size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(G().mutex);
    if (!Erase(G().host, reinterpret_cast<uintptr_t>(pointer), &bytes)) return ERROR_INVALID_VALUE;
    G().hostBytes -= bytes;
  }
  munmap(pointer, bytes);
  return SUCCESS;
}

CUresult cuMemHostGetDevicePointer(CUdeviceptr *device, void *host, unsigned flags) {
  FAKE_CONTEXT();
  if (flags != 0 || !HostPinned(host, 1)) return ERROR_INVALID_VALUE;
  *device = reinterpret_cast<CUdeviceptr>(host);
  return SUCCESS;
}

// Into pinned memory a copy is queued; into pageable memory it is done before the call returns.
CUresult cuMemcpyDtoHAsync(void *dst, CUdeviceptr src, size_t bytes, CUstream stream) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  if (!DeviceRange(src, bytes)) return ERROR_INVALID_VALUE;
  Op op{Op::kCopy};
  op.dst = dst;
  op.src = reinterpret_cast<const void *>(src);
  op.bytes = bytes;
  if (HostPinned(dst, bytes)) return Enqueue(stream, std::move(op));
  auto done = std::make_shared<Mark>();
  op.done = done;
  Enqueue(stream, std::move(op));
  while (!done->done.load()) {
    if (int sticky = G().sticky.load()) return sticky;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  return SUCCESS;
}

CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void *src, size_t bytes, CUstream stream) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  if (!DeviceRange(dst, bytes)) return ERROR_INVALID_VALUE;
  Op op{Op::kCopy};
  op.dst = reinterpret_cast<void *>(dst);
  op.src = src;
  op.bytes = bytes;
  if (HostPinned(src, bytes)) return Enqueue(stream, std::move(op));
  // Pageable: staged at once, as the driver does, so the caller may reuse its buffer.
  op.staging.assign(static_cast<const uint8_t *>(src), static_cast<const uint8_t *>(src) + bytes);
  return Enqueue(stream, std::move(op));
}

CUresult cuMemcpyDtoH(void *dst, CUdeviceptr src, size_t bytes) {
  FAKE_CONTEXT();
  if (!DeviceRange(src, bytes)) return ERROR_INVALID_VALUE;
  if (CUresult result = WaitAllIdle()) return result;
  std::memcpy(dst, reinterpret_cast<const void *>(src), bytes);
  return SUCCESS;
}

CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  if (!DeviceRange(dst, count)) return ERROR_INVALID_VALUE;
  Op op{Op::kMemset};
  op.dst = reinterpret_cast<void *>(dst);
  op.bytes = count;
  op.value = value;
  return Enqueue(stream, std::move(op));
}

CUresult cuLaunchHostFunc(CUstream stream, CUhostFn fn, void *user) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  if (fn == nullptr) return ERROR_INVALID_VALUE;
  Op op{Op::kHostFn};
  op.fn = fn;
  op.user = user;
  return Enqueue(stream, std::move(op));
}

// Modules and kernels ----------------------------------------------------------------------------

// Reads the entry names of a PTX text; refuses anything that is not PTX for an sm_ target.
CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  FAKE_CONTEXT();
  const std::string text(static_cast<const char *>(image));
  if (text.find(".version ") == std::string::npos || text.find(".target sm_") == std::string::npos) {
    return ERROR_INVALID_PTX;
  }
  auto *m = new Module();
  for (size_t at = text.find(".entry "); at != std::string::npos; at = text.find(".entry ", at + 1)) {
    const size_t start = at + 7;
    const size_t end = text.find('(', start);
    if (end != std::string::npos) m->entries.insert(text.substr(start, end - start));
  }
  std::lock_guard<std::mutex> lock(G().mutex);
  G().modules.insert(m);
  *module = m;
  return SUCCESS;
}

CUresult cuModuleUnload(CUmodule module) {
  if (gCurrent == nullptr) return ERROR_INVALID_CONTEXT;
  {
    std::lock_guard<std::mutex> lock(G().mutex);
    if (G().modules.erase(module) == 0) return ERROR_INVALID_HANDLE;
  }
  delete module;
  return SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
  FAKE_CONTEXT();
  static const char *kFills[10] = {"float32", "float64", "int8",   "int16",  "int32",
                                   "int64",   "uint8",   "uint16", "uint32", "uint64"};
  // One Function per name for the life of the process (a map's nodes do not move).
  static auto *functions = new std::map<std::string, Function>();
  static std::mutex mutex;
  if (module->entries.count(name) == 0) return ERROR_NOT_FOUND;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = functions->find(name);
  if (found == functions->end()) {
    Function f{Kernel::kUnknown, 0};
    const std::string n(name);
    if (n == "ao_spin") f.kernel = Kernel::kSpin;
    if (n == "ao_fault") f.kernel = Kernel::kFault;
    for (int i = 0; i < 10; i++) {
      if (n == std::string("ao_fill_") + kFills[i]) f = Function{Kernel::kFill, i};
    }
    found = functions->emplace(name, f).first;
  }
  *function = &found->second;
  return SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, CUstream stream, void **params,
                        void **extra) {
  FAKE_CONTEXT();
  if (!LiveStream(stream)) return ERROR_INVALID_HANDLE;
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || bx * by * bz > 1024) {
    return ERROR_INVALID_VALUE;
  }
  if (params == nullptr || extra != nullptr) return ERROR_INVALID_VALUE;
  Op op{Op::kSpin};
  switch (f->kernel) {
    case Kernel::kSpin: {
      op.ns = *static_cast<uint64_t *>(params[0]);
      const auto abort = *static_cast<CUdeviceptr *>(params[1]);
      if (!HostPinned(reinterpret_cast<void *>(abort), 4)) return ERROR_INVALID_VALUE;
      op.abort = reinterpret_cast<const volatile uint32_t *>(abort);
      break;
    }
    case Kernel::kFault:
      op.kind = Op::kFault;
      break;
    case Kernel::kFill: {
      static const size_t kSizes[10] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
      op.kind = Op::kFill;
      op.dtype = f->dtype;
      const auto out = *static_cast<CUdeviceptr *>(params[0]);
      op.bytes = *static_cast<uint64_t *>(params[1]);  // the element count
      op.value = *static_cast<double *>(params[2]);
      op.step = *static_cast<double *>(params[3]);
      // Out of bounds, a GPU faults when the kernel runs: so does the fake.
      if (!DeviceRange(out, op.bytes * kSizes[f->dtype])) op.kind = Op::kFault;
      op.dst = reinterpret_cast<void *>(out);
      break;
    }
    default:
      return ERROR_NOT_SUPPORTED;
  }
  return Enqueue(stream, std::move(op));
}

// The table cuGetProcAddress looks in ------------------------------------------------------------

struct Entry {
  const char *name;
  void *fn;
};

#define FAKE_ENTRY(name) {#name, reinterpret_cast<void *>(&name)}

const Entry kEntries[] = {
    FAKE_ENTRY(cuInit),
    FAKE_ENTRY(cuDriverGetVersion),
    FAKE_ENTRY(cuGetErrorName),
    FAKE_ENTRY(cuGetErrorString),
    FAKE_ENTRY(cuDeviceGetCount),
    FAKE_ENTRY(cuDeviceGet),
    FAKE_ENTRY(cuDeviceGetName),
    FAKE_ENTRY(cuDeviceGetAttribute),
    FAKE_ENTRY(cuDeviceTotalMem),
    FAKE_ENTRY(cuDevicePrimaryCtxRetain),
    FAKE_ENTRY(cuDevicePrimaryCtxRelease),
    FAKE_ENTRY(cuCtxSetCurrent),
    FAKE_ENTRY(cuCtxSynchronize),
    FAKE_ENTRY(cuCtxGetStreamPriorityRange),
    FAKE_ENTRY(cuMemGetInfo),
    FAKE_ENTRY(cuStreamCreateWithPriority),
    FAKE_ENTRY(cuStreamDestroy),
    FAKE_ENTRY(cuStreamQuery),
    FAKE_ENTRY(cuStreamSynchronize),
    FAKE_ENTRY(cuStreamWaitEvent),
    FAKE_ENTRY(cuEventCreate),
    FAKE_ENTRY(cuEventDestroy),
    FAKE_ENTRY(cuEventRecord),
    FAKE_ENTRY(cuEventQuery),
    FAKE_ENTRY(cuEventSynchronize),
    FAKE_ENTRY(cuEventElapsedTime),
    FAKE_ENTRY(cuMemAlloc),
    FAKE_ENTRY(cuMemFree),
    FAKE_ENTRY(cuMemHostAlloc),
    FAKE_ENTRY(cuMemFreeHost),
    FAKE_ENTRY(cuMemHostGetDevicePointer),
    FAKE_ENTRY(cuMemcpyDtoHAsync),
    FAKE_ENTRY(cuMemcpyHtoDAsync),
    FAKE_ENTRY(cuMemcpyDtoH),
    FAKE_ENTRY(cuMemsetD8Async),
    FAKE_ENTRY(cuLaunchHostFunc),
    FAKE_ENTRY(cuModuleLoadData),
    FAKE_ENTRY(cuModuleUnload),
    FAKE_ENTRY(cuModuleGetFunction),
    FAKE_ENTRY(cuLaunchKernel),
};

CUresult Find(const char *symbol, void **pfn, int version) {
  if (symbol == nullptr || pfn == nullptr) return ERROR_INVALID_VALUE;
  if (version < 12000) return ERROR_NOT_FOUND;  // the fake has only the CUDA 12.0 ABI
  for (const Entry &entry : kEntries) {
    if (std::strcmp(entry.name, symbol) == 0) {
      *pfn = entry.fn;
      return SUCCESS;
    }
  }
  *pfn = nullptr;
  return ERROR_NOT_FOUND;
}

}  // namespace

}  // namespace fake

extern "C" {

__attribute__((visibility("default"))) cuda::CUresult cuInit(unsigned flags) {
  return fake::cuInit(flags);
}

__attribute__((visibility("default"))) cuda::CUresult cuDriverGetVersion(int *version) {
  return fake::cuDriverGetVersion(version);
}

__attribute__((visibility("default"))) cuda::CUresult cuGetProcAddress_v2(
    const char *symbol, void **pfn, int version, unsigned long long flags, int *status) {
  const cuda::CUresult result = fake::Find(symbol, pfn, version);
  if (status != nullptr) *status = result == cuda::SUCCESS ? 0 : 1;
  return result;
}

/** Live objects of the fake: streams, events, device blocks and bytes, host blocks and bytes,
 * stream threads, modules, ops run. */
__attribute__((visibility("default"))) void fakecuda_stats(long long *out, int count) {
  fake::Global &g = fake::G();
  std::lock_guard<std::mutex> lock(g.mutex);
  const long long values[9] = {static_cast<long long>(g.streams.size()),
                               static_cast<long long>(g.events.size()),
                               static_cast<long long>(g.device.size()),
                               static_cast<long long>(g.deviceBytes),
                               static_cast<long long>(g.host.size()),
                               static_cast<long long>(g.hostBytes),
                               g.threads.load(),
                               static_cast<long long>(g.modules.size()),
                               g.ops.load()};
  for (int i = 0; i < count && i < 9; i++) out[i] = values[i];
}

}  // extern "C"
