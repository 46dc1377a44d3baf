#include "pool.h"

#include <system_error>

namespace ao {

bool WorkerPool::Submit(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return false;
  queue_.push_back(std::move(task));

  // Each queued task needs an idle thread of its own: the ones running may block for long.
  if (queue_.size() > idle_ && threads_.size() < maxThreads_) {
    try {
      threads_.emplace_back([this] { Run(); });
    } catch (const std::system_error &) {
      if (threads_.empty()) {
        queue_.pop_back();
        return false;
      }
    }
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::Stop(bool runQueued) {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    drain_ = runQueued;
    if (!runQueued) queue_.clear();
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto &thread : threads) thread.join();
}

bool WorkerPool::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

size_t WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

size_t WorkerPool::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_ + queue_.size();
}

void WorkerPool::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (queue_.empty() && !stopping_) {
      idle_++;
      wake_.wait(lock);
      idle_--;
    }
    if (queue_.empty() || (stopping_ && !drain_)) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    running_++;
    lock.unlock();
    task();
    lock.lock();
    running_--;
  }
}

}  // namespace ao
