import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { toChromeTrace } from '../trace/chrome.js';
import { parseKineto } from '../trace/kineto.js';
import { replayTrace } from '../trace/replay.js';
import { bytes, keyValues, ms, signedPct, us } from './format.js';

/** Options of `async-output replay`, as parsed. */
export interface ReplayArgs {
	trace: string;
	profile?: string;
	json: boolean;
	traceOut?: string;
}

/** Imports a Kineto trace, replays it, computes the what-if; returns what to print. */
export async function replay(args: ReplayArgs): Promise<string> {
	const trace = parseKineto(readFileSync(args.trace, 'utf8'));
	const report = await replayTrace(trace, {
		profile: args.profile,
		record: args.traceOut !== undefined,
	});
	const { timelines, ...rest } = report;
	if (args.traceOut !== undefined && timelines !== undefined) {
		const chrome = toChromeTrace([
			{ name: 'replay', recording: timelines.replay },
			{ name: 'what-if (async output)', recording: timelines.whatIf },
		]);
		writeFileSync(args.traceOut, JSON.stringify(chrome));
	}
	if (args.json) {
		const { sources: _, ...profile } = rest.profile;
		return `${JSON.stringify({ trace: basename(args.trace), ...rest, profile, traceOut: args.traceOut }, null, 2)}\n`;
	}

	const c = report.counts;
	const e = report.error;
	const w = report.whatIf;
	const rows: [string, string][] = [
		['trace', basename(args.trace)],
		[
			'GPU',
			`${report.gpu} -> profile ${report.profile.id}${report.profileMatched ? '' : ' (default: no match)'}`,
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
	const lines = [keyValues(rows)];
	if (args.traceOut !== undefined)
		lines.push(`Timelines written to ${args.traceOut} (open it in https://ui.perfetto.dev).`);
	return `${lines.join('\n')}\n`;
}
