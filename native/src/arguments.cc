#include <cmath>

#include "device.h"

namespace ao {

bool ToIndex(const Napi::Value &value, uint64_t *out) {
  if (!value.IsNumber()) return false;
  const double number = value.As<Napi::Number>().DoubleValue();
  // Integers in [0, 2^53] only: NaN, fractions, negatives and huge values are refused.
  if (!(number >= 0) || number > 9007199254740992.0 || std::trunc(number) != number) return false;
  *out = static_cast<uint64_t>(number);
  return true;
}

bool ToId(const Napi::Value &value, uint32_t *out) {
  uint64_t index;
  if (!ToIndex(value, &index) || index > 0xffffffffull) return false;
  *out = static_cast<uint32_t>(index);
  return true;
}

bool ToBytes(const Napi::Value &value, uint8_t **data, size_t *length) {
  if (value.IsTypedArray()) {
    Napi::TypedArray array = value.As<Napi::TypedArray>();
    // ArrayBuffer() moves a small on-heap array's contents off the heap: the pointer is stable.
    Napi::ArrayBuffer buffer = array.ArrayBuffer();
    *data = static_cast<uint8_t *>(buffer.Data()) + array.ByteOffset();
    *length = array.ByteLength();
    return true;
  }
  if (value.IsDataView()) {
    Napi::DataView view = value.As<Napi::DataView>();
    *data = static_cast<uint8_t *>(view.ArrayBuffer().Data()) + view.ByteOffset();
    *length = view.ByteLength();
    return true;
  }
  if (value.IsArrayBuffer()) {
    Napi::ArrayBuffer buffer = value.As<Napi::ArrayBuffer>();
    *data = static_cast<uint8_t *>(buffer.Data());
    *length = buffer.ByteLength();
    return true;
  }
  return false;
}

Napi::Value Fail(Napi::Env env, int status) { return Napi::Number::New(env, -status); }

Napi::Value Done(Napi::Env env, CUresult result) {
  return result == SUCCESS ? Napi::Number::New(env, 0) : Fail(env, result);
}

}  // namespace ao
