import { AsyncOutput, AsyncOutputHandler, createDevice } from '../src/index.ts';
import { bytes, gc, type Row, writeResult } from './lib/harness.ts';

/**
 * Memory: bytes per pending output (JS heap plus Wasm memory growth, per output created,
 * started and submitted to a handler, measured after a full GC), and the Wasm memory after
 * 1,000,000 outputs went through the handler cycle, then after another 1,000,000: the second
 * run must add nothing.
 */

const PENDING = 100_000;
const CYCLED = 1_000_000;
const BATCH = 64;

const device = await createDevice('sim');
const heap = () => process.memoryUsage().heapUsed;
const wasm = () => device.core.memoryBytes;

/** Creates PENDING outputs pending in a handler; returns the bytes each adds; then drains them. */
async function pendingCost(): Promise<{ js: number; wasm: number }> {
	const handler = new AsyncOutputHandler<number>({ device, maxPending: PENDING });
	gc();
	const heap0 = heap();
	const wasm0 = wasm();
	const outputs: AsyncOutput<number>[] = [];
	for (let i = 0; i < PENDING; i++) {
		const output = new AsyncOutput<number>(device);
		output.markStarted();
		handler.submit(output);
		outputs.push(output);
	}
	gc();
	const js = (heap() - heap0) / PENDING;
	const grown = (wasm() - wasm0) / PENDING;
	for (const output of outputs) output.markCompleted(1);
	let sum = 0;
	for (const done of handler.poll()) sum += await done.get();
	if (sum !== PENDING) throw new Error(`memory: delivered ${sum} of ${PENDING}`);
	handler.clearCompleted();
	handler.destroy();
	return { js, wasm: grown };
}

/** Cycles `n` outputs through a handler (create, start, submit, complete, poll, get, clear). */
async function cycle(n: number): Promise<void> {
	const handler = new AsyncOutputHandler<number>({ device, maxPending: BATCH });
	const batch: AsyncOutput<number>[] = new Array(BATCH);
	for (let done = 0; done < n; done += BATCH) {
		for (let i = 0; i < BATCH; i++) {
			const output = new AsyncOutput<number>(device);
			output.markStarted();
			handler.submit(output);
			batch[i] = output;
		}
		for (const output of batch) output.markCompleted(1);
		for (const output of handler.poll()) await output.get();
		handler.clearCompleted();
	}
	handler.destroy();
}

const first = await pendingCost();
const second = await pendingCost();
const before = wasm();
await cycle(CYCLED);
const afterFirst = wasm();
await cycle(CYCLED);
const afterSecond = wasm();
gc();
const live = device.core.raw.output_live();

const perOutput = second.js + second.wasm;
const rows: Row[] = [
	{
		what: 'memory per pending output',
		figure: `${bytes(perOutput)} (JS ${bytes(second.js)} + Wasm ${bytes(second.wasm)})`,
		value: perOutput,
		unit: 'B',
		anchor: `first run: JS ${bytes(first.js)} + Wasm ${bytes(first.wasm)} (tables grow once)`,
		ratio: '',
		target: 'stated',
		met: undefined,
	},
	{
		what: `Wasm memory after ${CYCLED / 1e6}M outputs cycled`,
		figure: `${bytes(afterFirst)}; a second ${CYCLED / 1e6}M adds ${bytes(afterSecond - afterFirst)}`,
		value: afterFirst,
		unit: 'B',
		anchor: `before the cycles ${bytes(before)}; ${live} rows live after`,
		ratio: '',
		target: 'flat after the first run',
		met: afterSecond === afterFirst,
	},
];
writeResult('memory', rows, {
	pending: PENDING,
	cycled: CYCLED,
	first,
	second,
	wasmBytes: { before, afterFirst, afterSecond },
	liveRowsAfter: live,
});
