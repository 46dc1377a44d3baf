import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { EXACT, simDevice } from '../helpers.ts';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

async function settle(): Promise<void> {
	for (let i = 0; i < 5; i++) {
		collect();
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

const finalizer = suite('AsyncOutput finalizer');

finalizer('releases the rows of outputs dropped without get(), keeps those held', async () => {
	const device = await simDevice(EXACT);
	const raw = device.core.raw;
	const held = new AsyncOutput<number>(device, { label: 'held' });
	held.markStarted();
	for (let i = 0; i < 5000; i++) new AsyncOutput<number>(device).markStarted();
	await settle();
	// The newest outputs may still wait in the nursery (at most 1,024); the rest are released.
	assert.ok(raw.output_live() <= 1 + 1024, `${raw.output_live()} rows live`);
	held.markCompleted(7);
	assert.is(await held.get(), 7);
});

finalizer('outputs delivered before the nursery fills never reach the finalizer', async () => {
	const device = await simDevice(EXACT);
	const raw = device.core.raw;
	const start = raw.output_live();
	for (let i = 0; i < 3000; i++) {
		const out = new AsyncOutput<number>(device);
		out.markStarted();
		out.markCompleted(i);
		assert.is(await out.get(), i);
	}
	assert.is(raw.output_live(), start, 'get() released every row at once');
	await settle();
	assert.is(raw.output_live(), start);
});

finalizer.run();
