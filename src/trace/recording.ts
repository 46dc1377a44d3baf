/**
 * A recording: every operation a device was given (with the time the host issued it and what
 * it waited for) and every span of time it ran or the host spent, with virtual (or real) start
 * and end in nanoseconds. It is what timelines are drawn from, what replays run again, and what
 * two runs compare by hash.
 *
 *   streams  [{ label, priority }]                      the streams, in order of first use
 *   ops      [{ stream, kind, name, releaseNs, ... }]   what the host issued, in issue order
 *   events   [{ kind, name, lane, start, end, op? }]    what ran (op: index into ops), and
 *                                                       host spans (work, waits)
 */

/** What a timeline entry is. */
export type TimelineKind =
	| 'kernel'
	| 'copy_h2d'
	| 'copy_d2h'
	| 'copy_d2d'
	| 'memset'
	| 'event_record'
	| 'stream_wait'
	| 'host_func'
	| 'host_work'
	| 'host_wait'
	| 'launch';

/** The kinds an issued device operation can have. */
export const OP_KINDS = [
	'kernel',
	'copy_h2d',
	'copy_d2h',
	'copy_d2d',
	'memset',
	'event_record',
	'stream_wait',
	'host_func',
] as const satisfies readonly TimelineKind[];

/** The kind of an issued device operation. */
export type OpKind = (typeof OP_KINDS)[number];

/** One entry of a recording's timeline. */
export interface TimelineEvent {
	kind: TimelineKind;
	name: string;
	/** The stream (or 'host') it ran on. */
	lane: string;
	/** The engine that ran it, when it used one ('compute', 'copy H2D', 'copy D2H'). */
	engine?: string;
	start: number;
	end: number;
	bytes?: number;
	/** The issued operation it is the run of (an index into `Recording.ops`). */
	op?: number;
}

/** A stream as a recording knows it. */
export interface RecordedStream {
	label: string;
	/** Lower runs first on the compute engine. */
	priority: number;
}

/** A device operation as the host issued it: enough to schedule it again. */
export interface IssuedOp {
	/** Index into `Recording.streams`. */
	stream: number;
	kind: OpKind;
	name: string;
	/** The engine it needs ('compute', 'copy H2D', 'copy D2H', 'host functions'). */
	engine?: string;
	bytes?: number;
	/** When the host released it to the device, ns. */
	releaseNs: number;
	/** How long it runs once started, ns; -1 for a kernel that never ends. */
	durationNs: number;
	/** Its share of the compute engine, in the core's units (1024 = all of it). */
	units: number;
	/** It faults when it ends (an injected fault). */
	fault?: boolean;
	/** Stream waits: the stream waited on and how many of its recorded ops must be done. */
	waitFor?: { stream: number; seq: number };
}

/** An ordered list of timeline entries, with the device that produced them. */
export class Recording {
	readonly device: string;
	readonly events: TimelineEvent[] = [];
	readonly streams: RecordedStream[] = [];
	readonly ops: IssuedOp[] = [];
	/** The profile the run used, when the device had one. */
	profile: string | undefined;
	/** The least time between two engine ops of a stream, ns (the profile's `opGapNs`). */
	opGapNs = 0;
	/** How far the device's clock had run when the recording ended, ns. */
	clockNs = 0;

	constructor(device: string) {
		this.device = device;
	}

	/** Appends an entry. */
	add(event: TimelineEvent): void {
		this.events.push(event);
	}

	/** Appends a stream; returns its index. */
	addStream(stream: RecordedStream): number {
		this.streams.push(stream);
		return this.streams.length - 1;
	}

	/** Appends an issued operation; returns its index. */
	addOp(op: IssuedOp): number {
		this.ops.push(op);
		return this.ops.length - 1;
	}

	/** The lanes in order of first appearance, 'host' first. */
	lanes(): string[] {
		const seen = new Set<string>(['host']);
		for (const e of this.events) seen.add(e.lane);
		return [...seen];
	}

	/** The time span covered: [first start, last end] in ns. */
	span(): [number, number] {
		let lo = Number.POSITIVE_INFINITY;
		let hi = 0;
		for (const e of this.events) {
			if (e.start < lo) lo = e.start;
			if (e.end > hi) hi = e.end;
		}
		return this.events.length === 0 ? [0, 0] : [lo, hi];
	}

	/** The timeline in canonical order: by start, end, lane, kind, name, engine, bytes, op. */
	sortedEvents(): TimelineEvent[] {
		return [...this.events].sort(compareEvents);
	}

	/**
	 * A 64-bit FNV-1a hash (16 hex digits) of the streams, the issued operations in issue order
	 * and the timeline in canonical order: equal hashes mean the same run bit for bit. The order
	 * in which a device happened to report entries does not count, so a replay that loads all
	 * work at once hashes like the run it replays. Only integers and strings go in, so it is the
	 * same on every host.
	 */
	hash(): string {
		const hash = new Fnv64();
		for (const s of this.streams) hash.text(`s|${s.label}|${s.priority}\n`);
		for (const o of this.ops) {
			const wait = o.waitFor === undefined ? '' : `${o.waitFor.stream}:${o.waitFor.seq}`;
			hash.text(
				`o|${o.stream}|${o.kind}|${o.name}|${o.engine ?? ''}|${o.bytes ?? ''}|${o.releaseNs}|${o.durationNs}|${o.units}|${o.fault === true ? 1 : 0}|${wait}\n`,
			);
		}
		for (const e of this.sortedEvents()) {
			hash.text(
				`${e.kind}|${e.name}|${e.lane}|${e.engine ?? ''}|${e.start}|${e.end}|${e.bytes ?? ''}|${e.op ?? ''}\n`,
			);
		}
		return hash.hex();
	}
}

function compareEvents(a: TimelineEvent, b: TimelineEvent): number {
	return (
		a.start - b.start ||
		a.end - b.end ||
		compareText(a.lane, b.lane) ||
		compareText(a.kind, b.kind) ||
		compareText(a.name, b.name) ||
		compareText(a.engine ?? '', b.engine ?? '') ||
		(a.bytes ?? -1) - (b.bytes ?? -1) ||
		(a.op ?? -1) - (b.op ?? -1)
	);
}

/** Code-unit order, the same everywhere (localeCompare depends on the host's locale). */
function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * 64-bit FNV-1a over UTF-16 code units, in four 16-bit limbs so that every product stays an
 * exact integer in a double. prime = 2^40 + 0x1b3, offset basis = 0xcbf29ce484222325.
 */
export class Fnv64 {
	#a = [0x2325, 0x8422, 0x9ce4, 0xcbf2];

	/** Mixes in a string. */
	text(value: string): void {
		const a = this.#a;
		for (let i = 0; i < value.length; i++) {
			a[0] = (a[0] as number) ^ value.charCodeAt(i);
			const [a0, a1, a2, a3] = a as [number, number, number, number];
			let r0 = a0 * 0x1b3;
			let r1 = a1 * 0x1b3 + (r0 >>> 16);
			let r2 = a2 * 0x1b3 + a0 * 0x100 + (r1 >>> 16);
			const r3 = a3 * 0x1b3 + a1 * 0x100 + (r2 >>> 16);
			r0 &= 0xffff;
			r1 &= 0xffff;
			r2 &= 0xffff;
			a[0] = r0;
			a[1] = r1;
			a[2] = r2;
			a[3] = r3 & 0xffff;
		}
	}

	/** The hash as 16 hex digits. */
	hex(): string {
		return this.#a
			.map((limb) => limb.toString(16).padStart(4, '0'))
			.reverse()
			.join('');
	}
}
