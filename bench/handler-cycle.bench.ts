import PQueue from 'p-queue';
import { State } from '../src/core/codes.ts';
import { AsyncOutput, AsyncOutputHandler, createDevice } from '../src/index.ts';
import { type Case, compare, type Row, rate, ratio, times, writeResult } from './lib/harness.ts';
import { PlainHandler, PlainOutput } from './lib/plain-handler.ts';

/**
 * The handler cycle: outputs per second through create, start, submit, complete, poll, get
 * (and clearCompleted once per batch, so that nothing piles up), against the same semantics
 * in plain TypeScript and against p-queue running as many already-resolved tasks with the
 * same bound on tasks in flight.
 *
 * A fourth case is the floor of the design: the same cycle made straight on the core's exports
 * (the calls any layer over the core must make, one per state change, since the core owns the
 * state: create, start, submit, complete, take per output; poll and clear per batch), with a
 * bare object per output and no checks, labels or finalizer. No layer over the core can run
 * faster than it, so its ratio to p-queue in the same run bounds what the library can reach.
 */

const OUTPUTS = 1024;
const MAX_PENDING = 64;
const EXPECTED = (OUTPUTS / MAX_PENDING) * ((MAX_PENDING * (MAX_PENDING - 1)) / 2);

const device = await createDevice();
const handler = new AsyncOutputHandler<number>({ device, maxPending: MAX_PENDING });
const outputs: AsyncOutput<number>[] = new Array(MAX_PENDING);

async function asyncOutputCycle(): Promise<void> {
	let sum = 0;
	for (let batch = 0; batch < OUTPUTS / MAX_PENDING; batch++) {
		for (let i = 0; i < MAX_PENDING; i++) {
			const output = new AsyncOutput<number>(device);
			output.markStarted();
			handler.submit(output);
			outputs[i] = output;
		}
		for (let i = 0; i < MAX_PENDING; i++) (outputs[i] as AsyncOutput<number>).markCompleted(i);
		for (const done of handler.poll()) sum += await done.get();
		handler.clearCompleted();
	}
	if (sum !== EXPECTED) throw new Error(`async-output cycle: sum ${sum}, expected ${EXPECTED}`);
}

const plain = new PlainHandler<number>(MAX_PENDING);
const plainOutputs: PlainOutput<number>[] = new Array(MAX_PENDING);

async function plainCycle(): Promise<void> {
	let sum = 0;
	for (let batch = 0; batch < OUTPUTS / MAX_PENDING; batch++) {
		for (let i = 0; i < MAX_PENDING; i++) {
			const output = new PlainOutput<number>();
			output.markStarted();
			plain.submit(output);
			plainOutputs[i] = output;
		}
		for (let i = 0; i < MAX_PENDING; i++) (plainOutputs[i] as PlainOutput<number>).markCompleted(i);
		for (const done of plain.poll()) sum += await done.get();
		plain.clearCompleted();
	}
	if (sum !== EXPECTED) throw new Error(`plain cycle: sum ${sum}, expected ${EXPECTED}`);
}

const queue = new PQueue({ concurrency: MAX_PENDING });
const results: Promise<number>[] = new Array(MAX_PENDING);
const resolved = Array.from({ length: MAX_PENDING }, (_, i) => Promise.resolve(i));

async function pQueueCycle(): Promise<void> {
	let sum = 0;
	for (let batch = 0; batch < OUTPUTS / MAX_PENDING; batch++) {
		for (let i = 0; i < MAX_PENDING; i++) {
			const value = resolved[i] as Promise<number>;
			results[i] = queue.add(() => value) as Promise<number>;
		}
		for (let i = 0; i < MAX_PENDING; i++) sum += await (results[i] as Promise<number>);
	}
	if (sum !== EXPECTED) throw new Error(`p-queue cycle: sum ${sum}, expected ${EXPECTED}`);
}

const raw = device.core.raw;
const floorHandler = raw.handler_create(MAX_PENDING);
const SLOT_MASK = (1 << 20) - 1;

/** An output reduced to what the host must keep: the core's handle and the value. */
class BareOutput {
	value = 0;
	constructor(readonly handle: number) {}
}

const bare: BareOutput[] = new Array(MAX_PENDING);
const bareBySlot: (BareOutput | undefined)[] = [];

async function floorCycle(): Promise<void> {
	let sum = 0;
	for (let batch = 0; batch < OUTPUTS / MAX_PENDING; batch++) {
		for (let i = 0; i < MAX_PENDING; i++) {
			const output = new BareOutput(raw.output_create());
			raw.output_move(output.handle, State.IN_PROGRESS, 0);
			raw.handler_submit(floorHandler, output.handle);
			bareBySlot[output.handle & SLOT_MASK] = output;
			bare[i] = output;
		}
		for (let i = 0; i < MAX_PENDING; i++) {
			const output = bare[i] as BareOutput;
			raw.output_move(output.handle, State.COMPLETED, 0);
			output.value = i;
		}
		const n = raw.handler_poll(floorHandler);
		const handles = device.core.ints(n);
		const done: BareOutput[] = new Array(n);
		for (let i = 0; i < n; i++)
			done[i] = bareBySlot[(handles[i] as number) & SLOT_MASK] as BareOutput;
		for (const output of done) {
			raw.output_take(output.handle);
			sum += await Promise.resolve(output.value);
		}
		const cleared = raw.handler_clear_completed(floorHandler);
		const forgotten = device.core.ints(cleared);
		for (let i = 0; i < cleared; i++) bareBySlot[(forgotten[i] as number) & SLOT_MASK] = undefined;
	}
	if (sum !== EXPECTED) throw new Error(`floor cycle: sum ${sum}, expected ${EXPECTED}`);
}

const cases: Case[] = [
	{ name: 'async-output', items: OUTPUTS, fn: asyncOutputCycle },
	{ name: 'plain TypeScript', items: OUTPUTS, fn: plainCycle },
	{ name: 'p-queue', items: OUTPUTS, fn: pQueueCycle },
	{ name: 'floor', items: OUTPUTS, fn: floorCycle },
];
const rates = await compare(cases, { rounds: 7, timeMs: 150 });
const ours = rates.get('async-output')!;
const plainRates = rates.get('plain TypeScript')!;
const pq = rates.get('p-queue')!;
const vsPQueue = ratio(ours, pq);
const vsPlain = ratio(ours, plainRates);
const floor = rates.get('floor')!;
const floorVsPQueue = ratio(floor, pq);
const floorVsPlain = ratio(floor, plainRates);

const rows: Row[] = [
	{
		what: 'handler cycle',
		figure: rate(ours.median, 'outputs'),
		value: ours.median,
		unit: 'outputs/s',
		anchor: `p-queue ${rate(pq.median, 'tasks')}`,
		anchorValue: pq.median,
		ratio: times(vsPQueue),
		ratioValue: vsPQueue,
		target: '>= 10x p-queue',
		met: vsPQueue >= 10,
	},
	{
		what: 'handler cycle',
		figure: rate(ours.median, 'outputs'),
		value: ours.median,
		unit: 'outputs/s',
		anchor: `plain TypeScript ${rate(plainRates.median, 'outputs')}`,
		anchorValue: plainRates.median,
		ratio: times(vsPlain),
		ratioValue: vsPlain,
		target: '>= 0.5x plain TypeScript',
		met: vsPlain >= 0.5,
	},
	{
		what: 'handler cycle, floor of the design (bare core calls)',
		figure: rate(floor.median, 'outputs'),
		value: floor.median,
		unit: 'outputs/s',
		anchor: `p-queue; plain TypeScript`,
		anchorValue: pq.median,
		ratio: `${times(floorVsPQueue)}; ${times(floorVsPlain)}`,
		ratioValue: floorVsPQueue,
		target: 'bounds the two above',
		met: undefined,
	},
];
writeResult('handler-cycle', rows, {
	outputsPerCall: OUTPUTS,
	maxPending: MAX_PENDING,
	rounds: Object.fromEntries([...rates].map(([name, r]) => [name, r.perRound])),
});
