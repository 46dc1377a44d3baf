import type { TimelineEvent, TimelineKind } from './recording.js';
import type { NamedRecording } from './recording-file.js';

/**
 * The data an HTML timeline draws, laid out ahead of drawing: lanes (the host's, each stream's,
 * each engine's), and bars placed on rows within their lane so that work running at the same
 * time on one lane (kernels sharing the compute engine) stacks instead of hiding.
 *
 * Every timeline entry of a run is one bar on its own lane (`entry` is its index in the run's
 * canonical order); entries that used an engine are drawn a second time on the engine's lane,
 * marked as copies (`copyOf`), so that "what ran where" and "how busy was each engine" read
 * off the same picture.
 */

/** Which kind of lane. */
export type LaneGroup = 'host' | 'stream' | 'engine';

/** A lane of the timeline. */
export interface TimelineLane {
	label: string;
	group: LaneGroup;
	/** Rows it needs so that nothing on it overlaps. */
	rows: number;
}

/** A bar: a timeline entry on a lane. */
export interface TimelineBar {
	lane: number;
	row: number;
	start: number;
	end: number;
	kind: TimelineKind;
	name: string;
	/** The entry's index in the run's canonical order (the same for an engine copy). */
	entry: number;
	/** True for the copy of an entry drawn on its engine's lane. */
	copyOf?: boolean;
	/** Where the entry ran and on which engine. */
	where: string;
	engine?: string;
	bytes?: number;
	/** Device work: when the host issued it. */
	issued?: number;
}

/** One run of a timeline: a recording, laid out. */
export interface TimelineRun {
	name: string;
	device: string;
	hash: string;
	start: number;
	end: number;
	/** Timeline entries (bars with `copyOf` unset). */
	entries: number;
	/** Lines of figures that say how much overlapped. */
	summary: string[];
	lanes: TimelineLane[];
	bars: TimelineBar[];
}

/** Everything a timeline page draws. */
export interface TimelineData {
	title: string;
	runs: TimelineRun[];
}

const ENGINE_ORDER = ['compute', 'copy H2D', 'copy D2H', 'host functions'];
const HOST_KINDS = new Set<TimelineKind>(['host_work', 'host_wait', 'launch']);

/** Lays out named recordings for drawing. */
export function timelineData(title: string, runs: readonly NamedRecording[]): TimelineData {
	return { title, runs: runs.map(layoutRun) };
}

function layoutRun({ name, recording }: NamedRecording): TimelineRun {
	const events = recording.sortedEvents();
	const [start, end] = recording.span();

	// Lanes: the host's first, then streams in order of first appearance, then engines.
	const laneGroup = new Map<string, LaneGroup>();
	for (const e of events) {
		const group = HOST_KINDS.has(e.kind) ? 'host' : 'stream';
		if (laneGroup.get(e.lane) !== 'stream') laneGroup.set(e.lane, group);
	}
	const hostLanes = [...laneGroup].filter(([, g]) => g === 'host').map(([l]) => l);
	const streamLanes = [...laneGroup].filter(([, g]) => g === 'stream').map(([l]) => l);
	const engines = [...new Set(events.flatMap((e) => (e.engine === undefined ? [] : [e.engine])))];
	engines.sort((a, b) => engineRank(a) - engineRank(b) || (a < b ? -1 : a > b ? 1 : 0));
	const lanes: TimelineLane[] = [
		...hostLanes.map((label) => ({ label, group: 'host' as const, rows: 1 })),
		...streamLanes.map((label) => ({ label, group: 'stream' as const, rows: 1 })),
		...engines.map((label) => ({ label: `engine: ${label}`, group: 'engine' as const, rows: 1 })),
	];
	const laneIndex = new Map(lanes.map((l, i) => [l.label, i]));

	// One bar per entry on its lane, one more on its engine's lane.
	const bars: TimelineBar[] = [];
	events.forEach((e, entry) => {
		const issued = e.op === undefined ? undefined : recording.ops[e.op]?.releaseNs;
		const bar = (lane: string, copyOf: boolean): TimelineBar => ({
			lane: laneIndex.get(lane) as number,
			row: 0,
			start: e.start,
			end: e.end,
			kind: e.kind,
			name: e.name,
			entry,
			...(copyOf ? { copyOf: true } : {}),
			where: e.lane,
			...(e.engine === undefined ? {} : { engine: e.engine }),
			...(e.bytes === undefined ? {} : { bytes: e.bytes }),
			...(issued === undefined ? {} : { issued }),
		});
		bars.push(bar(e.lane, false));
		if (e.engine !== undefined) bars.push(bar(`engine: ${e.engine}`, true));
	});
	placeRows(bars, lanes);

	return {
		name,
		device: recording.device,
		hash: recording.hash(),
		start,
		end,
		entries: events.length,
		summary: summary(events, end - start),
		lanes,
		bars,
	};
}

function engineRank(engine: string): number {
	const rank = ENGINE_ORDER.indexOf(engine);
	return rank < 0 ? ENGINE_ORDER.length : rank;
}

/** Greedy interval packing per lane: each bar takes the first row free at its start. */
function placeRows(bars: TimelineBar[], lanes: TimelineLane[]): void {
	const rowEnds = lanes.map((): number[] => []);
	const order = bars
		.map((_, i) => i)
		.sort((a, b) => {
			const x = bars[a] as TimelineBar;
			const y = bars[b] as TimelineBar;
			return x.start - y.start || x.end - y.end || a - b;
		});
	for (const i of order) {
		const bar = bars[i] as TimelineBar;
		const ends = rowEnds[bar.lane] as number[];
		let row = ends.findIndex((rowEnd) => rowEnd <= bar.start);
		if (row < 0) row = ends.length;
		ends[row] = Math.max(bar.end, bar.start);
		bar.row = row;
	}
	lanes.forEach((lane, l) => {
		lane.rows = Math.max(1, (rowEnds[l] as number[]).length);
	});
}

/** Busy time per engine and how much of the copies ran under compute. */
function summary(events: TimelineEvent[], makespan: number): string[] {
	const busy = (engine: string) =>
		union(events.filter((e) => e.engine === engine && e.end > e.start));
	const compute = busy('compute');
	const copies = union(
		events.filter((e) => (e.engine === 'copy H2D' || e.engine === 'copy D2H') && e.end > e.start),
	);
	const hostBusy = union(events.filter((e) => e.kind === 'host_work' && e.end > e.start));
	const copyTime = length(copies);
	const hidden = length(intersect(copies, compute));
	const lines = [
		`span ${ms(makespan)} ms; compute busy ${ms(length(compute))} ms; copies ${ms(copyTime)} ms; host work ${ms(length(hostBusy))} ms`,
	];
	if (copyTime > 0)
		lines.push(`${((hidden / copyTime) * 100).toFixed(1)}% of copy time overlapped with compute`);
	return lines;
}

type Spans = [number, number][];

function union(events: TimelineEvent[]): Spans {
	const spans = events.map((e): [number, number] => [e.start, e.end]).sort((a, b) => a[0] - b[0]);
	const out: Spans = [];
	for (const [s, e] of spans) {
		const last = out[out.length - 1];
		if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
		else out.push([s, e]);
	}
	return out;
}

function intersect(a: Spans, b: Spans): Spans {
	const out: Spans = [];
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) {
		const [as, ae] = a[i] as [number, number];
		const [bs, be] = b[j] as [number, number];
		const s = Math.max(as, bs);
		const e = Math.min(ae, be);
		if (s < e) out.push([s, e]);
		if (ae < be) i++;
		else j++;
	}
	return out;
}

function length(spans: Spans): number {
	return spans.reduce((sum, [s, e]) => sum + (e - s), 0);
}

function ms(ns: number): string {
	return (ns / 1e6).toFixed(3);
}
