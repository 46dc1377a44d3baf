import { TraceFormatError } from '../errors.js';
import { invalid } from '../validate.js';

/**
 * Reading PyTorch profiler (Kineto) traces: GPU operations on their streams, the host calls
 * that launched them (joined by `args.correlation`), and the cross-stream ordering that
 * `cuda_sync` events record. `../shared/reference/kineto-format.md` describes the variations
 * handled here: 2021 traces (string stream ids, capitalised categories), integer epoch
 * microseconds or floats relative to `baseTimeNanoseconds`, ROCm names, missing metadata.
 *
 * All times come out in integer nanoseconds from the earliest event read.
 */

/** A GPU operation of the trace. */
export interface TraceOp {
	kind: 'kernel' | 'copy_h2d' | 'copy_d2h' | 'copy_d2d' | 'memset';
	name: string;
	stream: number;
	correlation: number;
	start: number;
	duration: number;
	bytes?: number;
	/** Copies: whether the host side is pinned (page-locked) memory. */
	pinned?: boolean;
	/** Kernels: estimated achieved occupancy in (0, 1], when the trace has it. */
	occupancy?: number;
	/** Index of the host call that launched it, if found. */
	launch?: number;
}

/** What a host call does, as far as the replay is concerned. */
export type CallRole = 'launch' | 'record' | 'stream-wait' | 'sync' | 'other';

/** A CUDA runtime or driver call on a host thread. */
export interface HostCall {
	name: string;
	thread: string;
	start: number;
	duration: number;
	correlation: number;
	role: CallRole;
	/** Launch: the ops it launched (indices into `ops`). */
	ops: number[];
	/** Sync: what it waited for. */
	sync?: { kind: 'stream' | 'context' | 'event'; stream?: number; recordCorrelation?: number };
	/** Stream wait: `stream` waits for what `onStream` had at the record with that correlation. */
	wait?: { stream: number; onStream: number; recordCorrelation: number };
}

/** A trace, read. */
export interface KinetoTrace {
	/** The GPU name from deviceProperties, when the trace has it. */
	gpu: string | undefined;
	ops: TraceOp[];
	/** Host calls in time order, every thread. */
	calls: HostCall[];
	/** Streams with GPU operations, ascending. */
	streams: number[];
	threads: string[];
	/** Cross-stream waits ("Stream Wait Event" with wait_on_stream != stream). */
	crossStreamWaits: number;
	/** GPU operations whose launch call was not found. */
	unlaunched: number;
}

interface RawEvent {
	ph?: string;
	cat?: string;
	name?: string;
	pid?: number | string;
	tid?: number | string;
	ts?: number;
	dur?: number;
	args?: Record<string, unknown>;
}

const KERNEL = new Set(['kernel', 'Kernel']);
const MEMCPY = new Set(['gpu_memcpy', 'Memcpy']);
const MEMSET = new Set(['gpu_memset', 'Memset']);
const CALLS = new Set(['cuda_runtime', 'Runtime', 'cuda_driver']);
const BLOCKING =
	/^(cuda|hip)(StreamSynchronize|DeviceSynchronize|EventSynchronize|CtxSynchronize)$|^cuCtxSynchronize$|^cuStreamSynchronize$|^cuEventSynchronize$/;
const RECORD = /^(cuda|hip)EventRecord(WithFlags)?$|^cuEventRecord(WithFlags)?$/;
const STREAM_WAIT = /^(cuda|hip)StreamWaitEvent$|^cuStreamWaitEvent$/;

/** Parses trace JSON text. */
export function parseKineto(text: string): KinetoTrace {
	if (typeof text !== 'string') throw invalid('the JSON text of a trace', 'text', text);
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new TraceFormatError(`not JSON: ${(error as Error).message}`);
	}
	return readKineto(data);
}

/** Reads a parsed trace: an object with `traceEvents`, or a bare array of events. */
export function readKineto(data: unknown): KinetoTrace {
	const events = (Array.isArray(data) ? data : (data as { traceEvents?: unknown })?.traceEvents) as
		| RawEvent[]
		| undefined;
	if (!Array.isArray(events)) {
		throw new TraceFormatError(
			'expected a JSON object with a traceEvents array (a PyTorch profiler trace)',
		);
	}
	const gpu = gpuName(data);

	// Pick out GPU ops, host calls and sync records.
	const gpuEvents: RawEvent[] = [];
	const callEvents: RawEvent[] = [];
	const syncByCorrelation = new Map<number, RawEvent>();
	for (const e of events) {
		if (e === null || typeof e !== 'object' || e.ph !== 'X' || typeof e.ts !== 'number') continue;
		const cat = e.cat ?? '';
		if (KERNEL.has(cat) || MEMCPY.has(cat) || MEMSET.has(cat)) gpuEvents.push(e);
		else if (CALLS.has(cat)) callEvents.push(e);
		else if (cat === 'cuda_sync') {
			const correlation = numberArg(e.args, 'correlation');
			if (correlation !== undefined) syncByCorrelation.set(correlation, e);
		}
	}
	if (gpuEvents.length === 0) {
		throw new TraceFormatError(
			'the trace has no GPU kernels, copies or memsets (cat kernel / gpu_memcpy / gpu_memset)',
		);
	}

	// One origin for every time: the earliest event read, in whole microseconds first so that
	// epoch timestamps (about 1.7e15 us) stay exact before they are scaled to nanoseconds.
	let origin = Number.POSITIVE_INFINITY;
	for (const e of gpuEvents) origin = Math.min(origin, e.ts as number);
	for (const e of callEvents) origin = Math.min(origin, e.ts as number);
	origin = Math.floor(origin);
	const ns = (us: number) => Math.round((us - origin) * 1000);

	// Host calls in time order, with roles.
	const calls: HostCall[] = callEvents
		.map((e) => readCall(e, ns, syncByCorrelation))
		.sort((a, b) => a.start - b.start || a.correlation - b.correlation);
	const callByCorrelation = new Map<number, number>();
	calls.forEach((c, i) => {
		if (!callByCorrelation.has(c.correlation)) callByCorrelation.set(c.correlation, i);
	});

	// GPU ops, joined to their launch calls.
	const ops: TraceOp[] = gpuEvents
		.map((e) => readOp(e, ns))
		.sort((a, b) => a.start - b.start || a.correlation - b.correlation);
	let unlaunched = 0;
	ops.forEach((op, i) => {
		const call = callByCorrelation.get(op.correlation);
		if (call === undefined) {
			unlaunched++;
			return;
		}
		op.launch = call;
		const host = calls[call] as HostCall;
		host.role = 'launch';
		host.ops.push(i);
	});

	const streams = [...new Set(ops.map((o) => o.stream))].sort((a, b) => a - b);
	const threads = [...new Set(calls.map((c) => c.thread))];
	let crossStreamWaits = 0;
	for (const e of syncByCorrelation.values()) {
		const on = numberArg(e.args, 'wait_on_stream');
		const stream = numberArg(e.args, 'stream');
		if (e.name === 'Stream Wait Event' && on !== undefined && on !== stream && on >= 0)
			crossStreamWaits++;
	}
	return { gpu, ops, calls, streams, threads, crossStreamWaits, unlaunched };
}

function readOp(e: RawEvent, ns: (us: number) => number): TraceOp {
	const cat = e.cat as string;
	const name = e.name ?? '';
	const args = e.args ?? {};
	const stream = numberArg(args, 'stream') ?? streamFromTid(e.tid);
	const correlation = numberArg(args, 'correlation') ?? -1;
	const start = ns(e.ts as number);
	let duration = Math.round((e.dur ?? 0) * 1000);
	const bytes = numberArg(args, 'bytes');
	// Integer-microsecond traces lose sub-microsecond copies; bytes / bandwidth keeps them.
	const bandwidth = numberArg(args, 'memory bandwidth (GB/s)');
	if (bytes !== undefined && bandwidth !== undefined && bandwidth > 0 && Number.isInteger(e.dur)) {
		duration = Math.round(bytes / bandwidth);
	}
	const op: TraceOp = { kind: 'kernel', name, stream, correlation, start, duration };
	if (KERNEL.has(cat)) {
		const occupancy =
			numberArg(args, 'est. achieved occupancy %') ?? numberArg(args, 'theoretical occupancy %');
		if (occupancy !== undefined && occupancy > 0) op.occupancy = Math.min(1, occupancy / 100);
		return op;
	}
	op.bytes = bytes ?? 0;
	if (MEMSET.has(cat)) {
		op.kind = 'memset';
		return op;
	}
	const direction = /Memcpy (\w+)/.exec(name)?.[1] ?? String(args.kind ?? '');
	op.kind = direction === 'HtoD' ? 'copy_h2d' : direction === 'DtoH' ? 'copy_d2h' : 'copy_d2d';
	op.pinned = !/Pageable/.test(name);
	return op;
}

function readCall(e: RawEvent, ns: (us: number) => number, syncs: Map<number, RawEvent>): HostCall {
	const name = e.name ?? '';
	const correlation = numberArg(e.args, 'correlation') ?? -1;
	const call: HostCall = {
		name,
		thread: `${e.pid ?? ''}/${e.tid ?? ''}`,
		start: ns(e.ts as number),
		duration: Math.round((e.dur ?? 0) * 1000),
		correlation,
		role: 'other',
		ops: [],
	};
	const sync = syncs.get(correlation);
	const args = sync?.args;
	if (BLOCKING.test(name)) {
		call.role = 'sync';
		if (/Stream/.test(name)) call.sync = { kind: 'stream', stream: numberArg(args, 'stream') };
		else if (/Event/.test(name)) {
			call.sync = {
				kind: 'event',
				stream: numberArg(args, 'wait_on_stream'),
				recordCorrelation: numberArg(args, 'wait_on_cuda_event_record_corr_id'),
			};
		} else call.sync = { kind: 'context' };
	} else if (RECORD.test(name)) {
		call.role = 'record';
	} else if (STREAM_WAIT.test(name) && sync !== undefined) {
		const stream = numberArg(args, 'stream');
		const onStream = numberArg(args, 'wait_on_stream');
		const recordCorrelation = numberArg(args, 'wait_on_cuda_event_record_corr_id');
		if (
			stream !== undefined &&
			onStream !== undefined &&
			recordCorrelation !== undefined &&
			recordCorrelation >= 0
		) {
			call.role = 'stream-wait';
			call.wait = { stream, onStream, recordCorrelation };
		}
	}
	return call;
}

function numberArg(args: Record<string, unknown> | undefined, key: string): number | undefined {
	const value = args?.[key];
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
		return Number(value);
	return undefined;
}

function streamFromTid(tid: unknown): number {
	if (typeof tid === 'number') return Math.abs(tid);
	const match = /(-?\d+)/.exec(String(tid ?? ''));
	return match === null ? 0 : Math.abs(Number(match[1]));
}

function gpuName(data: unknown): string | undefined {
	if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
	const props = (data as { deviceProperties?: { name?: unknown }[] }).deviceProperties;
	const name = Array.isArray(props) ? props[0]?.name : undefined;
	return typeof name === 'string' ? name : undefined;
}
