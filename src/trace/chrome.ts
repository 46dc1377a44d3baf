import type { Recording, TimelineEvent } from './recording.js';
import { expectNamedRecordings } from './recording-file.js';

/**
 * Chrome trace JSON (the Trace Event Format that Perfetto and chrome://tracing open).
 *
 * Each recording becomes a process; its lanes (the host, each stream, each engine) become
 * threads, named by metadata events. An operation that used an engine appears twice: on its
 * stream's lane and on its engine's lane, so that both "what ran where" and "how busy was each
 * engine" can be read off. Times are microseconds with nanosecond decimals.
 */

interface ChromeEvent {
	name: string;
	ph: 'X' | 'i' | 'M';
	pid: number;
	tid: number;
	ts?: number;
	dur?: number;
	s?: 't';
	cat?: string;
	args?: Record<string, unknown>;
}

/** Builds a Chrome trace from named recordings (one process each). */
export function toChromeTrace(recordings: readonly { name: string; recording: Recording }[]): {
	traceEvents: ChromeEvent[];
	displayTimeUnit: 'ns';
} {
	expectNamedRecordings('recordings', recordings);
	const events: ChromeEvent[] = [];
	recordings.forEach(({ name, recording }, p) => {
		const pid = p + 1;
		const tids = new Map<string, number>();
		const tid = (lane: string) => {
			let id = tids.get(lane);
			if (id === undefined) {
				id = tids.size + 1;
				tids.set(lane, id);
			}
			return id;
		};
		for (const lane of recording.lanes()) tid(lane);
		for (const e of recording.events) if (e.engine !== undefined) tid(`engine: ${e.engine}`);

		events.push({
			name: 'process_name',
			ph: 'M',
			pid,
			tid: 0,
			args: { name: `${name} (${recording.device})` },
		});
		for (const [lane, id] of tids) {
			events.push({ name: 'thread_name', ph: 'M', pid, tid: id, args: { name: lane } });
			events.push({ name: 'thread_sort_index', ph: 'M', pid, tid: id, args: { sort_index: id } });
		}
		for (const e of recording.events) {
			events.push(toEvent(e, pid, tid(e.lane)));
			if (e.engine !== undefined) events.push(toEvent(e, pid, tid(`engine: ${e.engine}`)));
		}
	});
	return { traceEvents: events, displayTimeUnit: 'ns' };
}

function toEvent(e: TimelineEvent, pid: number, tid: number): ChromeEvent {
	const args: Record<string, unknown> = { start_ns: e.start, end_ns: e.end };
	if (e.bytes !== undefined) args.bytes = e.bytes;
	if (e.end === e.start) {
		return { name: e.name, cat: e.kind, ph: 'i', s: 't', pid, tid, ts: e.start / 1000, args };
	}
	return {
		name: e.name,
		cat: e.kind,
		ph: 'X',
		pid,
		tid,
		ts: e.start / 1000,
		dur: (e.end - e.start) / 1000,
		args,
	};
}
