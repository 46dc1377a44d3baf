/**
 * async-output: overlap GPU compute with the transfer of its results to the host, with CUDA
 * stream and event semantics, on a real GPU or on a deterministic simulated one.
 */
export { AsyncOutput, type AsyncOutputOptions, type AsyncState } from './api/async-output.js';
export { AsyncBarrier, asyncBarrier, type BarrierOptions } from './api/barrier.js';
export {
	asyncCopyBatch,
	asyncCopyToHost,
	type CopyBatchOptions,
	type CopyToHostOptions,
} from './api/copy.js';
export { DoubleBuffer, type DoubleBufferOptions } from './api/double-buffer.js';
export { Event, type EventOptions } from './api/event.js';
export { AsyncOutputHandler, type HandlerOptions, type HandlerStats } from './api/handler.js';
export { Stream, type StreamOptions } from './api/stream.js';
export {
	type CreateDeviceOptions,
	type CudaProbe,
	createDevice,
	type DeviceChoice,
	probeCuda,
} from './device/create.js';
export { CudaDevice, type CudaDeviceOptions } from './device/cuda/cuda-device.js';
export type { Device, DeviceKind, DeviceStats, KernelSpec } from './device/device.js';
export { DeviceArray, PinnedArray } from './device/memory.js';
export { DEFAULT_PROFILE, type DeviceProfile, PROFILES, profileForGpu } from './device/profile.js';
export { SimDevice } from './device/sim/sim-device.js';
export { DTYPES, type Dtype, type TypedArrayOf } from './dtype.js';
export * from './errors.js';
export {
	type DecodeLoopConfig,
	type DecodeLoopOptions,
	type DecodeLoopRun,
	decodeLoopConfig,
	runDecodeLoop,
} from './pipeline/decode-loop.js';
export { toChromeTrace } from './trace/chrome.js';
export { type HtmlTimelineOptions, toHtmlTimeline } from './trace/html.js';
export { type KinetoTrace, parseKineto } from './trace/kineto.js';
export {
	type IssuedOp,
	type OpKind,
	type RecordedStream,
	Recording,
	type TimelineEvent,
	type TimelineKind,
} from './trace/recording.js';
export {
	isRecordingFile,
	type NamedRecording,
	parseRecordings,
	RECORDING_FORMAT,
	recordingsToJson,
} from './trace/recording-file.js';
export { replayRecording } from './trace/recording-replay.js';
export { type ReplayOptions, type ReplayReport, replayTrace } from './trace/replay.js';
export type { WaitOptions } from './validate.js';
