import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseKineto } from '../../src/trace/kineto.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { tracePath } from '../helpers.ts';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const TRACES = [
	'hta_alexnet_a100.json',
	'hta_cuda_event_sync.json',
	'hta_event_sync_multi_stream.json',
	'tracelens_h100_bert_small.json',
];

// Without a driver, whether or not this machine has a GPU.
const NO_DRIVER = { ASYNC_OUTPUT_CUDA_DRIVER: '/nonexistent/libcuda.so.1' };

function cli(...args: (string | Record<string, string>)[]): {
	code: number | null;
	stdout: string;
	stderr: string;
} {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
	const env = Object.assign({}, ...args.filter((a) => typeof a !== 'string'));
	const run = spawnSync(process.execPath, [CLI, ...args.filter((a) => typeof a === 'string')], {
		encoding: 'utf8',
		env: { ...process.env, NO_COLOR: '1', ...env },
	});
	return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const demo = suite('async-output demo');

demo('prints the serial and overlapped runs; overlapped is within 1% of its bound', () => {
	const run = cli('demo', '--steps', '16');
	assert.is(run.code, 0, run.stderr);
	assert.match(run.stdout, /│ serial\s+│/);
	assert.match(run.stdout, /│ overlapped\s+│/);
	assert.match(run.stdout, /Overlapped, each step takes 5\.001 ms: \+0\.020% from the bound/);
});

demo('--json is byte-identical across two runs and carries the same numbers', () => {
	const a = cli('demo', '--json', '--steps', '16');
	const b = cli('demo', '--json', '--steps', '16');
	assert.is(a.code, 0, a.stderr);
	assert.is(a.stdout, b.stdout);
	const result = JSON.parse(a.stdout);
	assert.equal(
		result.runs.map((r: { mode: string }) => r.mode),
		['serial', 'overlapped'],
	);
	assert.ok(result.overlappedVsBound < 0.01);
	assert.is(result.runs[1].stepNs, 5_001_000);
	assert.ok(result.runs.every((r: { verified: boolean }) => r.verified));
});

demo('--trace-out writes a Chrome trace with every kernel of both runs', () => {
	const dir = mkdtempSync(join(tmpdir(), 'async-output-'));
	try {
		const file = join(dir, 'demo.json');
		const run = cli('demo', '--steps', '8', '--trace-out', file);
		assert.is(run.code, 0, run.stderr);
		const trace = JSON.parse(readFileSync(file, 'utf8'));
		const kernels = trace.traceEvents.filter(
			(e: { cat?: string; ph: string }) => e.cat === 'kernel' && e.ph === 'X',
		);
		// 8 steps x 2 runs, each on its stream lane and on the compute engine lane.
		assert.is(kernels.length, 32);
		assert.ok(trace.traceEvents.some((e: { name: string }) => e.name === 'thread_name'));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

demo('rejects bad options with a message and exit code 1', () => {
	const run = cli('demo', '--steps', 'two');
	assert.is(run.code, 1);
	assert.match(run.stderr, /--steps must be an integer >= 3/);
	const device = cli('demo', '--device', 'cuda', NO_DRIVER);
	assert.is(device.code, 1);
	assert.match(device.stderr, /CUDA device is unavailable.*\[ERR_CUDA_UNAVAILABLE\]/);
	const auto = cli('demo', '--device', 'auto', '--steps', '3', NO_DRIVER);
	assert.is(auto.code, 0, auto.stderr);
	assert.match(
		auto.stdout,
		/\(--device auto: The CUDA device is unavailable: .*; using the simulated device\)/,
	);
});

demo.run();

const replay = suite('async-output replay');

replay('prints the replay error and the what-if for every sample trace', () => {
	for (const name of TRACES) {
		const run = cli('replay', tracePath(name));
		assert.is(run.code, 0, run.stderr);
		assert.match(run.stdout, /replay error/);
		assert.match(run.stdout, /what-if/);
		assert.match(run.stdout, /assumptions/);
	}
});

replay('--json gives the numbers of the library, byte-identical across runs', async () => {
	for (const name of TRACES) {
		const a = cli('replay', tracePath(name), '--json');
		const b = cli('replay', tracePath(name), '--json');
		assert.is(a.code, 0, a.stderr);
		assert.is(a.stdout, b.stdout, name);
		const json = JSON.parse(a.stdout);
		const direct = await replayTrace(parseKineto(readFileSync(tracePath(name), 'utf8')));
		assert.equal(json.error, direct.error, name);
		assert.equal(json.whatIf, direct.whatIf, name);
		assert.equal(json.counts, direct.counts, name);
	}
	const alexnet = JSON.parse(cli('replay', tracePath('hta_alexnet_a100.json'), '--json').stdout);
	assert.is(alexnet.counts.kernels, 79);
	assert.is(alexnet.counts.copies.h2dBytes, 244_403_360);
	assert.is(alexnet.counts.crossStreamWaits, 20);
});

replay('the table shows the same numbers as --json', () => {
	const text = cli('replay', tracePath('tracelens_h100_bert_small.json')).stdout;
	const json = JSON.parse(
		cli('replay', tracePath('tracelens_h100_bert_small.json'), '--json').stdout,
	);
	assert.ok(text.includes(`median ${(json.error.start.medianNs / 1000).toFixed(1)} us`));
	assert.ok(text.includes(`${(json.whatIf.savedNs / 1e6).toFixed(3)} ms saved`));
});

replay('a missing or malformed trace exits 1 with a clear message', () => {
	const missing = cli('replay', '/nonexistent/trace.json');
	assert.is(missing.code, 1);
	assert.match(missing.stderr, /ENOENT|no such file/);
	const bad = cli('replay', new URL('../../package.json', import.meta.url).pathname);
	assert.is(bad.code, 1);
	assert.match(bad.stderr, /traceEvents.*\[ERR_TRACE_FORMAT\]/);
});

replay.run();
