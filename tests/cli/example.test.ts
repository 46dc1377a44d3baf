import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('the README example runs and delivers every step once, in order', () => {
	const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/decode-loop.ts'], {
		encoding: 'utf8',
		cwd: new URL('../..', import.meta.url).pathname,
		env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
	});
	assert.is(run.status, 0, run.stderr);
	const lines = run.stdout.trim().split('\n');
	assert.equal(
		lines.slice(0, 8),
		[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `got ${i}`),
	);
	assert.match(lines[8] as string, /^virtual time: 40\.\d+ ms$/);
});

test.run();
