// The long run behind `npm run soak`: the model-based suites with far more sequences than
// `npm test` runs, then millions of outputs cycled through a handler while the Wasm memory and
// the JavaScript heap are sampled. It fails (exit 1) when a model run fails or memory grows.
//
//   npm run soak                      # the defaults below
//   npm run soak -- --outputs 2e6     # a shorter memory cycle
import { spawnSync } from 'node:child_process';
import { Command, Option } from 'commander';
import { AsyncOutput } from '../src/api/async-output.ts';
import { asyncCopyToHost } from '../src/api/copy.ts';
import { AsyncOutputHandler } from '../src/api/handler.ts';
import { Stream } from '../src/api/stream.ts';
import { createDevice } from '../src/device/create.ts';
import type { SimDevice } from '../src/device/sim/sim-device.ts';

const program = new Command('soak')
	.addOption(
		new Option('--core-runs <n>', 'core model sequences').default(200_000).argParser(count),
	)
	.addOption(
		new Option('--device-runs <n>', 'device model programs').default(40_000).argParser(count),
	)
	.addOption(new Option('--api-runs <n>', 'API pipelines').default(10_000).argParser(count))
	.addOption(
		new Option('--outputs <n>', 'outputs cycled through a handler').default(1e7).argParser(count),
	)
	.addOption(new Option('--copies <n>', 'device copies cycled').default(1e6).argParser(count))
	.addOption(new Option('--skip-models', 'only the memory cycle'))
	.parse();
const options = program.opts<{
	coreRuns: number;
	deviceRuns: number;
	apiRuns: number;
	outputs: number;
	copies: number;
	skipModels?: boolean;
}>();

function count(text: string): number {
	const n = Number(text);
	if (!Number.isInteger(n) || n < 0) throw new Error(`Expected a count, got '${text}'`);
	return n;
}

let failed = false;

// Model runs --------------------------------------------------------------------------------

if (!options.skipModels) {
	const started = performance.now();
	const result = spawnSync(
		process.execPath,
		['--import', 'tsx', 'node_modules/uvu/bin.js', 'tests/model', '.test.ts'],
		{
			stdio: 'inherit',
			env: {
				...process.env,
				MODEL_RUNS: String(options.coreRuns),
				DEVICE_MODEL_RUNS: String(options.deviceRuns),
				API_MODEL_RUNS: String(options.apiRuns),
			},
		},
	);
	const seconds = (performance.now() - started) / 1000;
	console.log(
		`model runs: ${options.coreRuns} core sequences, ${options.deviceRuns} device programs ` +
			`(+200 twice-run timelines), ${options.apiRuns} API pipelines in ${seconds.toFixed(1)} s: ` +
			(result.status === 0 ? 'all agree' : 'FAILED'),
	);
	if (result.status !== 0) failed = true;
}

// Memory ------------------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (npm run soak does)');

interface Sample {
	cycled: number;
	wasmBytes: number;
	heapBytes: number;
}

/** Heap and Wasm memory after a full collection (finalizers get a turn of the event loop). */
async function sample(device: SimDevice, cycled: number): Promise<Sample> {
	for (let i = 0; i < 3; i++) {
		gc?.();
		await new Promise((resolve) => setImmediate(resolve));
	}
	return {
		cycled,
		wasmBytes: device.core.memoryBytes,
		heapBytes: process.memoryUsage().heapUsed,
	};
}

/**
 * Cycles `total` outputs: create, start, submit (draining when full), complete, poll, get,
 * clearCompleted; the way a decode loop uses a handler. Samples every tenth of the way.
 */
async function cycleOutputs(total: number): Promise<Sample[]> {
	const device = (await createDevice('sim')) as SimDevice;
	const handler = new AsyncOutputHandler<number>({ device, maxPending: 64 });
	const samples = [await sample(device, 0)];
	const every = Math.max(1, Math.floor(total / 10));
	let delivered = 0;
	const drain = async () => {
		for (const out of handler.poll()) delivered += (await out.get()) === 1 ? 1 : 0;
		handler.clearCompleted();
	};
	for (let i = 1; i <= total; i++) {
		const out = new AsyncOutput<number>(device);
		out.markStarted();
		if (!handler.submit(out)) {
			await drain();
			handler.submit(out);
		}
		out.markCompleted(1);
		if (i % every === 0) {
			await drain();
			samples.push(await sample(device, i));
		}
	}
	await drain();
	if (delivered !== total) throw new Error(`delivered ${delivered} of ${total} outputs`);
	return samples;
}

/** Cycles `total` device-to-host copies through a handler (outputs bound to device work). */
async function cycleCopies(total: number): Promise<Sample[]> {
	const device = (await createDevice('sim')) as SimDevice;
	const stream = new Stream(device, { label: 'copy' });
	const src = device.alloc('float32', [16]);
	// Three pinned buffers for two outputs in flight: the one a new copy takes is always free.
	const pinned = [0, 1, 2].map(() => device.allocHost('float32', [16]));
	const handler = new AsyncOutputHandler<Float32Array>({ device, maxPending: 2 });
	const samples = [await sample(device, 0)];
	const every = Math.max(1, Math.floor(total / 10));
	let taken = 0;
	const takeOne = async () => {
		const done = await handler.waitOne();
		taken++;
		if ((await done.get())[0] !== taken) throw new Error(`copy ${taken} delivered wrong values`);
	};
	for (let i = 1; i <= total; i++) {
		stream.launchKernel({ durationNs: 1000, fill: { target: src, value: i, step: 0 } });
		const into = pinned[i % 3] as (typeof pinned)[0];
		// The array comes round: its last result must have been taken (a copy into it is refused
		// otherwise); outputs come out in submission order.
		while (into.heldBy !== undefined) await takeOne();
		const out = asyncCopyToHost(src, { stream, into });
		while (!handler.submit(out)) await takeOne();
		if (i % every === 0) {
			while (taken < i) await takeOne();
			handler.clearCompleted();
			samples.push(await sample(device, i));
		}
	}
	while (taken < total) await takeOne();
	return samples;
}

/** Prints the samples and whether memory stayed flat after the first tenth. */
function report(what: string, samples: Sample[], seconds: number): boolean {
	const mb = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;
	console.log(`\n${what} in ${seconds.toFixed(1)} s:`);
	for (const s of samples) {
		console.log(
			`  ${String(s.cycled).padStart(9)} cycled: Wasm ${mb(s.wasmBytes)}, JS heap ${mb(s.heapBytes)}`,
		);
	}
	// After the first tenth the tables have their working size: from then on nothing may grow
	// (the Wasm memory not at all; the heap by no more than 2 MiB of collector noise).
	const warm = samples[1] as Sample;
	const last = samples[samples.length - 1] as Sample;
	const wasmFlat = last.wasmBytes === warm.wasmBytes;
	const heapGrowth = Math.max(...samples.slice(1).map((s) => s.heapBytes)) - warm.heapBytes;
	const heapFlat = heapGrowth <= 2 * 2 ** 20;
	console.log(
		`  flat after the first tenth: Wasm ${wasmFlat ? 'yes' : 'NO'} (+${last.wasmBytes - warm.wasmBytes} B), ` +
			`JS heap ${heapFlat ? 'yes' : 'NO'} (largest growth ${mb(Math.max(0, heapGrowth))})`,
	);
	return wasmFlat && heapFlat;
}

for (const [what, total, run] of [
	[`${options.outputs} outputs through a handler`, options.outputs, cycleOutputs],
	[`${options.copies} device copies through a handler`, options.copies, cycleCopies],
] as const) {
	if (total === 0) continue;
	const started = performance.now();
	const samples = await run(total);
	if (!report(what, samples, (performance.now() - started) / 1000)) failed = true;
}

process.exitCode = failed ? 1 : 0;
