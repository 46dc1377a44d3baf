import Denque from 'denque';
import { Core } from '../src/core/core.ts';
import { AsyncOutput, AsyncOutputHandler, createDevice } from '../src/index.ts';
import { compare, type Row, rate, ratio, times, writeResult } from './lib/harness.ts';

/**
 * The queue: items pushed and popped per second, in batches of 256, against denque doing the
 * same pushes and shifts in the same run.
 *
 * - core ring: the core's ring queue (assembly/ring-queue.ts) through its batch entry points:
 *   the host writes a batch of i32 items into the core's input area and pushes them in one
 *   call (ring_push_input), then pops them in one call (ring_shift_many) and reads them back.
 * - handler queue: what users do with it: a batch of finished outputs goes into a handler's
 *   pending queue with submitMany() (one call into the core) and comes out with poll() (one
 *   call), then clearCompleted(); against denque holding the same AsyncOutput objects.
 * - handler core calls alone: the floor under the handler queue: the same three calls into the
 *   core on handles already written to its input area, with no objects on the host side (the
 *   core checks, owns and state-checks each output; denque moves a pointer).
 */

const BATCH = 256;
const CALLS = 16;
const ITEMS = BATCH * CALLS;

// Core ring ------------------------------------------------------------------------------------

const core = await Core.create();
const raw = core.raw;
const ring = raw.ring_create(BATCH, 0);
const items = Int32Array.from({ length: BATCH }, (_, i) => i + 1);
const EXPECTED = CALLS * ((BATCH * (BATCH + 1)) / 2);

function coreRing(): void {
	let sum = 0;
	for (let call = 0; call < CALLS; call++) {
		core.input(BATCH).set(items);
		if (raw.ring_push_input(ring, BATCH) !== BATCH) throw new Error('ring full');
		const n = raw.ring_shift_many(ring, BATCH);
		const out = core.ints(n);
		for (let i = 0; i < n; i++) sum += out[i] as number;
	}
	if (sum !== EXPECTED) throw new Error(`core ring: sum ${sum}, expected ${EXPECTED}`);
}

const denque = new Denque<number>();

function denqueInts(): void {
	let sum = 0;
	for (let call = 0; call < CALLS; call++) {
		for (let i = 0; i < BATCH; i++) denque.push(items[i] as number);
		for (let i = 0; i < BATCH; i++) sum += denque.shift() as number;
	}
	if (sum !== EXPECTED) throw new Error(`denque: sum ${sum}, expected ${EXPECTED}`);
}

// Handler queue --------------------------------------------------------------------------------

const device = await createDevice('sim');
const handler = new AsyncOutputHandler<number>({ device, maxPending: BATCH });
const outputs = Array.from({ length: BATCH }, () => {
	const output = new AsyncOutput<number>(device);
	output.markStarted();
	output.markCompleted(1);
	return output;
});

function handlerQueue(): void {
	let n = 0;
	for (let call = 0; call < CALLS; call++) {
		if (handler.submitMany(outputs) !== BATCH) throw new Error('handler full');
		for (const output of handler.poll()) n += output === undefined ? 0 : 1;
		handler.clearCompleted();
	}
	if (n !== ITEMS) throw new Error(`handler queue: ${n} outputs, expected ${ITEMS}`);
}

const floorDevice = await createDevice('sim');
const floorRaw = floorDevice.core.raw;
const floorHandler = floorRaw.handler_create(BATCH);
const floorHandles = Int32Array.from({ length: BATCH }, () => {
	const output = new AsyncOutput<number>(floorDevice);
	output.markStarted();
	output.markCompleted(1);
	return output.handle;
});

function handlerCoreCalls(): void {
	let n = 0;
	for (let call = 0; call < CALLS; call++) {
		floorDevice.core.input(BATCH).set(floorHandles);
		if (floorRaw.handler_submit_many(floorHandler, BATCH) !== BATCH) throw new Error('full');
		n += floorRaw.handler_poll(floorHandler);
		floorRaw.handler_clear_completed(floorHandler);
	}
	if (n !== ITEMS) throw new Error(`handler core calls: ${n} outputs, expected ${ITEMS}`);
}

const objects = new Denque<AsyncOutput<number>>();

function denqueObjects(): void {
	let n = 0;
	for (let call = 0; call < CALLS; call++) {
		for (let i = 0; i < BATCH; i++) objects.push(outputs[i] as AsyncOutput<number>);
		for (let i = 0; i < BATCH; i++) n += objects.shift() === undefined ? 0 : 1;
	}
	if (n !== ITEMS) throw new Error(`denque objects: ${n}, expected ${ITEMS}`);
}

const rates = await compare(
	[
		{ name: 'core ring', items: ITEMS, fn: coreRing },
		{ name: 'denque ints', items: ITEMS, fn: denqueInts },
		{ name: 'handler queue', items: ITEMS, fn: handlerQueue },
		{ name: 'denque outputs', items: ITEMS, fn: denqueObjects },
		{ name: 'handler core calls', items: ITEMS, fn: handlerCoreCalls },
	],
	{ rounds: 7, timeMs: 150 },
);

const rows: Row[] = [];
for (const [ours, anchor, what] of [
	['core ring', 'denque ints', 'queue (core ring, batches of 256)'],
	['handler queue', 'denque outputs', 'queue (handler submitMany + poll, batches of 256)'],
] as const) {
	const a = rates.get(ours)!;
	const b = rates.get(anchor)!;
	const r = ratio(a, b);
	rows.push({
		what,
		figure: rate(a.median, 'items'),
		value: a.median,
		unit: 'items/s',
		anchor: `denque ${rate(b.median, 'items')}`,
		anchorValue: b.median,
		ratio: times(r),
		ratioValue: r,
		target: ">= denque's rate",
		met: r >= 1,
	});
}
const floor = rates.get('handler core calls')!;
const floorAnchor = rates.get('denque outputs')!;
const floorRatio = ratio(floor, floorAnchor);
rows.push({
	what: 'queue, floor under the handler (its core calls alone)',
	figure: rate(floor.median, 'items'),
	value: floor.median,
	unit: 'items/s',
	anchor: `denque ${rate(floorAnchor.median, 'items')}`,
	anchorValue: floorAnchor.median,
	ratio: times(floorRatio),
	ratioValue: floorRatio,
	target: 'bounds the handler row',
	met: undefined,
});
writeResult('queue', rows, {
	batch: BATCH,
	itemsPerCall: ITEMS,
	rounds: Object.fromEntries([...rates].map(([name, r]) => [name, r.perRound])),
});
