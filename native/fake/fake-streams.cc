// The fake driver's streams: one thread per stream (started by its first op) runs its queue in
// order. A sticky error drops every queued op: records fail (their waiters wake with the error)
// and host functions are not called, as CUDA does after a fault.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "fake.h"

namespace fake {

namespace {

// Waits in short steps, so that a sticky error raised elsewhere is seen without wiring every
// condition to it.
constexpr auto kPoll = std::chrono::microseconds(200);

// As to_uint32() of kernels.cu.
uint32_t ToUint32(double v) {
  if (!std::isfinite(v)) return 0u;
  const double t = std::trunc(v);
  const double q = std::floor(t * 0x1p-32);
  return static_cast<uint32_t>(t - q * 0x1p32);
}

// As to_uint64_rounded() of kernels.cu.
uint64_t ToUint64Rounded(double v) {
  if (!std::isfinite(v)) return 0ull;
  double r = std::floor(v);
  if (v - r >= 0.5) r += 1.0;
  if (std::fabs(r) < 0x1p63) return static_cast<uint64_t>(static_cast<int64_t>(r));
  const double q = std::floor(r * 0x1p-64);
  return static_cast<uint64_t>(r - q * 0x1p64);
}

template <typename T, typename F>
void FillAs(void *out, uint64_t n, double value, double step, F convert) {
  T *p = static_cast<T *>(out);
  for (uint64_t i = 0; i < n; i++) {
    const double v = step == 0.0 ? value : value + static_cast<double>(i) * step;
    p[i] = convert(v);
  }
}

void Execute(Op &op) {
  switch (op.kind) {
    case Op::kSpin: {
      const auto start = std::chrono::steady_clock::now();
      for (;;) {
        if (op.abort != nullptr && *op.abort != 0) break;
        if (G().sticky.load() != 0) break;
        const auto elapsed = std::chrono::steady_clock::now() - start;
        const uint64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
        if (ns >= op.ns) break;
        std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(
            kPoll, std::chrono::nanoseconds(op.ns - ns)));
      }
      break;
    }
    case Op::kFault: {
      int none = 0;
      G().sticky.compare_exchange_strong(none, ERROR_ILLEGAL_ADDRESS);
      break;
    }
    case Op::kFill:
      Fill(op.dst, op.dtype, op.bytes, op.value, op.step);
      break;
    case Op::kCopy:
      std::memcpy(op.dst, op.staging.empty() ? op.src : op.staging.data(), op.bytes);
      break;
    case Op::kMemset:
      std::memset(op.dst, static_cast<int>(op.value), op.bytes);
      break;
    case Op::kHostFn:
      op.fn(op.user);
      break;
    case Op::kRecord:
      op.mark->ns = NowNs();
      op.mark->done.store(true);
      break;
    case Op::kWait:
      while (!op.mark->done.load() && !op.mark->failed.load() && G().sticky.load() == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
      break;
  }
}

void Run(Stream *stream) {
  std::unique_lock<std::mutex> lock(stream->mutex);
  for (;;) {
    stream->cv.wait(lock, [&] { return !stream->queue.empty() || stream->destroyed; });
    if (stream->queue.empty()) break;
    Op &op = stream->queue.front();
    stream->running = true;
    lock.unlock();

    if (G().sticky.load() == 0) {
      Execute(op);
      G().ops++;
    } else if (op.kind == Op::kRecord) {
      op.mark->failed.store(true);
    }
    if (op.done) op.done->done.store(true);

    lock.lock();
    stream->queue.pop_front();
    stream->running = false;
    stream->cv.notify_all();
  }
  lock.unlock();

  // Destroyed and drained: the stream goes.
  {
    std::lock_guard<std::mutex> global(G().mutex);
    G().streams.erase(stream);
  }
  delete stream;
  G().threads--;
}

}  // namespace

void Fill(void *out, int dtype, uint64_t n, double value, double step) {
  switch (dtype) {
    case 0:
      FillAs<float>(out, n, value, step, [](double v) { return static_cast<float>(v); });
      break;
    case 1:
      FillAs<double>(out, n, value, step, [](double v) { return v; });
      break;
    case 2:
      FillAs<int8_t>(out, n, value, step, [](double v) { return static_cast<int8_t>(ToUint32(v)); });
      break;
    case 3:
      FillAs<int16_t>(out, n, value, step,
                      [](double v) { return static_cast<int16_t>(ToUint32(v)); });
      break;
    case 4:
      FillAs<int32_t>(out, n, value, step,
                      [](double v) { return static_cast<int32_t>(ToUint32(v)); });
      break;
    case 5:
      FillAs<int64_t>(out, n, value, step,
                      [](double v) { return static_cast<int64_t>(ToUint64Rounded(v)); });
      break;
    case 6:
      FillAs<uint8_t>(out, n, value, step,
                      [](double v) { return static_cast<uint8_t>(ToUint32(v)); });
      break;
    case 7:
      FillAs<uint16_t>(out, n, value, step,
                       [](double v) { return static_cast<uint16_t>(ToUint32(v)); });
      break;
    case 8:
      FillAs<uint32_t>(out, n, value, step, [](double v) { return ToUint32(v); });
      break;
    case 9:
      FillAs<uint64_t>(out, n, value, step, [](double v) { return ToUint64Rounded(v); });
      break;
  }
}

CUresult Enqueue(Stream *stream, Op op) {
  bool start = false;
  {
    std::lock_guard<std::mutex> lock(stream->mutex);
    stream->queue.push_back(std::move(op));
    if (!stream->threaded) {
      stream->threaded = true;
      start = true;
    }
    stream->cv.notify_all();
  }
  if (start) {
    G().threads++;
    std::thread(Run, stream).detach();
  }
  return SUCCESS;
}

CUresult WaitIdle(Stream *stream) {
  std::unique_lock<std::mutex> lock(stream->mutex);
  while (!stream->queue.empty() || stream->running) {
    if (G().sticky.load() != 0) return G().sticky.load();
    stream->cv.wait_for(lock, kPoll);
  }
  return G().sticky.load();
}

CUresult WaitAllIdle() {
  for (;;) {
    if (G().sticky.load() != 0) return G().sticky.load();
    bool idle = true;
    {
      std::lock_guard<std::mutex> global(G().mutex);
      for (Stream *stream : G().streams) {
        std::lock_guard<std::mutex> lock(stream->mutex);
        if (!stream->queue.empty() || stream->running) idle = false;
      }
    }
    if (idle) return SUCCESS;
    std::this_thread::sleep_for(kPoll);
  }
}

bool InBlock(const std::vector<std::pair<uintptr_t, size_t>> &blocks, uintptr_t pointer,
             size_t bytes) {
  auto next = std::upper_bound(blocks.begin(), blocks.end(), std::make_pair(pointer, SIZE_MAX));
  if (next == blocks.begin()) return false;
  --next;
  return pointer >= next->first && pointer + bytes <= next->first + next->second;
}

}  // namespace fake
