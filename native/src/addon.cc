// async-output's CUDA addon: the entry points JavaScript sees (src/device/cuda/native.ts).
#include <napi.h>

#include "device.h"

namespace ao {

namespace {

struct AddonData {
  Napi::FunctionReference deviceClass;
};

Napi::Object Failure(Napi::Env env, const OpenFailure &failure) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", false);
  out.Set("reason", failure.reason);
  out.Set("message", failure.message);
  return out;
}

/* probe(driverPath) -> { ok, driverVersion, count } | { ok: false, reason, message } */
Napi::Value Probe(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  OpenFailure failure;
  if (!info[0].IsString()) {
    failure.reason = "driver-error";
    failure.message = "probe(): the driver path must be a string";
    return Failure(env, failure);
  }
  const Driver *driver = OpenDriver(info[0].As<Napi::String>().Utf8Value(), &failure);
  if (driver == nullptr) return Failure(env, failure);
  int count = 0;
  const CUresult result = driver->cuDeviceGetCount(&count);
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", result == SUCCESS && count > 0);
  out.Set("driverVersion", driver->version);
  out.Set("count", count);
  if (result != SUCCESS || count == 0) {
    out.Set("reason", "no-device");
    out.Set("message", result != SUCCESS ? "cuDeviceGetCount failed with " + ErrorName(driver, result)
                                         : std::string("no CUDA device: the driver found no GPU"));
  }
  return out;
}

/*
 * openDevice(driverPath, ordinal, onWait, onHostFunc) -> { ok: true, device } or
 * { ok: false, reason, message }, reason being 'no-driver', 'no-device' or 'driver-error'.
 */
Napi::Value OpenDevice(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  OpenFailure failure{"driver-error", ""};
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsFunction() ||
      !info[3].IsFunction()) {
    failure.message = "openDevice(driverPath, ordinal, onWait, onHostFunc): wrong arguments";
    return Failure(env, failure);
  }
  const Driver *driver = OpenDriver(info[0].As<Napi::String>().Utf8Value(), &failure);
  if (driver == nullptr) return Failure(env, failure);
  std::shared_ptr<DeviceState> state =
      DeviceState::Open(env, driver, info[1].As<Napi::Number>().Int32Value(),
                        info[2].As<Napi::Function>(), info[3].As<Napi::Function>(), &failure);
  if (!state) return Failure(env, failure);

  Napi::Object object = env.GetInstanceData<AddonData>()->deviceClass.New({});
  NativeDevice::Unwrap(object)->state = state;
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", true);
  out.Set("device", object);
  return out;
}

/* pinnedStats() -> { blocks, bytes, pendingFrees }: pinned memory alive in this process. */
Napi::Value PinnedStats(const Napi::CallbackInfo &info) {
  auto totals = PinnedTotals();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("blocks", static_cast<double>(totals.first));
  out.Set("bytes", static_cast<double>(totals.second));
  out.Set("pendingFrees", static_cast<double>(ReaperPending()));
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto *data = new AddonData();
  data->deviceClass = Napi::Persistent(NativeDevice::Define(env));
  env.SetInstanceData(data);
  exports.Set("abiVersion", 1);
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("openDevice", Napi::Function::New(env, OpenDevice, "openDevice"));
  exports.Set("pinnedStats", Napi::Function::New(env, PinnedStats, "pinnedStats"));
  return exports;
}

}  // namespace ao

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ao::Init(env, exports); }

NODE_API_MODULE(async_output_cuda, InitAddon)
