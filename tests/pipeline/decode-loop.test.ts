import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../src/errors.ts';
import { decodeLoopConfig, runDecodeLoop } from '../../src/pipeline/decode-loop.ts';
import { simDevice, throwsCode } from '../helpers.ts';

const loop = suite('decode loop');

loop('overlapped runs within 1% of max(compute, copy, host); serial pays the sum', async () => {
	const options = { steps: 32, computeNs: 5e6, hostNs: 2e6, batch: 16, vocab: 1000 };
	const serial = await runDecodeLoop(await simDevice(), 'serial', options);
	const overlapped = await runDecodeLoop(await simDevice(), 'overlapped', options);
	assert.ok(serial.verified && overlapped.verified, 'every output held its own step values');
	assert.is(overlapped.boundNs, 5_000_000);
	assert.ok(Math.abs(overlapped.stepNs - overlapped.boundNs) / overlapped.boundNs < 0.01);
	const sum = serial.computeNs + serial.copyNs + serial.hostNs;
	assert.ok(Math.abs(serial.stepNs - sum) / sum < 0.01, `serial ${serial.stepNs} vs sum ${sum}`);
	assert.ok(overlapped.overlap > 0.99);
	assert.is(serial.overlap, 0);
});

loop('when the host is the slowest, the host sets the pace', async () => {
	const options = { steps: 24, computeNs: 1e6, hostNs: 3e6, batch: 8, vocab: 100 };
	const run = await runDecodeLoop(await simDevice(), 'overlapped', options);
	assert.is(run.boundNs, run.hostNs);
	assert.ok(
		Math.abs(run.stepNs - run.boundNs) / run.boundNs < 0.01,
		`${run.stepNs} vs ${run.boundNs}`,
	);
});

loop('rejects bad options with typed errors', () => {
	throwsCode(
		() => decodeLoopConfig({ steps: 2 }),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		/options\.steps/,
	);
	throwsCode(
		() => decodeLoopConfig({ computeNs: -1 }),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		/options\.computeNs/,
	);
	throwsCode(
		() => decodeLoopConfig({ batch: 1.5 }),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		/options\.batch/,
	);
});

loop.run();
