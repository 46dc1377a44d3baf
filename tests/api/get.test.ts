import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import {
	AlreadyDeliveredError,
	InvalidArgumentError,
	OutputFailedError,
} from '../../src/errors.ts';
import { EXACT, rejectsCode, simDevice } from '../helpers.ts';

const get = suite('AsyncOutput.get() of a finished output');

get('delivers at once and keeps its times and state afterwards', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput<number>(device, { label: 'done' });
	out.markStarted();
	device.hostWork(1_250_000);
	out.markCompleted(5);
	const pending = out.get();
	assert.instance(pending, Promise);
	assert.is(await pending, 5);
	assert.is(out.elapsedMs, 1.25, 'the times outlive the row');
	assert.is(out.state, 'completed');
	assert.is(out.isReady, true);
	await rejectsCode(
		out.get(),
		AlreadyDeliveredError,
		'ERR_ALREADY_DELIVERED',
		"AsyncOutput.get(): 'done' was already delivered; get() delivers once",
	);
});

get('bad options and failures arrive as rejections, never as throws', async () => {
	const device = await simDevice(EXACT);
	const out = new AsyncOutput<number>(device, { label: 'bad' });
	out.markStarted();
	out.markFailed(new Error('boom'));
	const wrong = out.get({ timeout: -1 });
	await rejectsCode(
		wrong,
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		'Expected a timeout of 0 to 2147483647 ms for options.timeout, got -1 (number)',
	);
	const failed = await rejectsCode(
		out.get(),
		OutputFailedError,
		'ERR_OUTPUT_FAILED',
		"AsyncOutput.get(): 'bad' failed",
	);
	assert.is((failed.cause as Error).message, 'boom');
	assert.is(out.state, 'failed');
});

get.run();
