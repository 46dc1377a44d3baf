import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { ForeignObjectError, InvalidArgumentError, InvalidStateError } from '../../src/errors.ts';
import { EXACT, simDevice, throwsCode } from '../helpers.ts';

const batch = suite('AsyncOutputHandler.submitMany');

function started(
	device: Awaited<ReturnType<typeof simDevice>>,
	label: string,
): AsyncOutput<string> {
	const out = new AsyncOutput<string>(device, { label });
	out.markStarted();
	return out;
}

batch('queues outputs in order until full and returns how many', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler<string>({ device, maxPending: 3 });
	const outs = ['a', 'b', 'c', 'd'].map((l) => started(device, l));
	assert.is(handler.submitMany(outs), 3);
	assert.is(handler.numPending, 3);
	assert.is(handler.stats().rejected, 1);
	outs[1]?.markCompleted('B');
	outs[0]?.markCompleted('A');
	assert.equal(
		handler.poll().map((o) => o.label),
		['a', 'b'],
	);
	assert.is(handler.submitMany([outs[3] as AsyncOutput<string>]), 1, 'room again after poll');
	assert.is(handler.submitMany([]), 0);
});

batch('refuses the whole batch for an output that cannot be submitted', async () => {
	const device = await simDevice(EXACT);
	const handler = new AsyncOutputHandler<string>({ device, maxPending: 8 });
	const [a, b] = [started(device, 'a'), started(device, 'b')];
	throwsCode(
		() => handler.submitMany([a, b, a]),
		InvalidStateError,
		'ERR_INVALID_STATE',
		'AsyncOutputHandler.submitMany(): the output was already added: outputs[2]',
	);
	assert.is(handler.numPending, 0, 'nothing queued');
	const other = new AsyncOutputHandler<string>({ device, maxPending: 1 });
	assert.ok(other.submit(b));
	throwsCode(
		() => handler.submitMany([a, b]),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'AsyncOutputHandler.submitMany(): the output already belongs to a handler: outputs[1]',
	);
	assert.is(handler.numPending, 0);
	throwsCode(
		() => handler.submitMany([a, 'x' as unknown as AsyncOutput<string>]),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		"Expected an AsyncOutput for outputs[1], got 'x' (string)",
	);
	throwsCode(
		() => handler.submitMany(a as unknown as AsyncOutput<string>[]),
		InvalidArgumentError,
		'ERR_INVALID_ARGUMENT',
		'Expected an array of AsyncOutput for outputs, got AsyncOutput (object)',
	);
	a.markCompleted('A');
	assert.is(await a.get(), 'A');
	throwsCode(
		() => handler.submitMany([a]),
		InvalidStateError,
		'ERR_INVALID_STATE',
		"AsyncOutputHandler.submitMany(): 'a' was already delivered and cannot be submitted",
	);
	assert.is(handler.numPending, 0);
});

batch('outputs of another device are refused', async () => {
	const device = await simDevice(EXACT);
	const elsewhere = await simDevice(EXACT);
	const handler = new AsyncOutputHandler<string>({ device, maxPending: 2 });
	throwsCode(
		() => handler.submitMany([started(elsewhere, 'x')]),
		ForeignObjectError,
		'ERR_FOREIGN_OBJECT',
		'AsyncOutputHandler.submitMany(): the output belongs to another device',
	);
});

batch.run();
