import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

/**
 * A wait on device work keeps the process alive, as a wait on a GPU does: a program whose wait
 * can never finish does not exit as if it had finished, and its own timers still run. (Node
 * only: it runs a child process.)
 */

const alive = suite('a pending device wait keeps the process alive');

function run(code: string): { status: number | null; stdout: string; stderr: string } {
	const result = spawnSync(
		process.execPath,
		['--import', 'tsx', '--input-type=module', '-e', code],
		{
			encoding: 'utf8',
			cwd: new URL('../..', import.meta.url).pathname,
			timeout: 60_000,
		},
	);
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const PRELUDE = `
import { asyncCopyToHost, createDevice, Stream } from './src/index.ts';
const device = await createDevice('sim');
const stream = new Stream(device);
stream.launchKernel({ durationNs: Number.POSITIVE_INFINITY });
const out = asyncCopyToHost(device.alloc('float32', [4]), { stream });
`;

alive('an abort timer still fires: the wait ends with its reason', () => {
	const result = run(`${PRELUDE}
const why = await out.get({ signal: AbortSignal.timeout(50) }).catch((e) => e.name);
console.log('ended with', why);`);
	assert.is(result.status, 0, result.stderr);
	assert.is(result.stdout, 'ended with TimeoutError\n');
});

alive('without anything to end it, the process does not exit as if it had finished', () => {
	// A wait that can never finish hangs, as it would on a GPU; the child is stopped after 3 s.
	const result = spawnSync(
		process.execPath,
		[
			'--import',
			'tsx',
			'--input-type=module',
			'-e',
			`${PRELUDE}
setTimeout(() => console.log('still waiting'), 500).unref();
await out.get();
console.log('finished');`,
		],
		{ encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname, timeout: 3000 },
	);
	assert.is(result.signal, 'SIGTERM', 'stopped by the timeout, not exited');
	assert.is(result.stdout, 'still waiting\n');
});

alive.run();
