// Host functions: JavaScript functions enqueued on a CUDA stream.
//
// The driver calls Trampoline() on one of its own threads when the stream reaches the host
// function; JavaScript runs only on its own thread. So the trampoline queues the call, wakes the
// JavaScript thread (a thread-safe function call, or the condition variable of a blocking call
// that pumps host functions while it waits, see DeviceState::RunPumped) and sleeps until the
// JavaScript function has returned: work queued after the host function waits for it, as CUDA
// requires.
//
//   driver thread              channel (mutex)            JavaScript thread
//   Trampoline(call) ───push──> ready ──wake()──────────>  Drain(): pop, run fn
//         sleeps on cv <────────────────── done = true <── notify
//
// Close() (device destroyed, or the process exits) releases every sleeping trampoline and
// makes later ones return at once, so a destroyed device never keeps driver threads waiting.
// A call's record is shared with the channel so that a trampoline the driver runs late, after
// the device is gone, still finds valid memory.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace ao {

class HostChannel;

/** One enqueued host function, owned by the trampoline once the driver calls it. */
struct HostCall {
  std::shared_ptr<HostChannel> channel;
  double token;
  bool running = false;  // popped by the JavaScript thread: Close() no longer releases it
  bool done = false;
};

class HostChannel : public std::enable_shared_from_this<HostChannel> {
 public:
  explicit HostChannel(std::function<void()> wake) : wake_(std::move(wake)) {}

  /** The driver's callback: queues the call and sleeps until JavaScript has run it. */
  static void Trampoline(void *call);

  /** A record for cuLaunchHostFunc (JavaScript thread); counted in flight until it returns. */
  HostCall *NewCall(double token);

  /** The driver refused the launch: forget the record. */
  void CancelCall(HostCall *call);

  /**
   * Runs every queued call on the JavaScript thread (`run` calls the JavaScript function by its
   * token), and releases each trampoline after its function returned.
   */
  void Drain(const std::function<void(double)> &run);

  /** Releases every waiting trampoline; later calls return at once (JavaScript thread). */
  void Close();

  /** Host functions launched whose trampoline has not returned. */
  long inFlight() const { return inFlight_.load(); }

  bool closed();

  // For the pumped wait of DeviceState::RunPumped, which sleeps on the same condition.
  std::mutex mutex;
  std::condition_variable cv;

  /** Pops one queued call, or null (with `mutex` held by the caller). */
  HostCall *PopLocked();

  /** Marks a call run and wakes its trampoline (with `mutex` held by the caller). */
  void FinishLocked(HostCall *call);

 private:
  std::function<void()> wake_;
  std::deque<HostCall *> ready_;
  bool closed_ = false;
  std::atomic<long> inFlight_{0};
};

}  // namespace ao
