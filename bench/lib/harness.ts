import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';

/**
 * Side-by-side measurement: every figure is taken with its anchor in the same process, in
 * interleaved rounds (the order of the cases rotates each round), and reported as the median
 * of the per-round ratios. Absolute rates on a shared 2-core machine are noisy; ratios
 * measured this way are not, or much less.
 */

/** One thing measured: `fn` does `items` units of work per call. */
export interface Case {
	name: string;
	items: number;
	fn: () => unknown;
	/** Called once before the first round (outside the timing). */
	setup?: () => unknown;
	/** Called before each call, outside the timing (a fresh core to load, say). */
	beforeEach?: () => unknown;
}

/** Rates of one case over the rounds. */
export interface Rates {
	name: string;
	/** Items per second, per round. */
	perRound: number[];
	/** The median of the rounds. */
	median: number;
}

/** Options of a comparison. */
export interface CompareOptions {
	rounds?: number;
	/** Time budget per case per round, ms. */
	timeMs?: number;
	/** Least calls per case per round. */
	iterations?: number;
	warmupMs?: number;
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	if (sorted.length === 0) return Number.NaN;
	return sorted.length % 2 === 1
		? (sorted[mid] as number)
		: ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs the cases in interleaved rounds; returns items per second for each. */
export async function compare(
	cases: readonly Case[],
	options: CompareOptions = {},
): Promise<Map<string, Rates>> {
	const rounds = options.rounds ?? 5;
	for (const c of cases) await c.setup?.();
	const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
	for (let round = 0; round < rounds; round++) {
		const bench = new Bench({
			time: options.timeMs ?? 200,
			iterations: options.iterations ?? 4,
			warmupTime: options.warmupMs ?? 40,
			warmupIterations: 1,
			throws: true,
		});
		// Rotate the order so that no case always runs first (or right after the GC of another).
		for (let i = 0; i < cases.length; i++) {
			const c = cases[(i + round) % cases.length] as Case;
			const hooks = c.beforeEach === undefined ? {} : { beforeEach: c.beforeEach as () => void };
			bench.add(c.name, c.fn as () => void, hooks);
		}
		await bench.run();
		for (const task of bench.tasks) {
			const c = cases.find((x) => x.name === task.name) as Case;
			const result = task.result as { latency?: { mean: number } };
			const ms = result.latency?.mean ?? Number.NaN;
			(perRound.get(c.name) as number[]).push((c.items / ms) * 1000);
		}
	}
	return new Map(
		cases.map((c) => {
			const rates = perRound.get(c.name) as number[];
			return [c.name, { name: c.name, perRound: rates, median: median(rates) }];
		}),
	);
}

/** The median over rounds of a / b (the rounds pair up: both ran in each). */
export function ratio(a: Rates, b: Rates): number {
	return median(a.perRound.map((value, i) => value / (b.perRound[i] as number)));
}

/** A row of the results table. */
export interface Row {
	/** What is measured ("handler cycle"). */
	what: string;
	/** The figure, in words with its unit ("12.3 M outputs/s"). */
	figure: string;
	value: number;
	unit: string;
	/** The anchor and its figure, or '' when there is none. */
	anchor: string;
	anchorValue?: number;
	/** The ratio to the anchor, in words ("4.2x"), or ''. */
	ratio: string;
	ratioValue?: number;
	target: string;
	met: boolean | undefined;
}

/** What a bench file leaves in bench/results/NAME.json. */
export interface BenchResult {
	bench: string;
	date: string;
	node: string;
	cpu: string;
	cores: number;
	rows: Row[];
	/** Anything else worth keeping (per-round rates, sizes). */
	details: Record<string, unknown>;
}

/** Writes a bench file's results next to the others. */
export function writeResult(bench: string, rows: Row[], details: Record<string, unknown>): void {
	// Bench files run bundled from .tmp/bench/ with the checkout as their working directory.
	const dir = `${process.cwd()}/bench/results/`;
	mkdirSync(dir, { recursive: true });
	const result: BenchResult = {
		bench,
		date: new Date().toISOString(),
		node: process.version,
		cpu: cpus()[0]?.model ?? 'unknown',
		cores: cpus().length,
		rows,
		details,
	};
	writeFileSync(`${dir}${bench}.json`, `${JSON.stringify(result, null, '\t')}\n`);
}

/** A rate in words: 12.3 M/s, 456 k/s. */
export function rate(value: number, unit: string): string {
	if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 1 : 2)} M ${unit}/s`;
	if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)} k ${unit}/s`;
	return `${value.toFixed(0)} ${unit}/s`;
}

/** A ratio in words: 4.20x. */
export function times(value: number): string {
	return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/** Bytes in words. */
export function bytes(value: number): string {
	if (Math.abs(value) >= 1 << 20) return `${(value / (1 << 20)).toFixed(1)} MiB`;
	if (Math.abs(value) >= 1 << 10) return `${(value / (1 << 10)).toFixed(1)} KiB`;
	return `${value.toFixed(0)} B`;
}

/** Asks V8 for a full collection (the bench runner starts children with --expose-gc). */
export function gc(): void {
	const collect = (globalThis as { gc?: () => void }).gc;
	if (collect === undefined) throw new Error('run the bench files with node --expose-gc');
	collect();
	collect();
}
