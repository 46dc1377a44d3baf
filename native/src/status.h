// What the addon's methods return to JavaScript: a number, negative for an error. -status is
// either a CUDA result (1..999, from the driver) or one of the addon's own codes below, checked
// before the driver sees a call. src/device/cuda/native.ts mirrors these.
#pragma once

namespace ao {

constexpr int kOutOfBounds = 1001;  // a copy, memset or fill outside its buffer
constexpr int kStaleHandle = 1002;  // a stream, event or allocation that does not exist (any more)
constexpr int kBadArgument = 1003;  // an argument of the wrong type or range
constexpr int kClosed = 1004;       // the device was destroyed
constexpr int kNoThread = 1005;     // no worker thread could be started

}  // namespace ao
