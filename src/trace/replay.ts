import {
	copyNs,
	DEFAULT_PROFILE,
	type DeviceProfile,
	PROFILES,
	profileForGpu,
	resolveProfile,
} from '../device/profile.js';
import {
	type HostStep,
	type Program,
	type ProgramOp,
	type ProgramTimes,
	runProgram,
} from '../device/sim/program.js';
import { expectOptions, invalid } from '../validate.js';
import type { HostCall, KinetoTrace, TraceOp } from './kineto.js';
import { programRecording } from './program-recording.js';
import type { Recording } from './recording.js';

/**
 * Replaying a profiler trace on the simulated device, and the async-output what-if.
 *
 * The replay rebuilds the run as a program (see `device/sim/program.ts`): each host thread is a
 * lane that repeats the trace's host time between calls, launches each GPU operation when its
 * launch call does, records events and issues stream waits where the trace's `cuda_sync`
 * events say, and blocks in synchronizations until the device has done what they waited for.
 * GPU operations keep their traced durations; the device model (stream order, engines,
 * cross-stream waits) and the host model decide when they start.
 *
 * The what-if changes only the copies, as the async-output pattern would: host<->device copies
 * become pinned (so they take the profile's pinned time, and their launch call costs a launch,
 * not a staging), and each moves to a side stream: a device-to-host copy waits for the work
 * before it on its stream and the stream goes on without it; a host-to-device copy runs ahead
 * and its stream waits for it where it stood. Host synchronizations keep waiting for every
 * copy they waited for before.
 */

/** Options of a replay. */
export interface ReplayOptions {
	/** A profile id to use instead of the one matched to the trace's GPU. */
	profile?: string;
	/** Also return the replayed and what-if timelines (for Chrome traces). */
	record?: boolean;
}

/** Quantiles of absolute start-time errors, in ns. */
export interface ErrorStats {
	count: number;
	medianNs: number;
	p95Ns: number;
	maxNs: number;
}

/** The result of `replayTrace`. */
export interface ReplayReport {
	gpu: string;
	profile: DeviceProfile;
	profileMatched: boolean;
	counts: {
		kernels: number;
		memsets: number;
		copies: {
			h2d: number;
			d2h: number;
			d2d: number;
			pageable: number;
			h2dBytes: number;
			d2hBytes: number;
		};
		streams: number[];
		copyStreams: number[];
		crossStreamWaits: number;
		hostThreads: number;
		hostCalls: number;
		launchesMatched: number;
		unlaunched: number;
	};
	/** How far the replay lands from the trace. */
	error: {
		start: ErrorStats;
		traceMakespanNs: number;
		replayMakespanNs: number;
		makespanErrorNs: number;
		makespanErrorPct: number;
	};
	whatIf: {
		makespanNs: number;
		savedNs: number;
		savedPct: number;
		copiesMoved: number;
		copyTimeBeforeNs: number;
		copyTimeAfterNs: number;
	};
	assumptions: string[];
	/** With `record`: the replay's and the what-if's timelines. */
	timelines?: { replay: Recording; whatIf: Recording };
}

interface Item {
	key: number;
	order: number;
	op: ProgramOp;
	/** Index into trace.ops for real GPU ops. */
	traceOp?: number;
	/** The record call's correlation (markers, and waits for what they wait on). */
	record?: number;
	/** What-if helper waits: wait for the other stream's items issued up to this one. */
	pairWait?: boolean;
	/** The host call that issues the item (index into trace.calls). */
	call?: number;
}

interface Built {
	program: Program;
	/** trace op index -> [stream, index] in the program. */
	placement: Map<number, [number, number]>;
}

/** Replays a trace and computes the what-if. */
export async function replayTrace(
	trace: KinetoTrace,
	options: ReplayOptions = {},
): Promise<ReplayReport> {
	const given = trace as Partial<KinetoTrace> | null;
	if (
		given === null ||
		typeof given !== 'object' ||
		!Array.isArray(given.ops) ||
		!Array.isArray(given.calls) ||
		!Array.isArray(given.streams)
	) {
		throw invalid('a trace from parseKineto() or readKineto()', 'trace', trace);
	}
	expectOptions('options', options);
	const matched = trace.gpu === undefined ? undefined : profileForGpu(trace.gpu);
	const profile =
		options.profile !== undefined ? resolveProfile(options.profile) : (matched ?? DEFAULT_PROFILE);

	const baseline = build(trace, profile, false);
	const whatIf = build(trace, profile, true);
	const run = { opGapNs: profile.opGapNs };
	const [times, whatIfTimes] = [
		await runProgram(baseline.program, run),
		await runProgram(whatIf.program, run),
	];

	// Start-time error of every GPU op; makespans from the first traced GPU start.
	const errors: number[] = [];
	let first = Number.POSITIVE_INFINITY;
	let traceEnd = 0;
	for (const op of trace.ops) {
		first = Math.min(first, op.start);
		traceEnd = Math.max(traceEnd, op.start + op.duration);
	}
	baseline.placement.forEach(([s, i], t) => {
		const start = (times.streams[s] as { start: Float64Array }).start[i] as number;
		if (start >= 0) errors.push(Math.abs(start - (trace.ops[t] as TraceOp).start));
	});
	const replayEnd = lastEnd(times, baseline.placement);
	const whatIfEnd = lastEnd(whatIfTimes, whatIf.placement);
	const traceMakespan = traceEnd - first;
	const replayMakespan = replayEnd - first;
	const whatIfMakespan = whatIfEnd - first;

	const timelines = options.record
		? {
				replay: programRecording(`simulated ${profile.gpu}`, baseline.program, times),
				whatIf: programRecording(`simulated ${profile.gpu}`, whatIf.program, whatIfTimes),
			}
		: undefined;
	const copies = trace.ops.filter((o) => o.kind === 'copy_h2d' || o.kind === 'copy_d2h');
	const copyTimeAfter = copies.reduce((sum, o) => sum + pinnedNs(o, profile), 0);
	return {
		gpu: trace.gpu ?? 'unknown GPU',
		profile,
		profileMatched: matched !== undefined && options.profile === undefined,
		counts: counts(trace),
		error: {
			start: stats(errors),
			traceMakespanNs: traceMakespan,
			replayMakespanNs: replayMakespan,
			makespanErrorNs: replayMakespan - traceMakespan,
			makespanErrorPct:
				traceMakespan === 0 ? 0 : ((replayMakespan - traceMakespan) / traceMakespan) * 100,
		},
		whatIf: {
			makespanNs: whatIfMakespan,
			savedNs: replayMakespan - whatIfMakespan,
			savedPct:
				replayMakespan === 0 ? 0 : ((replayMakespan - whatIfMakespan) / replayMakespan) * 100,
			copiesMoved: copies.length,
			copyTimeBeforeNs: copies.reduce((sum, o) => sum + o.duration, 0),
			copyTimeAfterNs: copyTimeAfter,
		},
		assumptions: assumptions(
			profile,
			options.profile !== undefined ? 'chosen' : matched !== undefined ? 'matched' : 'default',
			trace,
		),
		timelines,
	};
}

function lastEnd(times: ProgramTimes, placement: Map<number, [number, number]>): number {
	let end = 0;
	for (const [s, i] of placement.values()) {
		end = Math.max(end, (times.streams[s] as { end: Float64Array }).end[i] as number);
	}
	return end;
}

function pinnedNs(op: TraceOp, profile: DeviceProfile): number {
	if (op.pinned) return op.duration;
	const gbps = op.kind === 'copy_h2d' ? profile.h2dPinnedGBps : profile.d2hPinnedGBps;
	return copyNs(profile, op.bytes ?? 0, gbps);
}

/** Builds the program of a trace: as it ran, or with the async-output what-if applied. */
export function buildForDebug(trace: KinetoTrace): Built {
	return build(trace, PROFILES.a100 as DeviceProfile, false);
}

function build(trace: KinetoTrace, profile: DeviceProfile, whatIf: boolean): Built {
	const streamIndex = new Map<string, number>();
	const streams: { label: string; items: Item[] }[] = [];
	const streamOf = (label: string): number => {
		let index = streamIndex.get(label);
		if (index === undefined) {
			index = streams.length;
			streamIndex.set(label, index);
			streams.push({ label, items: [] });
		}
		return index;
	};
	const main = (stream: number) => streamOf(`stream ${stream}`);
	const side = (stream: number, kind: TraceOp['kind']) =>
		streamOf(`stream ${stream} ${kind === 'copy_h2d' ? 'H2D' : 'D2H'} side`);
	let order = 0;
	const issueKey = (op: TraceOp) =>
		op.launch === undefined ? op.start : (trace.calls[op.launch] as HostCall).start;

	// Streams that events were recorded on, by the record call's correlation.
	const recordStream = new Map<number, number>();
	for (const call of trace.calls) {
		if (call.wait !== undefined) recordStream.set(call.wait.recordCorrelation, call.wait.onStream);
		if (
			call.sync?.kind === 'event' &&
			call.sync.recordCorrelation !== undefined &&
			call.sync.stream !== undefined
		) {
			recordStream.set(call.sync.recordCorrelation, call.sync.stream);
		}
	}
	for (const stream of trace.streams) main(stream);

	// GPU ops on their streams (or, in the what-if, copies on side streams).
	trace.ops.forEach((op, t) => {
		const key = issueKey(op);
		const moved = whatIf && (op.kind === 'copy_h2d' || op.kind === 'copy_d2h');
		const programOp: ProgramOp = {
			kind: op.kind,
			name: op.name,
			durationNs: moved ? pinnedNs(op, profile) : op.duration,
			occupancy: op.occupancy,
			bytes: op.bytes,
			releaseAt: op.launch === undefined ? op.start : undefined,
		};
		const call = op.launch;
		if (!moved) {
			(streams[main(op.stream)] as { items: Item[] }).items.push({
				key,
				order: order++,
				op: programOp,
				traceOp: t,
				call,
			});
			return;
		}
		const home = (streams[main(op.stream)] as { items: Item[] }).items;
		const away = (streams[side(op.stream, op.kind)] as { items: Item[] }).items;
		if (op.kind === 'copy_d2h') {
			// The side stream waits for the work before the copy, then copies; home goes on.
			home.push({
				key,
				order: order++,
				op: { kind: 'marker', name: 'before copy', durationNs: 0 },
				call,
			});
			away.push({
				key,
				order: order++,
				op: { kind: 'wait', name: 'wait for compute', durationNs: 0, waitStream: main(op.stream) },
				pairWait: true,
				call,
			});
			away.push({ key, order: order++, op: programOp, traceOp: t, call });
		} else {
			// The copy runs ahead on the side stream; home waits for it where it stood.
			away.push({ key, order: order++, op: programOp, traceOp: t, call });
			away.push({
				key,
				order: order++,
				op: { kind: 'marker', name: 'copy done', durationNs: 0 },
				call,
			});
			home.push({
				key,
				order: order++,
				op: {
					kind: 'wait',
					name: 'wait for copy',
					durationNs: 0,
					waitStream: side(op.stream, op.kind),
				},
				pairWait: true,
				call,
			});
		}
	});

	// Markers for the records that waits and syncs refer to, and the stream waits themselves.
	trace.calls.forEach((call, c) => {
		const stream = call.role === 'record' ? recordStream.get(call.correlation) : undefined;
		if (stream !== undefined) {
			(streams[main(stream)] as { items: Item[] }).items.push({
				key: call.start,
				order: order++,
				op: { kind: 'marker', name: call.name, durationNs: 0 },
				record: call.correlation,
				call: c,
			});
		}
		if (call.role === 'stream-wait' && call.wait !== undefined) {
			(streams[main(call.wait.stream)] as { items: Item[] }).items.push({
				key: call.start,
				order: order++,
				op: { kind: 'wait', name: call.name, durationNs: 0, waitStream: main(call.wait.onStream) },
				record: call.wait.recordCorrelation,
				call: c,
			});
		}
	});

	// Issue order on each stream, then resolve what each wait waits for.
	for (const stream of streams) stream.items.sort((a, b) => a.key - b.key || a.order - b.order);
	const markerSeq = new Map<number, number>();
	for (const stream of streams) {
		stream.items.forEach((item, i) => {
			if (item.op.kind === 'marker' && item.record !== undefined) markerSeq.set(item.record, i + 1);
		});
	}
	const seqAt = (s: number, key: number, inclusive: boolean): number => {
		const items = (streams[s] as { items: Item[] }).items;
		let n = 0;
		while (
			n < items.length &&
			((items[n] as Item).key < key || (inclusive && (items[n] as Item).key === key))
		)
			n++;
		return n;
	};
	for (const [s, stream] of streams.entries()) {
		stream.items.forEach((item) => {
			if (item.op.kind !== 'wait') return;
			const on = item.op.waitStream as number;
			if (item.pairWait) {
				// What-if pairs: wait for the other stream's items issued with or before this one.
				item.op.waitSeq = countBefore(streams[on] as { items: Item[] }, item);
			} else {
				item.op.waitSeq = markerSeq.get(item.record as number) ?? 0;
			}
			if (on === s) item.op.waitSeq = 0;
		});
	}

	// Host lanes.
	const placement = new Map<number, [number, number]>();
	const position = new Map<Item, [number, number]>();
	for (const [s, stream] of streams.entries()) {
		stream.items.forEach((item, i) => {
			position.set(item, [s, i]);
			if (item.traceOp !== undefined) placement.set(item.traceOp, [s, i]);
		});
	}
	const itemsByCall = new Map<number, Item[]>();
	for (const stream of streams) {
		for (const item of stream.items) {
			if (item.call === undefined) continue;
			const list = itemsByCall.get(item.call) ?? [];
			list.push(item);
			itemsByCall.set(item.call, list);
		}
	}

	const traceEnd = (s: number, seq: number): number => {
		let end = 0;
		const items = (streams[s] as { items: Item[] }).items;
		for (let i = 0; i < seq && i < items.length; i++) {
			const t = (items[i] as Item).traceOp;
			if (t !== undefined)
				end = Math.max(end, (trace.ops[t] as TraceOp).start + (trace.ops[t] as TraceOp).duration);
		}
		return end;
	};
	const sidesOf = (stream: number): number[] =>
		[`stream ${stream} H2D side`, `stream ${stream} D2H side`].flatMap((l) => {
			const index = streamIndex.get(l);
			return index === undefined ? [] : [index];
		});

	const lanes = trace.threads.map((thread) => {
		const steps: HostStep[] = [];
		let cursor = 0;
		for (const [c, call] of trace.calls.entries()) {
			if (call.thread !== thread) continue;
			const end = call.start + call.duration;
			const nested = end <= cursor;
			if (!nested && call.start > cursor) {
				const name = cursor === 0 ? 'host, before the first call' : 'host, between calls';
				steps.push({ kind: 'work', ns: call.start - cursor, name });
			}
			const own = nested ? 0 : end - Math.max(cursor, call.start);
			const items = itemsByCall.get(c) ?? [];
			const launches = (delay: number) => {
				for (const item of items) {
					const [s, i] = position.get(item) as [number, number];
					steps.push({ kind: 'launch', stream: s, index: i, delayNs: delay });
				}
			};
			if (call.role === 'sync' && !nested) {
				const fences = syncFences(
					trace,
					call,
					streams.length,
					seqAt,
					main,
					sidesOf,
					recordStream,
					markerSeq,
				);
				let done = call.start;
				for (const [s, seq] of fences) {
					if (seq > 0) steps.push({ kind: 'wait', stream: s, seq, name: call.name });
					done = Math.max(done, traceEnd(s, seq));
				}
				steps.push({ kind: 'work', ns: Math.min(own, Math.max(0, end - done)), name: call.name });
			} else if (call.role === 'launch' && items.length > 0) {
				const ops = call.ops.map((o) => trace.ops[o] as TraceOp);
				const copies = ops.filter((o) => o.kind === 'copy_h2d' || o.kind === 'copy_d2h');
				const opsEnd = Math.max(...ops.map((o) => o.start + o.duration));
				const staging = stagingLag(call, copies, profile);
				if (whatIf && copies.length > 0) {
					// A pinned, asynchronous copy: the call costs a launch, nothing more.
					steps.push({
						kind: 'work',
						ns: nested ? 0 : Math.min(own, profile.launchNs),
						name: call.name,
					});
					launches(0);
				} else if (!nested && end >= opsEnd && copies.length === ops.length) {
					// The call returned only after its copy did (pageable device-to-host, say).
					launches(staging);
					const [s, i] = position.get(items[items.length - 1] as Item) as [number, number];
					steps.push({ kind: 'work', ns: staging, name: call.name });
					steps.push({ kind: 'wait', stream: s, seq: i + 1, name: call.name });
					steps.push({
						kind: 'work',
						ns: Math.min(own, Math.max(0, end - opsEnd)),
						name: call.name,
					});
				} else if (copies.some((o) => !o.pinned)) {
					// Pageable: the DMA starts once the driver has staged the first chunk.
					launches(staging);
					steps.push({ kind: 'work', ns: own, name: call.name });
				} else {
					// Work is submitted when the launch call returns, and starts a little later.
					steps.push({ kind: 'work', ns: own, name: call.name });
					launches(ops.some((o) => o.kind === 'kernel') ? profile.submitNs : profile.copySubmitNs);
				}
			} else {
				steps.push({ kind: 'work', ns: own, name: call.name });
				launches(0);
			}
			cursor = Math.max(cursor, end);
		}
		return { label: `host ${thread}`, steps };
	});

	return {
		program: {
			streams: streams.map((s) => ({ label: s.label, ops: s.items.map((i) => i.op) })),
			lanes,
		},
		placement,
	};
}

/**
 * How long after a pageable copy's call starts its DMA can start. Host-to-device, the driver
 * stages the data through a pinned bounce buffer a chunk at a time (profile.pageableChunkBytes):
 * a copy that fits in one chunk is staged whole before the call returns and starts then; a
 * larger one starts once its first chunk is staged, while the call stages the rest.
 * Device-to-host, the DMA into the bounce buffer starts at once and the call returns after it.
 */
function stagingLag(call: HostCall, copies: TraceOp[], profile: DeviceProfile): number {
	let lag = 0;
	for (const copy of copies) {
		if (copy.pinned) continue;
		const bytes = copy.bytes ?? 0;
		if (copy.kind === 'copy_d2h') {
			lag = Math.max(lag, Math.min(call.duration, profile.launchNs) + profile.copySubmitNs);
		} else if (bytes <= profile.pageableChunkBytes) {
			lag = Math.max(lag, call.duration + profile.copySubmitNs);
		} else {
			lag = Math.max(
				lag,
				Math.min(
					call.duration,
					profile.launchNs + profile.pageableChunkBytes / profile.h2dPageableGBps,
				),
			);
		}
	}
	return Math.round(lag);
}

function countBefore(stream: { items: Item[] }, item: Item): number {
	let n = 0;
	for (const other of stream.items) {
		if (other.key < item.key || (other.key === item.key && other.order < item.order)) n++;
	}
	return n;
}

/** What a synchronizing call waits for: [stream, seq] pairs, side streams included. */
function syncFences(
	trace: KinetoTrace,
	call: HostCall,
	streamCount: number,
	seqAt: (s: number, key: number, inclusive: boolean) => number,
	main: (stream: number) => number,
	sidesOf: (stream: number) => number[],
	recordStream: Map<number, number>,
	markerSeq: Map<number, number>,
): [number, number][] {
	const sync = call.sync;
	if (sync?.kind === 'stream' && sync.stream !== undefined && sync.stream >= 0) {
		return [main(sync.stream), ...sidesOf(sync.stream)].map((s) => [
			s,
			seqAt(s, call.start, false),
		]);
	}
	if (
		sync?.kind === 'event' &&
		sync.recordCorrelation !== undefined &&
		recordStream.has(sync.recordCorrelation)
	) {
		const stream = recordStream.get(sync.recordCorrelation) as number;
		const record = trace.calls.find(
			(c) => c.role === 'record' && c.correlation === sync.recordCorrelation,
		);
		const key = record?.start ?? call.start;
		return [
			[main(stream), markerSeq.get(sync.recordCorrelation) ?? seqAt(main(stream), key, true)],
			...sidesOf(stream).map((s): [number, number] => [s, seqAt(s, key, true)]),
		];
	}
	// A context (device) synchronize, or one whose target the trace does not say: everything.
	return Array.from({ length: streamCount }, (_, s): [number, number] => [
		s,
		seqAt(s, call.start, false),
	]);
}

function counts(trace: KinetoTrace): ReplayReport['counts'] {
	const of = (kind: TraceOp['kind']) => trace.ops.filter((o) => o.kind === kind);
	const h2d = of('copy_h2d');
	const d2h = of('copy_d2h');
	return {
		kernels: of('kernel').length,
		memsets: of('memset').length,
		copies: {
			h2d: h2d.length,
			d2h: d2h.length,
			d2d: of('copy_d2d').length,
			pageable: [...h2d, ...d2h].filter((o) => !o.pinned).length,
			h2dBytes: h2d.reduce((sum, o) => sum + (o.bytes ?? 0), 0),
			d2hBytes: d2h.reduce((sum, o) => sum + (o.bytes ?? 0), 0),
		},
		streams: trace.streams,
		copyStreams: [...new Set([...h2d, ...d2h].map((o) => o.stream))].sort((a, b) => a - b),
		crossStreamWaits: trace.crossStreamWaits,
		hostThreads: trace.threads.length,
		hostCalls: trace.calls.length,
		launchesMatched: trace.ops.length - trace.unlaunched,
		unlaunched: trace.unlaunched,
	};
}

function stats(values: number[]): ErrorStats {
	if (values.length === 0) return { count: 0, medianNs: 0, p95Ns: 0, maxNs: 0 };
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number) =>
		sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
	return {
		count: sorted.length,
		medianNs: at(0.5),
		p95Ns: at(0.95),
		maxNs: sorted[sorted.length - 1] as number,
	};
}

function assumptions(
	profile: DeviceProfile,
	how: 'chosen' | 'matched' | 'default',
	trace: KinetoTrace,
): string[] {
	const gbps = (v: number) => `${v} GB/s`;
	const why =
		how === 'chosen'
			? ` chosen with --profile (the trace's GPU is '${trace.gpu ?? 'not named'}')`
			: how === 'matched'
				? ` matched to the trace's GPU '${trace.gpu}'`
				: trace.gpu === undefined
					? ': the trace names no GPU, so the default'
					: `: no profile matches '${trace.gpu}', so the default`;
	return [
		`device profile '${profile.id}' (${profile.gpu})${why}`,
		`replay: GPU operations keep their traced durations and start no earlier than their launch call returns plus ${profile.submitNs / 1000} us (kernels) or ${profile.copySubmitNs / 1000} us (copies, memsets), or for a pageable H2D copy over ${profile.pageableChunkBytes} B once its first chunk is staged; an op queued behind another starts ${profile.opGapNs / 1000} us after it; host time between calls is kept and synchronizations hold the host until the device reaches what they wait for`,
		`what-if pinned copies: H2D ${gbps(profile.h2dPinnedGBps)} (${profile.sources.h2dPinnedGBps}); D2H ${gbps(profile.d2hPinnedGBps)} (${profile.sources.d2hPinnedGBps}); plus ${profile.copyLatencyNs} ns per copy (${profile.sources.copyLatencyNs})`,
		`what-if launch of an asynchronous pinned copy: ${profile.launchNs} ns of host time (${profile.sources.launchNs})`,
		'what-if: each copy moves to a side stream of its stream; a D2H copy waits for the work before it; its stream goes on; an H2D copy runs ahead and its stream waits for it; every host synchronize still waits for every copy it covered',
	];
}
