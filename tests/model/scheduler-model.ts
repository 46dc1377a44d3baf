import fc from 'fast-check';
import * as assert from 'uvu/assert';
import {
	COMPUTE_UNITS,
	Engine,
	OpKind,
	Rec,
	RunMode,
	State,
	StreamKind,
} from '../../src/core/codes.ts';
import { agree, CoreModel, type Real } from './core-model.ts';

/**
 * A plain TypeScript model of the simulated device's scheduler, written from its rules rather
 * than from its code: streams run in issue order; an op starts once released, its stream's
 * earlier ops are done, its wait (if any) is satisfied, the op gap has passed, and its engine
 * has room; each engine (compute, H2D, D2H, host functions, in that order) takes its ready ops
 * by priority (compute only), then ready time, then issue order, and stops at the first that
 * does not fit; zero-time ops complete as they start.
 */

interface SOp {
	id: number;
	stream: number;
	/** Position on its stream: the stream's n-th op has seq n. */
	seq: number;
	kind: number;
	engine: number;
	duration: number;
	units: number;
	release: number;
	order: number;
	waitStream?: number;
	waitSeq?: number;
	event?: number; // marker: the model event index
	output?: number; // marker: completes this model output
	start?: number;
	end?: number;
}

interface SStream {
	handle: number;
	priority: number;
	queue: SOp[];
	issued: number;
	completed: number;
	readyAt: number;
	lastEnd: number;
}

interface SEvent {
	handle: number;
	timing: boolean;
	recorded: boolean;
	stream: number;
	seq: number;
	time: number;
}

/** The scheduler model plus the core model (outputs complete when their marker does). */
export class DeviceModel extends CoreModel {
	now = 0;
	order = 0;
	opGap = 0;
	streams: SStream[] = [];
	events: SEvent[] = [];
	running: SOp[] = [];
	/** Ops completed by the last advance, in completion order, as [op id, start, end]. */
	completedLog: [number, number, number][] = [];

	done(stream: number, seq: number): boolean {
		return (this.streams[stream] as SStream).completed >= seq;
	}

	earliest(op: SOp): number {
		const s = this.streams[op.stream] as SStream;
		const timed = op.engine !== Engine.NONE && op.engine !== Engine.LANE;
		return timed && this.opGap > 0 ? Math.max(op.release, s.lastEnd + this.opGap) : op.release;
	}

	ready(op: SOp): boolean {
		if (op.start !== undefined || this.earliest(op) > this.now) return false;
		return op.kind !== OpKind.WAIT || this.done(op.waitStream as number, op.waitSeq as number);
	}

	complete(op: SOp): void {
		const s = this.streams[op.stream] as SStream;
		s.queue.shift();
		s.completed++;
		s.readyAt = -1;
		if (op.engine !== Engine.NONE && op.engine !== Engine.LANE) s.lastEnd = this.now;
		this.running = this.running.filter((r) => r !== op);
		op.end = this.now;
		if (op.event !== undefined) {
			const e = this.events[op.event] as SEvent;
			if (e.stream === s.handle && e.seq === op.seq) e.time = this.now;
		}
		if (op.output !== undefined) {
			const o = this.outputs[op.output];
			if (o !== undefined && o.refs > 0) {
				o.work = false;
				if (o.state === State.IN_PROGRESS) o.state = State.COMPLETED;
			}
		}
		this.completedLog.push([op.id, op.start as number, this.now]);
	}

	dispatch(): void {
		for (;;) {
			// Zero-time ops first, across all streams, until nothing changes.
			for (let changed = true; changed; ) {
				changed = false;
				for (const s of this.streams) {
					while (s.queue.length > 0) {
						const op = s.queue[0] as SOp;
						if (op.engine !== Engine.NONE || !this.ready(op)) break;
						if (s.readyAt < 0) s.readyAt = this.now;
						op.start = this.now;
						this.complete(op);
						changed = true;
					}
				}
			}
			// Then the engines choose among the ready heads.
			const candidates: SOp[] = [];
			for (const s of this.streams) {
				const op = s.queue[0];
				if (op === undefined || !this.ready(op)) continue;
				if (s.readyAt < 0) s.readyAt = this.now;
				candidates.push(op);
			}
			candidates.sort((a, b) => {
				const [sa, sb] = [this.streams[a.stream] as SStream, this.streams[b.stream] as SStream];
				if (a.engine !== b.engine) return a.engine - b.engine;
				if (a.engine === Engine.COMPUTE && sa.priority !== sb.priority)
					return sa.priority - sb.priority;
				return sa.readyAt - sb.readyAt || a.order - b.order;
			});
			const blocked = new Set<number>();
			let completed = false;
			for (const op of candidates) {
				if (blocked.has(op.engine)) continue;
				const busy = this.running.filter((r) => r.engine === op.engine);
				const fits =
					op.engine === Engine.COMPUTE
						? busy.reduce((sum, r) => sum + r.units, 0) + op.units <= COMPUTE_UNITS
						: busy.length === 0;
				if (!fits) {
					blocked.add(op.engine);
					continue;
				}
				op.start = this.now;
				this.running.push(op);
				if (op.duration === 0) {
					this.complete(op);
					completed = true;
				}
			}
			if (!completed) return;
		}
	}

	/** Runs the clock to `target` (every event up to and at it). */
	advance(target: number): void {
		this.completedLog = [];
		for (;;) {
			this.dispatch();
			if (this.now >= target) return;
			let next = Number.POSITIVE_INFINITY;
			for (const r of this.running) next = Math.min(next, (r.start as number) + r.duration);
			for (const s of this.streams) {
				const head = s.queue[0];
				if (head !== undefined && head.start === undefined && this.earliest(head) > this.now) {
					next = Math.min(next, this.earliest(head));
				}
			}
			if (next > target) {
				this.now = target;
				continue;
			}
			this.now = next;
			const due = this.running.filter((r) => (r.start as number) + r.duration === this.now);
			for (const op of due.sort((a, b) => a.order - b.order)) this.complete(op);
		}
	}
}

type Cmd = fc.Command<DeviceModel, Real>;

const pick = <T>(list: T[], index: number): T | undefined => list[index % Math.max(1, list.length)];

/** The core's and the model's devices agree on every stream, event and the clock. */
function agreeDevice(m: DeviceModel, r: Real): void {
	const raw = r.core.raw;
	assert.is(raw.sim_now(), m.now, 'clock');
	for (const s of m.streams) {
		assert.is(raw.sim_stream_completed(s.handle), s.completed, 'stream completed count');
		assert.is(raw.sim_stream_issued(s.handle), s.issued, 'stream issued count');
	}
	for (const e of m.events) {
		const done =
			!e.recorded ||
			m.done(
				m.streams.findIndex((s) => s.handle === e.stream),
				e.seq,
			);
		assert.is(raw.sim_event_query(e.handle), done ? 1 : 0, 'event query');
		assert.is(raw.sim_event_time(e.handle), e.time, 'event time');
	}
	agree(m, r);
}

class CreateStream implements Cmd {
	constructor(readonly priority: number) {}
	check = (m: DeviceModel) => m.streams.length < 6;
	run(m: DeviceModel, r: Real): void {
		const handle = r.core.raw.sim_stream_create(StreamKind.DEVICE, this.priority);
		m.streams.push({
			handle,
			priority: this.priority,
			queue: [],
			issued: 0,
			completed: 0,
			readyAt: -1,
			lastEnd: -(2 ** 40),
		});
		agreeDevice(m, r);
	}
	toString = () => `createStream(${this.priority})`;
}

const KINDS: [number, number][] = [
	[OpKind.KERNEL, Engine.COMPUTE],
	[OpKind.COPY_H2D, Engine.H2D],
	[OpKind.COPY_D2H, Engine.D2H],
	[OpKind.HOST_FUNC, Engine.HOST_FUNC],
];

class Enqueue implements Cmd {
	constructor(
		readonly stream: number,
		readonly kind: number,
		readonly duration: number,
		readonly units: number,
		readonly delay: number,
	) {}
	check = (m: DeviceModel) => m.streams.length > 0;
	run(m: DeviceModel, r: Real): void {
		const s = pick(m.streams, this.stream) as SStream;
		const [kind, engine] = KINDS[this.kind] as [number, number];
		const units = engine === Engine.COMPUTE ? this.units : 0;
		const release = m.now + this.delay;
		const id = r.core.raw.sim_enqueue(s.handle, kind, engine, this.duration, units, release, 0);
		assert.ok(id >= 0);
		s.issued++;
		s.queue.push({
			id,
			stream: m.streams.indexOf(s),
			seq: s.issued,
			kind,
			engine,
			duration: this.duration,
			units,
			release,
			order: m.order++,
		});
		agreeDevice(m, r);
	}
	toString = () =>
		`enqueue(${this.stream}, ${this.kind}, ${this.duration}, ${this.units}, ${this.delay})`;
}

class CreateEvent implements Cmd {
	constructor(readonly timing: boolean) {}
	check = (m: DeviceModel) => m.events.length < 6;
	run(m: DeviceModel, r: Real): void {
		const handle = r.core.raw.sim_event_create(this.timing ? 1 : 0);
		m.events.push({ handle, timing: this.timing, recorded: false, stream: 0, seq: 0, time: -1 });
		agreeDevice(m, r);
	}
	toString = () => `createEvent(${this.timing})`;
}

class Record implements Cmd {
	constructor(
		readonly event: number,
		readonly stream: number,
	) {}
	check = (m: DeviceModel) => m.events.length > 0 && m.streams.length > 0;
	run(m: DeviceModel, r: Real): void {
		const e = pick(m.events, this.event) as SEvent;
		const s = pick(m.streams, this.stream) as SStream;
		const id = r.core.raw.sim_event_record(e.handle, s.handle, m.now);
		s.issued++;
		Object.assign(e, { recorded: true, stream: s.handle, seq: s.issued, time: -1 });
		s.queue.push({
			id,
			stream: m.streams.indexOf(s),
			seq: s.issued,
			kind: OpKind.MARKER,
			engine: Engine.NONE,
			duration: 0,
			units: 0,
			release: m.now,
			order: m.order++,
			event: m.events.indexOf(e),
		});
		agreeDevice(m, r);
	}
	toString = () => `record(${this.event}, ${this.stream})`;
}

class WaitEvent implements Cmd {
	constructor(
		readonly stream: number,
		readonly event: number,
	) {}
	check = (m: DeviceModel) => m.events.length > 0 && m.streams.length > 0;
	run(m: DeviceModel, r: Real): void {
		const s = pick(m.streams, this.stream) as SStream;
		const e = pick(m.events, this.event) as SEvent;
		const on = e.recorded
			? m.streams.findIndex((x) => x.handle === e.stream)
			: m.streams.indexOf(s);
		const seq = e.recorded ? e.seq : 0;
		const id = r.core.raw.sim_enqueue_wait(s.handle, (m.streams[on] as SStream).handle, seq, m.now);
		s.issued++;
		s.queue.push({
			id,
			stream: m.streams.indexOf(s),
			seq: s.issued,
			kind: OpKind.WAIT,
			engine: Engine.NONE,
			duration: 0,
			units: 0,
			release: m.now,
			order: m.order++,
			waitStream: on,
			waitSeq: seq,
		});
		agreeDevice(m, r);
	}
	toString = () => `waitEvent(${this.stream}, ${this.event})`;
}

class BindOutput implements Cmd {
	constructor(
		readonly stream: number,
		readonly output: number,
	) {}
	check = (m: DeviceModel) => m.streams.length > 0 && m.outputs.length > 0;
	run(m: DeviceModel, r: Real): void {
		const s = pick(m.streams, this.stream) as SStream;
		const oi = this.output % m.outputs.length;
		const o = m.outputs[oi] as { handle: number };
		const raw = r.core.raw;
		const event = raw.sim_event_create(0);
		const id = raw.sim_event_record(event, s.handle, m.now);
		raw.sim_event_destroy(event);
		raw.sim_op_signal(id, o.handle);
		if ((m.outputs[oi] as { refs: number }).refs > 0)
			(m.outputs[oi] as { work: boolean }).work = true;
		s.issued++;
		s.queue.push({
			id,
			stream: m.streams.indexOf(s),
			seq: s.issued,
			kind: OpKind.MARKER,
			engine: Engine.NONE,
			duration: 0,
			units: 0,
			release: m.now,
			order: m.order++,
			output: oi,
		});
		agreeDevice(m, r);
	}
	toString = () => `bindOutput(${this.stream}, ${this.output})`;
}

class Advance implements Cmd {
	constructor(readonly dt: number) {}
	check = () => true;
	run(m: DeviceModel, r: Real): void {
		const target = m.now + this.dt;
		const raw = r.core.raw;
		const got: [number, number, number][] = [];
		for (;;) {
			const stop = raw.sim_run(RunMode.UNTIL_TIME, target);
			const report = r.core.report();
			for (let at = 0; at < report.length; at += Rec.LANES) {
				if (report[at] === Rec.OP_END)
					got.push([report[at + 1] as number, report[at + 4] as number, report[at + 5] as number]);
			}
			if (stop !== 2) break;
		}
		m.advance(target);
		assert.equal(got, m.completedLog, 'the same ops complete at the same times, in the same order');
		agreeDevice(m, r);
	}
	toString = () => `advance(${this.dt})`;
}

class Elapsed implements Cmd {
	constructor(
		readonly a: number,
		readonly b: number,
	) {}
	check = (m: DeviceModel) => m.events.length > 0;
	run(m: DeviceModel, r: Real): void {
		const [a, b] = [pick(m.events, this.a) as SEvent, pick(m.events, this.b) as SEvent];
		const code = r.core.raw.sim_event_elapsed(a.handle, b.handle);
		if (!a.timing || !b.timing) assert.is(code, -10, 'timing disabled first');
		else if (!a.recorded || !b.recorded) assert.is(code, -11, 'then never recorded');
		else if (a.time < 0 || b.time < 0) assert.is(code, -12, 'then not ready');
		else {
			assert.is(code, 0);
			assert.is(r.core.floats(1)[0], b.time - a.time);
		}
	}
	toString = () => `elapsed(${this.a}, ${this.b})`;
}

/** Three streams of priorities -1, 0 and 1 and two events, so that programs contend early. */
export function setupDevice(m: DeviceModel, r: Real): void {
	for (const command of [
		new CreateStream(-1),
		new CreateStream(0),
		new CreateStream(1),
		new CreateEvent(true),
		new CreateEvent(false),
	]) {
		command.run(m, r);
	}
}

const index = fc.nat(31);

/** Commands on streams, events, the clock, and outputs bound to stream work. */
export const deviceCommands = [
	fc.integer({ min: -1, max: 1 }).map((p) => new CreateStream(p)),
	fc
		.tuple(
			index,
			fc.nat(3),
			fc.constantFrom(0, 1, 5, 10, 25),
			fc.constantFrom(256, 512, 1024),
			fc.constantFrom(0, 0, 3, 7),
		)
		.map(([s, k, d, u, delay]) => new Enqueue(s, k, d, u, delay)),
	fc.boolean().map((t) => new CreateEvent(t)),
	fc.tuple(index, index).map(([e, s]) => new Record(e, s)),
	fc.tuple(index, index).map(([s, e]) => new WaitEvent(s, e)),
	fc.tuple(index, index).map(([s, o]) => new BindOutput(s, o)),
	fc.constantFrom(0, 1, 3, 10, 40).map((dt) => new Advance(dt)),
	fc.tuple(index, index).map(([a, b]) => new Elapsed(a, b)),
];
