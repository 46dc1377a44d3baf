import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError, TraceFormatError } from '../errors.js';
import { toChromeTrace } from '../trace/chrome.js';
import { toHtmlTimeline } from '../trace/html.js';
import { readKineto } from '../trace/kineto.js';
import { fromJson, isRecordingFile, type NamedRecording } from '../trace/recording-file.js';
import { replayRecording } from '../trace/recording-replay.js';
import { replayTrace } from '../trace/replay.js';
import { bytes, keyValues, ms, signedPct, us } from './format.js';

/** Options of `async-output replay`, as parsed. */
export interface ReplayArgs {
	trace: string;
	profile?: string;
	json: boolean;
	traceOut?: string;
	html?: string;
}

/** What to print, and the exit code (1 when a recording did not replay to its own timeline). */
export interface ReplayOutput {
	text: string;
	exitCode: number;
}

/**
 * Replays a file: a recording of async-output (replayed on the simulated device and compared
 * by hash) or a profiler trace (imported, replayed, and the what-if computed).
 */
export async function replay(args: ReplayArgs): Promise<ReplayOutput> {
	const text = readFileSync(args.trace, 'utf8');
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new TraceFormatError(`not JSON: ${(error as Error).message}`);
	}
	if (isRecordingFile(json)) {
		if (args.profile !== undefined)
			throw new InvalidArgumentError(
				'--profile applies to profiler traces; a recording replays with the profile it was recorded with',
			);
		return replayRecordings(args, fromJson(json));
	}
	return { text: await replayProfilerTrace(args, json), exitCode: 0 };
}

function writeTimelines(args: ReplayArgs, runs: NamedRecording[], title: string): string[] {
	const lines: string[] = [];
	if (args.traceOut !== undefined) {
		writeFileSync(args.traceOut, JSON.stringify(toChromeTrace(runs)));
		lines.push(`Chrome trace written to ${args.traceOut} (open it in https://ui.perfetto.dev).`);
	}
	if (args.html !== undefined) {
		writeFileSync(args.html, toHtmlTimeline(runs, { title }));
		lines.push(`HTML timeline written to ${args.html}.`);
	}
	return lines;
}

async function replayRecordings(args: ReplayArgs, runs: NamedRecording[]): Promise<ReplayOutput> {
	const replays: NamedRecording[] = [];
	const results = [];
	for (const { name, recording } of runs) {
		const replayed = await replayRecording(recording);
		replays.push({ name: `${name} (replayed)`, recording: replayed });
		const [start, end] = replayed.span();
		results.push({
			name,
			device: recording.device,
			profile: recording.profile,
			ops: recording.ops.length,
			entries: replayed.events.length,
			spanNs: end - start,
			recordedHash: recording.hash(),
			replayedHash: replayed.hash(),
			identical: recording.hash() === replayed.hash(),
		});
	}
	const exitCode = results.every((r) => r.identical) ? 0 : 1;
	const file = basename(args.trace);
	const lines = writeTimelines(args, replays, `async-output replay of ${file}`);
	if (args.json) {
		const output = { recording: file, runs: results, traceOut: args.traceOut, html: args.html };
		return { text: `${JSON.stringify(output, null, 2)}\n`, exitCode };
	}

	const rows: [string, string][] = [['recording', `${file} (${results.length} runs)`]];
	for (const r of results) {
		rows.push([
			r.name,
			`${r.ops} ops issued, ${r.entries} timeline entries over ${ms(r.spanNs)} ms on the ${r.device}; hash recorded ${r.recordedHash}, replayed ${r.replayedHash}: ${r.identical ? 'the same timeline' : 'DIFFERENT'}`,
		]);
	}
	return { text: `${[keyValues(rows), ...lines].join('\n')}\n`, exitCode };
}

/** Imports a Kineto trace, replays it, computes the what-if; returns what to print. */
async function replayProfilerTrace(args: ReplayArgs, json: unknown): Promise<string> {
	const trace = readKineto(json);
	const report = await replayTrace(trace, {
		profile: args.profile,
		record: args.traceOut !== undefined || args.html !== undefined,
	});
	const { timelines, ...rest } = report;
	const lines: string[] = [];
	if (timelines !== undefined) {
		const runs = [
			{ name: 'replay', recording: timelines.replay },
			{ name: 'what-if (async output)', recording: timelines.whatIf },
		];
		lines.push(...writeTimelines(args, runs, `async-output replay of ${basename(args.trace)}`));
	}
	if (args.json) {
		const { sources: _, ...profile } = rest.profile;
		return `${JSON.stringify({ trace: basename(args.trace), ...rest, profile, traceOut: args.traceOut, html: args.html }, null, 2)}\n`;
	}

	const c = report.counts;
	const e = report.error;
	const w = report.whatIf;
	const rows: [string, string][] = [
		['trace', basename(args.trace)],
		[
			'GPU',
			`${report.gpu} -> profile ${report.profile.id}${report.profileMatched ? '' : args.profile !== undefined ? ' (chosen with --profile)' : ' (default: no match)'}`,
		],
		[
			'operations',
			`${c.kernels} kernels, ${c.memsets} memsets, ${c.copies.h2d} H2D copies (${bytes(c.copies.h2dBytes)}), ${c.copies.d2h} D2H copies (${bytes(c.copies.d2hBytes)}), ${c.copies.d2d} D2D; ${c.copies.pageable} copies from or to pageable memory`,
		],
		[
			'streams',
			`${c.streams.join(', ')} (copies on ${c.copyStreams.length === 0 ? 'none' : c.copyStreams.join(', ')}); ${c.crossStreamWaits} cross-stream waits`,
		],
		[
			'host',
			`${c.hostThreads} thread(s), ${c.hostCalls} CUDA calls; ${c.launchesMatched} GPU ops joined to their launch call, ${c.unlaunched} not`,
		],
		[
			'replay error',
			`op start times: median ${us(e.start.medianNs)} us, p95 ${us(e.start.p95Ns)} us, max ${us(e.start.maxNs)} us over ${e.start.count} ops; makespan ${ms(e.traceMakespanNs)} ms traced, ${ms(e.replayMakespanNs)} ms replayed (${signedPct(e.makespanErrorPct, 4)})`,
		],
		[
			'what-if',
			`${w.copiesMoved} copies pinned and overlapped on side streams (copy time ${ms(w.copyTimeBeforeNs)} ms -> ${ms(w.copyTimeAfterNs)} ms): makespan ${ms(w.makespanNs)} ms, ${ms(w.savedNs)} ms saved (${signedPct(-w.savedPct, 2)})`,
		],
		...report.assumptions.map((a, i): [string, string] => [i === 0 ? 'assumptions' : '', a]),
	];
	return `${[keyValues(rows), ...lines].join('\n')}\n`;
}
