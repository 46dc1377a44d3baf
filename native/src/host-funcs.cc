#include "host-funcs.h"

namespace ao {

void HostChannel::Trampoline(void *pointer) {
  auto *call = static_cast<HostCall *>(pointer);
  std::shared_ptr<HostChannel> channel = call->channel;
  {
    std::unique_lock<std::mutex> lock(channel->mutex);
    if (!channel->closed_) {
      channel->ready_.push_back(call);
      channel->cv.notify_all();
      channel->wake_();
      channel->cv.wait(lock, [&] { return call->done || (channel->closed_ && !call->running); });
    }
  }
  delete call;
  channel->inFlight_--;
}

HostCall *HostChannel::NewCall(double token) {
  inFlight_++;
  return new HostCall{shared_from_this(), token};
}

void HostChannel::CancelCall(HostCall *call) {
  delete call;
  inFlight_--;
}

void HostChannel::Drain(const std::function<void(double)> &run) {
  std::unique_lock<std::mutex> lock(mutex);
  for (HostCall *call = PopLocked(); call != nullptr; call = PopLocked()) {
    const double token = call->token;
    lock.unlock();
    run(token);
    lock.lock();
    FinishLocked(call);
  }
}

HostCall *HostChannel::PopLocked() {
  if (closed_ || ready_.empty()) return nullptr;
  HostCall *call = ready_.front();
  ready_.pop_front();
  call->running = true;
  return call;
}

void HostChannel::FinishLocked(HostCall *call) {
  // After this the trampoline may delete the call at any moment.
  call->done = true;
  cv.notify_all();
}

void HostChannel::Close() {
  std::lock_guard<std::mutex> lock(mutex);
  closed_ = true;
  ready_.clear();
  cv.notify_all();
}

bool HostChannel::closed() {
  std::lock_guard<std::mutex> lock(mutex);
  return closed_;
}

}  // namespace ao
