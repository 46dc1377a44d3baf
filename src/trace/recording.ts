/**
 * A recording: every operation a device ran and every span of host time, with virtual (or
 * real) start and end in nanoseconds. It is what timelines are drawn from and what two runs
 * compare by hash.
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

/** One entry of a recording. */
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
}

/** An ordered list of timeline entries, with the device that produced them. */
export class Recording {
	readonly device: string;
	readonly events: TimelineEvent[] = [];

	constructor(device: string) {
		this.device = device;
	}

	/** Appends an entry. */
	add(event: TimelineEvent): void {
		this.events.push(event);
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

	/**
	 * A 64-bit FNV-1a hash (16 hex digits) of every entry in order: equal hashes mean the same
	 * timeline bit for bit. Only integers and strings go in, so it is the same on every host.
	 */
	hash(): string {
		const hash = new Fnv64();
		for (const e of this.events) {
			hash.text(
				`${e.kind}|${e.name}|${e.lane}|${e.engine ?? ''}|${e.start}|${e.end}|${e.bytes ?? ''}\n`,
			);
		}
		return hash.hex();
	}
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
