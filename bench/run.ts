import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Table from 'cli-table3';
import { build } from 'esbuild';
import type { BenchResult } from './lib/harness.ts';

/**
 * `npm run bench [NAME...] [-- --prof]`: bundles each bench/*.bench.ts with esbuild (the way the
 * library itself is bundled, so that what is timed is what users run, not tsx's transform),
 * runs each in a fresh `node --expose-gc` process, then prints one table from the
 * bench/results/*.json files they wrote. `--prof` adds `--cpu-prof` and leaves the profiles in
 * bench/results/ (ignored by git); `--print` only prints the table of the results there.
 */

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const profile = args.includes('--prof');
const printOnly = args.includes('--print');
const only = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(new URL('.', import.meta.url))
	.filter((f) => f.endsWith('.bench.ts'))
	.filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
	.filter(() => !printOnly)
	.sort();

for (const file of files) {
	const name = basename(file, '.bench.ts');
	const outfile = `${root}.tmp/bench/${name}.mjs`;
	await build({
		entryPoints: [`${root}bench/${file}`],
		outfile,
		bundle: true,
		format: 'esm',
		platform: 'node',
		target: 'es2022',
		packages: 'external',
		logLevel: 'warning',
	});
	process.stderr.write(`bench: ${name}\n`);
	const flags = ['--expose-gc'];
	if (profile) flags.push('--cpu-prof', `--cpu-prof-dir=${root}bench/results`);
	// The bundle lives in .tmp/; packages resolve from the checkout's node_modules.
	execFileSync(process.execPath, [...flags, outfile], { stdio: 'inherit', cwd: root });
}

const results: BenchResult[] = readdirSync(new URL('results/', import.meta.url))
	.filter((f) => f.endsWith('.json'))
	.sort()
	.map((f) => JSON.parse(readFileSync(new URL(`results/${f}`, import.meta.url), 'utf8')));

const table = new Table({
	head: ['what', 'measured', 'anchor (same run)', 'ratio', 'target', 'met'],
	colWidths: [28, 22, 26, 16, 16, 5],
	wordWrap: true,
	style: { head: [], border: [] },
});
for (const result of results) {
	for (const row of result.rows) {
		const met = row.met === undefined ? '' : row.met ? 'yes' : 'NO';
		table.push([row.what, row.figure, row.anchor, row.ratio, row.target, met]);
	}
}
const first = results[0];
const machine =
	first === undefined ? '' : ` (${first.cpu}, ${first.cores} cores, Node ${first.node})`;
process.stdout.write(`async-output benchmarks${machine}\n${table.toString()}\n`);
