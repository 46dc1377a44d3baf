import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseKineto } from '../../src/trace/kineto.ts';
import type { Recording } from '../../src/trace/recording.ts';
import { parseRecordings, recordingsToJson } from '../../src/trace/recording-file.ts';
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

demo('the README shows the output the demo prints', () => {
	const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
	const shown = /`npx async-output demo` runs[^\n]*\n\n```\n([\s\S]*?)```/.exec(readme);
	assert.ok(shown, 'the README has the demo output block');
	const run = cli('demo');
	assert.is(run.code, 0, run.stderr);
	assert.is(run.stdout, shown[1]);
});

demo('checks every element as float32 holds it, past 2^24 too', () => {
	// 257 x 65536 floats: the largest index is past 2^24, where step + i rounds in float32.
	const run = cli('demo', '--steps', '3', '--batch', '257', '--vocab', '65536', '--json');
	assert.is(run.code, 0, run.stderr);
	const result = JSON.parse(run.stdout);
	assert.equal(
		result.runs.map((r: { verified: boolean }) => r.verified),
		[true, true],
	);
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

demo(
	'--record and --html write a recording that replays to the same hashes, and its timeline',
	() => {
		const dir = mkdtempSync(join(tmpdir(), 'async-output-'));
		try {
			const record = join(dir, 'demo.json');
			const html = join(dir, 'demo.html');
			const json = JSON.parse(
				cli('demo', '--steps', '8', '--json', '--record', record, '--html', html).stdout,
			);
			const hashes = json.runs.map((r: { hash: string }) => r.hash);
			assert.is(hashes.length, 2);
			assert.match(readFileSync(html, 'utf8'), /^<!doctype html>/);

			const replayed = cli('replay', record, '--json');
			assert.is(replayed.code, 0, replayed.stderr);
			const result = JSON.parse(replayed.stdout);
			assert.equal(
				result.runs.map((r: { recordedHash: string }) => r.recordedHash),
				hashes,
			);
			assert.equal(
				result.runs.map((r: { replayedHash: string }) => r.replayedHash),
				hashes,
			);
			assert.ok(result.runs.every((r: { identical: boolean }) => r.identical));
			assert.equal(
				result.runs.map((r: { ops: number }) => r.ops),
				[24, 40],
			);

			const text = cli('replay', record, '--html', join(dir, 'replay.html'));
			assert.is(text.code, 0, text.stderr);
			assert.match(text.stdout, new RegExp(`replayed ${hashes[0]}: the same timeline`));
			assert.match(text.stdout, /HTML timeline written to .*replay\.html/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	},
);

demo(
	'a recording that no longer matches its timeline replays as DIFFERENT, exit code 1',
	async () => {
		const dir = mkdtempSync(join(tmpdir(), 'async-output-'));
		try {
			const record = join(dir, 'demo.json');
			assert.is(cli('demo', '--steps', '4', '--record', record).code, 0);
			// Lengthen a kernel and store the edited run's own hash: a consistent file, but its
			// timeline is no longer what its ops give.
			const runs = parseRecordings(readFileSync(record, 'utf8'));
			const first = runs[0] as { recording: Recording };
			(first.recording.ops[0] as { durationNs: number }).durationNs += 1000;
			writeFileSync(record, recordingsToJson(runs));

			const run = cli('replay', record);
			assert.is(run.code, 1);
			assert.match(run.stdout, /DIFFERENT/);
			const tampered = readFileSync(record, 'utf8').replace(
				'"durationNs":5000000',
				'"durationNs":5000001',
			);
			writeFileSync(record, tampered);
			const bad = cli('replay', record);
			assert.is(bad.code, 1);
			assert.match(
				bad.stderr,
				/stores hash '[0-9a-f]{16}' but its content hashes to .*\[ERR_TRACE_FORMAT\]/,
			);
			const profile = cli('replay', record, '--profile', 'a100');
			assert.is(profile.code, 1);
			assert.match(profile.stderr, /--profile applies to profiler traces/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	},
);

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

replay('--profile says the profile was chosen, not matched', () => {
	const run = cli('replay', tracePath('hta_cuda_event_sync.json'), '--profile', 'h200');
	assert.is(run.code, 0, run.stderr);
	assert.match(run.stdout, /-> profile h200 \(chosen with --profile\)/);
	assert.not.match(run.stdout, /no match/);
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

replay('--html writes the replay and the what-if of AlexNet with every GPU op', () => {
	const dir = mkdtempSync(join(tmpdir(), 'async-output-'));
	try {
		const file = join(dir, 'alexnet.html');
		const run = cli('replay', tracePath('hta_alexnet_a100.json'), '--html', file);
		assert.is(run.code, 0, run.stderr);
		const html = readFileSync(file, 'utf8');
		const data = JSON.parse(
			(
				html.match(
					/<script type="application\/json" id="timeline-data">(.*?)<\/script>/s,
				) as string[]
			)[1] as string,
		);
		for (const r of data.runs) {
			const ops = r.bars.filter(
				(b: { kind: string; copyOf?: boolean }) =>
					['kernel', 'copy_h2d', 'memset'].includes(b.kind) && b.copyOf !== true,
			);
			assert.is(ops.length, 79 + 16 + 3, r.name);
		}
		assert.equal(
			data.runs.map((r: { name: string }) => r.name),
			['replay', 'what-if (async output)'],
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
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
