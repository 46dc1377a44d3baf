import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { median, type Row, writeResult } from './lib/harness.ts';

/**
 * Start-up: the time from nothing to a usable simulated device in a fresh process, that is
 * decoding the embedded Wasm bytes, compiling and instantiating the core and creating the
 * device (`createDevice()`), measured in 15 fresh Node processes. Loading the JavaScript
 * bundle itself (the `import`) is reported beside it; so is a second device in the same
 * process (the module is compiled once per process).
 */

const PROCESSES = 15;
const root = process.cwd();
const probe = `${root}/.tmp/bench/startup-probe.mjs`;
writeFileSync(
	`${root}/.tmp/bench/startup-probe.ts`,
	[
		'const t0 = performance.now();',
		`const { createDevice } = await import(${JSON.stringify(`${root}/src/index.ts`)});`,
		'const t1 = performance.now();',
		"const device = await createDevice('sim');",
		'const t2 = performance.now();',
		"const second = await createDevice('sim');",
		'const t3 = performance.now();',
		'if (device.now() !== 0 || second.now() !== 0) throw new Error("device not fresh");',
		'console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1, secondMs: t3 - t2 }));',
	].join('\n'),
);
await build({
	entryPoints: [`${root}/.tmp/bench/startup-probe.ts`],
	outfile: probe,
	bundle: true,
	format: 'esm',
	platform: 'node',
	target: 'es2022',
	logLevel: 'warning',
});

const runs: { importMs: number; createMs: number; secondMs: number }[] = [];
for (let i = 0; i < PROCESSES; i++) {
	runs.push(JSON.parse(execFileSync(process.execPath, [probe], { encoding: 'utf8' })));
}
const create = median(runs.map((r) => r.createMs));
const load = median(runs.map((r) => r.importMs));
const second = median(runs.map((r) => r.secondMs));

const rows: Row[] = [
	{
		what: 'start-up (load the Wasm core, create a device)',
		figure: `${create.toFixed(2)} ms`,
		value: create,
		unit: 'ms',
		anchor: `(import of the bundle ${load.toFixed(1)} ms; a second device ${second.toFixed(2)} ms)`,
		ratio: '',
		target: '< 5 ms',
		met: create < 5,
	},
];
writeResult('startup', rows, { processes: PROCESSES, runs });
