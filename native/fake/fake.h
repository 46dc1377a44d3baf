// A fake CUDA driver for tests: the entry points the addon uses, emulated on the CPU, so that the
// addon's threads, promises, finalizers and bounds checks run without a GPU. Device memory is
// host memory, streams are threads draining queues, events are completion marks, and the
// kernels are recognised by name (ao_spin sleeps, ao_fill_* fills, ao_fault raises a sticky
// CUDA_ERROR_ILLEGAL_ADDRESS). It is selected with ASYNC_OUTPUT_CUDA_DRIVER=.../libfakecuda.so
// and is never a substitute for a run on a GPU (scripts/gpu-check.sh).
//
// Knobs (environment, read at cuInit): FAKECUDA_DEVICE_COUNT (default 1), FAKECUDA_INIT_ERROR
// (a CUresult cuInit returns), FAKECUDA_MEMORY_BYTES (device memory, default 16 GiB).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../src/cuda-types.h"

namespace fake {

using namespace cuda;

/** What one event record captured: done once the stream reached it. */
struct Mark {
  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};  // dropped by a sticky error
  int64_t ns = 0;
};

enum class Kernel { kUnknown, kSpin, kFault, kFill };

struct Op {
  enum Kind { kSpin, kFault, kFill, kCopy, kMemset, kHostFn, kRecord, kWait } kind;
  uint64_t ns = 0;
  const volatile uint32_t *abort = nullptr;
  void *dst = nullptr;
  const void *src = nullptr;
  size_t bytes = 0;
  int dtype = 0;
  double value = 0;
  double step = 0;
  CUhostFn fn = nullptr;
  void *user = nullptr;
  std::shared_ptr<Mark> mark;
  std::shared_ptr<Mark> done;  // set when this op finishes (synchronous copies wait on it)
  std::vector<uint8_t> staging;
};

}  // namespace fake

namespace cuda {

struct Stream {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<fake::Op> queue;
  bool running = false;
  bool destroyed = false;
  bool threaded = false;
  unsigned flags = 0;
  int priority = 0;
};

struct Event {
  unsigned flags = 0;
  std::shared_ptr<fake::Mark> mark;
};

struct Module {
  std::set<std::string> entries;
};

struct Function {
  fake::Kernel kernel;
  int dtype;
};

struct Context {
  int ordinal;
};

}  // namespace cuda

namespace fake {

/** The process-wide state of the fake driver. */
struct Global {
  std::mutex mutex;
  std::atomic<int> sticky{0};
  std::set<Stream *> streams;  // alive: including destroyed ones still draining
  std::set<Stream *> handles;  // valid handles
  std::set<Event *> events;
  std::set<Module *> modules;
  std::vector<std::pair<uintptr_t, size_t>> device;  // sorted by address
  std::vector<std::pair<uintptr_t, size_t>> host;
  size_t deviceBytes = 0;
  size_t hostBytes = 0;
  size_t memoryLimit = 16ull << 30;
  int deviceCount = 1;
  int contextRefs = 0;
  std::atomic<long long> threads{0};
  std::atomic<long long> ops{0};
};

Global &G();
int64_t NowNs();
bool Current();

/** Queues an op on a stream (starting its thread on first use). */
CUresult Enqueue(Stream *stream, Op op);
/** Waits until a stream has run everything queued (or a sticky error). */
CUresult WaitIdle(Stream *stream);
/** Waits until every stream is idle: what cuCtxSynchronize and implicitly synchronizing calls do. */
CUresult WaitAllIdle();
/** Whether [pointer, pointer + bytes) lies in one block of `blocks`. */
bool InBlock(const std::vector<std::pair<uintptr_t, size_t>> &blocks, uintptr_t pointer,
             size_t bytes);
/** Runs a fill as ao_fill_* does. */
void Fill(void *out, int dtype, uint64_t n, double value, double step);

}  // namespace fake
