import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { CoreCode, State } from '../../src/core/codes.ts';
import type { Core } from '../../src/core/core.ts';

/**
 * A plain TypeScript model of the core's rules (outputs, handlers, barriers, double buffers),
 * and fast-check commands that drive the Wasm core and the model side by side. After every
 * command the two must agree on every result code and on the whole observable state.
 */

const LEGAL = new Set(['0>1', '0>4', '1>2', '1>3', '1>4']);
const terminal = (state: number) => state >= State.COMPLETED;

interface MOutput {
	handle: number;
	state: number;
	delivered: boolean;
	owner: number; // index of the handler + 1, or 0
	refs: number;
	jsHeld: boolean;
	/** Device work bound to it is in flight. */
	work: boolean;
}

interface MHandler {
	handle: number;
	max: number;
	pending: number[]; // output indices
	finished: number[];
	taken: number;
	submitted: number;
	rejected: number;
	completed: number;
	failed: number;
	cancelled: number;
	polls: number;
	peak: number;
	alive: boolean;
}

interface MBarrier {
	handle: number;
	count: number;
	members: number[];
	generation: number;
	alive: boolean;
}

interface MBuffer {
	handle: number;
	states: number[];
	fences: number[]; // output index + 1, or 0
	current: number;
	swaps: number;
	alive: boolean;
}

/** The model; `delivered` counts deliveries per output for the exactly-once invariant. */
export class CoreModel {
	outputs: MOutput[] = [];
	handlers: MHandler[] = [];
	barriers: MBarrier[] = [];
	buffers: MBuffer[] = [];
	deliveries = new Map<number, number>();

	live(o: number): boolean {
		return (this.outputs[o] as MOutput).refs > 0;
	}

	retain(o: number): void {
		(this.outputs[o] as MOutput).refs++;
	}

	release(o: number): void {
		(this.outputs[o] as MOutput).refs--;
	}

	/** Moves pending -> finished for every terminal output, in submission order. */
	collect(h: MHandler): void {
		const kept: number[] = [];
		for (const o of h.pending) {
			const out = this.outputs[o] as MOutput;
			if (!terminal(out.state)) {
				kept.push(o);
				continue;
			}
			h.finished.push(o);
			if (out.state === State.COMPLETED) h.completed++;
			else if (out.state === State.FAILED) h.failed++;
			else h.cancelled++;
		}
		h.pending = kept;
	}

	refreshBuffer(d: MBuffer): void {
		d.states.forEach((state, i) => {
			if (state !== 2) return;
			const fence = (d.fences[i] as number) - 1;
			const out = this.outputs[fence] as MOutput;
			if (fence >= 0 && this.live(fence) && (!terminal(out.state) || out.work)) return;
			d.states[i] = 0;
			d.fences[i] = 0;
			if (fence >= 0) this.release(fence);
		});
	}
}

export interface Real {
	core: Core;
}

type Cmd = fc.Command<CoreModel, Real>;

const expectCode = (actual: number, expected: number, what: string) =>
	assert.is(actual, expected, what);

/** Compares every live output, handler, barrier and buffer of the model with the core. */
export function agree(model: CoreModel, real: Real): void {
	const raw = real.core.raw;
	model.outputs.forEach((o, i) => {
		if (o.refs > 0) {
			assert.is(raw.output_state(o.handle), o.state, `output ${i} state`);
			assert.is(raw.output_delivered(o.handle), o.delivered ? 1 : 0, `output ${i} delivered`);
			assert.is(
				raw.output_owner(o.handle),
				o.owner === 0 ? 0 : (model.handlers[o.owner - 1] as MHandler).handle,
				`output ${i} owner`,
			);
		} else {
			assert.is(raw.output_state(o.handle), -CoreCode.STALE_HANDLE, `output ${i} freed`);
		}
	});
	assert.is(raw.output_live(), model.outputs.filter((o) => o.refs > 0).length, 'live rows');
	for (const h of model.handlers.filter((h) => h.alive)) {
		// Every query of a handler first moves its finished outputs out of pending.
		model.collect(h);
		const n = raw.handler_finished(h.handle);
		assert.equal(
			[...real.core.ints(n)],
			h.finished.map((o) => (model.outputs[o] as MOutput).handle),
			'finished list',
		);
		assert.is(raw.handler_taken(h.handle), h.taken, 'taken');
		const p = raw.handler_pending(h.handle);
		assert.equal(
			[...real.core.ints(p)],
			h.pending.map((o) => (model.outputs[o] as MOutput).handle),
			'pending list',
		);
		const s = real.core.floats(raw.handler_stats(h.handle));
		assert.equal(
			[...s],
			[
				h.submitted,
				h.rejected,
				h.completed,
				h.failed,
				h.cancelled,
				h.polls,
				h.pending.length,
				h.finished.length,
				h.peak,
				h.max,
			],
			'stats',
		);
	}
	for (const b of model.barriers.filter((b) => b.alive)) {
		const arrived = b.members.filter((o) => terminal((model.outputs[o] as MOutput).state)).length;
		assert.is(raw.barrier_arrived(b.handle), arrived, 'arrived');
		assert.is(raw.barrier_added(b.handle), b.members.length, 'added');
		assert.is(raw.barrier_generation(b.handle), b.generation, 'generation');
	}
	for (const d of model.buffers.filter((d) => d.alive)) {
		model.refreshBuffer(d);
		assert.equal([...real.core.ints(raw.db_states(d.handle))], d.states, 'slot states');
		assert.is(raw.db_current(d.handle), d.current, 'current slot');
		assert.is(raw.db_swaps(d.handle), d.swaps, 'swaps');
	}
}

const pick = <T>(list: T[], index: number): [T, number] | undefined => {
	if (list.length === 0) return undefined;
	const i = index % list.length;
	return [list[i] as T, i];
};

class CreateOutput implements Cmd {
	check = () => true;
	run(m: CoreModel, r: Real): void {
		const handle = r.core.raw.output_create();
		assert.ok(handle > 0);
		m.outputs.push({
			handle,
			state: State.PENDING,
			delivered: false,
			owner: 0,
			refs: 1,
			jsHeld: true,
			work: false,
		});
		agree(m, r);
	}
	toString = () => 'createOutput';
}

class Move implements Cmd {
	constructor(
		readonly index: number,
		readonly to: number,
	) {}
	check = (m: CoreModel) => m.outputs.length > 0;
	run(m: CoreModel, r: Real): void {
		const [o] = pick(m.outputs, this.index) as [MOutput, number];
		const result = r.core.raw.output_move(o.handle, this.to, 1);
		if (o.refs === 0) expectCode(result, -CoreCode.STALE_HANDLE, 'move of a freed output');
		else if (LEGAL.has(`${o.state}>${this.to}`)) {
			expectCode(result, 0, 'legal move');
			o.state = this.to;
		} else expectCode(result, -CoreCode.INVALID_TRANSITION, 'illegal move');
		agree(m, r);
	}
	toString = () => `move(${this.index}, ${this.to})`;
}

class Deliver implements Cmd {
	constructor(readonly index: number) {}
	check = (m: CoreModel) => m.outputs.length > 0;
	run(m: CoreModel, r: Real): void {
		const [o, i] = pick(m.outputs, this.index) as [MOutput, number];
		const result = r.core.raw.output_deliver(o.handle);
		if (o.refs === 0) expectCode(result, -CoreCode.STALE_HANDLE, 'deliver freed');
		else if (!terminal(o.state)) expectCode(result, -CoreCode.NOT_FINISHED, 'deliver unfinished');
		else if (o.delivered) expectCode(result, -CoreCode.ALREADY_DELIVERED, 'deliver twice');
		else {
			expectCode(result, 0, 'deliver');
			o.delivered = true;
			m.deliveries.set(i, (m.deliveries.get(i) ?? 0) + 1);
		}
		agree(m, r);
	}
	toString = () => `deliver(${this.index})`;
}

class Release implements Cmd {
	constructor(readonly index: number) {}
	check = (m: CoreModel) => m.outputs.some((o) => o.jsHeld);
	run(m: CoreModel, r: Real): void {
		const held = m.outputs.filter((o) => o.jsHeld);
		const [o] = pick(held, this.index) as [MOutput, number];
		expectCode(r.core.raw.output_release(o.handle), 0, 'release');
		o.jsHeld = false;
		o.refs--;
		agree(m, r);
	}
	toString = () => `release(${this.index})`;
}

class CreateHandler implements Cmd {
	constructor(readonly max: number) {}
	check = () => true;
	run(m: CoreModel, r: Real): void {
		const handle = r.core.raw.handler_create(this.max);
		m.handlers.push({
			handle,
			max: this.max,
			pending: [],
			finished: [],
			taken: 0,
			submitted: 0,
			rejected: 0,
			completed: 0,
			failed: 0,
			cancelled: 0,
			polls: 0,
			peak: 0,
			alive: true,
		});
		agree(m, r);
	}
	toString = () => `createHandler(${this.max})`;
}

class Submit implements Cmd {
	constructor(
		readonly handler: number,
		readonly output: number,
	) {}
	check = (m: CoreModel) => m.handlers.length > 0 && m.outputs.length > 0;
	run(m: CoreModel, r: Real): void {
		const [h, hi] = pick(m.handlers, this.handler) as [MHandler, number];
		const [o, oi] = pick(m.outputs, this.output) as [MOutput, number];
		const result = r.core.raw.handler_submit(h.handle, o.handle);
		if (!h.alive || o.refs === 0) expectCode(result, -CoreCode.STALE_HANDLE, 'submit stale');
		else if (o.owner !== 0) expectCode(result, -CoreCode.ALREADY_SUBMITTED, 'submit owned');
		else if (h.pending.length >= h.max) {
			expectCode(result, 0, 'submit full');
			h.rejected++;
		} else {
			expectCode(result, 1, 'submit');
			h.pending.push(oi);
			o.owner = hi + 1;
			m.retain(oi);
			h.submitted++;
			h.peak = Math.max(h.peak, h.pending.length);
		}
		agree(m, r);
	}
	toString = () => `submit(${this.handler}, ${this.output})`;
}

class Poll implements Cmd {
	constructor(readonly handler: number) {}
	check = (m: CoreModel) => m.handlers.some((h) => h.alive);
	run(m: CoreModel, r: Real): void {
		const [h] = pick(
			m.handlers.filter((h) => h.alive),
			this.handler,
		) as [MHandler, number];
		const n = r.core.raw.handler_poll(h.handle);
		const got = [...r.core.ints(n)];
		h.polls++;
		m.collect(h);
		const expected = h.finished.slice(h.taken).map((o) => (m.outputs[o] as MOutput).handle);
		h.taken = h.finished.length;
		assert.equal(got, expected, 'poll hands out every finished output once, in order');
		agree(m, r);
	}
	toString = () => `poll(${this.handler})`;
}

class TakeOne implements Cmd {
	constructor(readonly handler: number) {}
	check = (m: CoreModel) => m.handlers.some((h) => h.alive);
	run(m: CoreModel, r: Real): void {
		const [h] = pick(
			m.handlers.filter((h) => h.alive),
			this.handler,
		) as [MHandler, number];
		const got = r.core.raw.handler_take_one(h.handle);
		m.collect(h);
		if (h.taken === h.finished.length) expectCode(got, 0, 'nothing to take');
		else
			expectCode(got, (m.outputs[h.finished[h.taken++] as number] as MOutput).handle, 'take one');
		agree(m, r);
	}
	toString = () => `takeOne(${this.handler})`;
}

class ClearCompleted implements Cmd {
	constructor(readonly handler: number) {}
	check = (m: CoreModel) => m.handlers.some((h) => h.alive);
	run(m: CoreModel, r: Real): void {
		const [h] = pick(
			m.handlers.filter((h) => h.alive),
			this.handler,
		) as [MHandler, number];
		const cleared = r.core.raw.handler_clear_completed(h.handle);
		expectCode(cleared, h.taken, 'cleared');
		for (const o of h.finished.slice(0, h.taken)) {
			(m.outputs[o] as MOutput).owner = 0;
			m.release(o);
		}
		h.finished = h.finished.slice(h.taken);
		h.taken = 0;
		agree(m, r);
	}
	toString = () => `clearCompleted(${this.handler})`;
}

class DestroyHandler implements Cmd {
	constructor(readonly handler: number) {}
	check = (m: CoreModel) => m.handlers.some((h) => h.alive);
	run(m: CoreModel, r: Real): void {
		const [h] = pick(
			m.handlers.filter((h) => h.alive),
			this.handler,
		) as [MHandler, number];
		expectCode(r.core.raw.handler_destroy(h.handle), 0, 'destroy handler');
		for (const o of [...h.pending, ...h.finished]) {
			(m.outputs[o] as MOutput).owner = 0;
			m.release(o);
		}
		h.alive = false;
		agree(m, r);
	}
	toString = () => `destroyHandler(${this.handler})`;
}

class CreateBarrier implements Cmd {
	constructor(readonly count: number) {}
	check = () => true;
	run(m: CoreModel, r: Real): void {
		m.barriers.push({
			handle: r.core.raw.barrier_create(this.count),
			count: this.count,
			members: [],
			generation: 0,
			alive: true,
		});
		agree(m, r);
	}
	toString = () => `createBarrier(${this.count})`;
}

class BarrierAdd implements Cmd {
	constructor(
		readonly barrier: number,
		readonly output: number,
	) {}
	check = (m: CoreModel) => m.barriers.some((b) => b.alive) && m.outputs.length > 0;
	run(m: CoreModel, r: Real): void {
		const [b] = pick(
			m.barriers.filter((b) => b.alive),
			this.barrier,
		) as [MBarrier, number];
		const [o, oi] = pick(m.outputs, this.output) as [MOutput, number];
		const result = r.core.raw.barrier_add(b.handle, o.handle);
		if (o.refs === 0) expectCode(result, -CoreCode.STALE_HANDLE, 'add freed');
		else if (b.members.length === b.count)
			expectCode(result, -CoreCode.FULL, 'add to full barrier');
		else if (b.members.includes(oi)) expectCode(result, -CoreCode.DUPLICATE, 'add twice');
		else {
			b.members.push(oi);
			m.retain(oi);
			expectCode(result, b.members.length, 'add');
		}
		agree(m, r);
	}
	toString = () => `barrierAdd(${this.barrier}, ${this.output})`;
}

class BarrierReset implements Cmd {
	constructor(readonly barrier: number) {}
	check = (m: CoreModel) => m.barriers.some((b) => b.alive);
	run(m: CoreModel, r: Real): void {
		const [b] = pick(
			m.barriers.filter((b) => b.alive),
			this.barrier,
		) as [MBarrier, number];
		expectCode(r.core.raw.barrier_reset(b.handle), b.generation + 1, 'reset');
		for (const o of b.members) m.release(o);
		b.members = [];
		b.generation++;
		agree(m, r);
	}
	toString = () => `barrierReset(${this.barrier})`;
}

class CreateBuffer implements Cmd {
	constructor(readonly slots: number) {}
	check = () => true;
	run(m: CoreModel, r: Real): void {
		const states = new Array(this.slots).fill(0);
		states[0] = 1;
		m.buffers.push({
			handle: r.core.raw.db_create(this.slots),
			states,
			fences: new Array(this.slots).fill(0),
			current: 0,
			swaps: 0,
			alive: true,
		});
		agree(m, r);
	}
	toString = () => `createBuffer(${this.slots})`;
}

class Transfer implements Cmd {
	constructor(
		readonly buffer: number,
		readonly output: number,
	) {}
	check = (m: CoreModel) => m.buffers.length > 0 && m.outputs.length > 0;
	run(m: CoreModel, r: Real): void {
		const [d] = pick(m.buffers, this.buffer) as [MBuffer, number];
		const [o, oi] = pick(m.outputs, this.output) as [MOutput, number];
		const result = r.core.raw.db_transfer(d.handle, o.handle);
		if (o.refs === 0) expectCode(result, -CoreCode.STALE_HANDLE, 'transfer with freed fence');
		else if (d.states[d.current] !== 1)
			expectCode(result, -CoreCode.INVALID_TRANSITION, 'transfer twice');
		else {
			expectCode(result, d.current, 'transfer');
			d.states[d.current] = 2;
			d.fences[d.current] = oi + 1;
			m.retain(oi);
		}
		agree(m, r);
	}
	toString = () => `transfer(${this.buffer}, ${this.output})`;
}

class Swap implements Cmd {
	constructor(readonly buffer: number) {}
	check = (m: CoreModel) => m.buffers.length > 0;
	run(m: CoreModel, r: Real): void {
		const [d] = pick(m.buffers, this.buffer) as [MBuffer, number];
		const result = r.core.raw.db_swap(d.handle);
		m.refreshBuffer(d);
		const next = (d.current + 1) % d.states.length;
		if (d.states[next] !== 0) expectCode(result, -CoreCode.BUSY, 'swap busy');
		else {
			expectCode(result, next, 'swap');
			if (d.states[d.current] === 1) d.states[d.current] = 0;
			d.states[next] = 1;
			d.current = next;
			d.swaps++;
		}
		agree(m, r);
	}
	toString = () => `swap(${this.buffer})`;
}

class ResetBuffer implements Cmd {
	constructor(readonly buffer: number) {}
	check = (m: CoreModel) => m.buffers.length > 0;
	run(m: CoreModel, r: Real): void {
		const [d] = pick(m.buffers, this.buffer) as [MBuffer, number];
		const result = r.core.raw.db_reset(d.handle);
		m.refreshBuffer(d);
		if (d.states.includes(2)) expectCode(result, -CoreCode.BUSY, 'reset busy');
		else {
			expectCode(result, 0, 'reset');
			d.states = d.states.map((_, i) => (i === 0 ? 1 : 0));
			d.current = 0;
			d.swaps = 0;
		}
		agree(m, r);
	}
	toString = () => `resetBuffer(${this.buffer})`;
}

const index = fc.nat(31);

/** Every command, with arbitrary targets. */
export const coreCommands = [
	fc.constant(new CreateOutput()),
	fc.tuple(index, fc.integer({ min: 0, max: 4 })).map(([i, to]) => new Move(i, to)),
	fc.tuple(index, fc.constantFrom(1, 2, 2, 3, 4)).map(([i, to]) => new Move(i, to)),
	index.map((i) => new Deliver(i)),
	index.map((i) => new Release(i)),
	fc.integer({ min: 1, max: 4 }).map((n) => new CreateHandler(n)),
	fc.tuple(index, index).map(([h, o]) => new Submit(h, o)),
	index.map((h) => new Poll(h)),
	index.map((h) => new TakeOne(h)),
	index.map((h) => new ClearCompleted(h)),
	index.map((h) => new DestroyHandler(h)),
	fc.integer({ min: 1, max: 3 }).map((n) => new CreateBarrier(n)),
	fc.tuple(index, index).map(([b, o]) => new BarrierAdd(b, o)),
	index.map((b) => new BarrierReset(b)),
	fc.integer({ min: 2, max: 3 }).map((n) => new CreateBuffer(n)),
	fc.tuple(index, index).map(([d, o]) => new Transfer(d, o)),
	index.map((d) => new Swap(d)),
	index.map((d) => new ResetBuffer(d)),
];

/**
 * The invariants that hold at the end of any sequence: no output was delivered twice, and
 * every finished output a handler took out of pending is in its finished list exactly once.
 */
export function invariants(model: CoreModel): void {
	for (const [o, n] of model.deliveries) assert.ok(n <= 1, `output ${o} delivered ${n} times`);
	for (const h of model.handlers.filter((h) => h.alive)) {
		assert.is(
			new Set([...h.pending, ...h.finished]).size,
			h.pending.length + h.finished.length,
			'no output twice in a handler',
		);
	}
}
