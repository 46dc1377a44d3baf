// Worker threads of the addon. Every blocking driver call (an event synchronize, a free that
// may synchronize the device, a pageable copy while host functions are in flight) runs on one of
// these, never on the JavaScript thread. A pool grows by one thread whenever a task would
// otherwise have to wait for a busy thread, because a task may block for as long as the GPU
// work it waits for; threads stay until the pool stops.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ao {

class WorkerPool {
 public:
  explicit WorkerPool(size_t maxThreads) : maxThreads_(maxThreads) {}
  ~WorkerPool() { Stop(false); }

  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  /** Queues a task; false once the pool stopped or when no thread could be started. */
  bool Submit(std::function<void()> task);

  /**
   * Stops the pool and joins its threads. Tasks already running finish; queued ones run first
   * when `runQueued`, otherwise they are dropped.
   */
  void Stop(bool runQueued);

  bool stopped() const;
  size_t threads() const;
  size_t busy() const;
  /** Tasks queued or running. */
  size_t pending() const;

 private:
  void Run();

  const size_t maxThreads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  size_t running_ = 0;
  bool stopping_ = false;
  bool drain_ = false;
};

}  // namespace ao
