import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Stream } from '../../src/api/stream.ts';
import type { SimDevice } from '../../src/device/sim/sim-device.ts';
import { EXACT, simDevice } from '../helpers.ts';

/** The wait pump of the simulated device (src/device/sim/waits.ts). */

const MS = 1_000_000;
const pump = suite('the wait pump');

/** Counts how often the pump runs the device's clock. */
function countRuns(device: SimDevice): { runs: number } {
	const counter = { runs: 0 };
	const run = device.runUntilWaiter.bind(device);
	device.runUntilWaiter = () => {
		counter.runs++;
		return run();
	};
	return counter;
}

/** Lets `n` turns of the event loop pass (setTimeout: this suite runs in browsers too). */
async function macrotasks(n: number): Promise<void> {
	for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

pump('parks on a device stuck behind a kernel that never ends, instead of spinning', async () => {
	const device = await simDevice(EXACT);
	const stuck = new Stream(device, { label: 'stuck' });
	stuck.launchKernel({ durationNs: Number.POSITIVE_INFINITY, occupancy: 0.5 });
	const counter = countRuns(device);
	const controller = new AbortController();
	const wait = stuck.synchronize({ signal: controller.signal }).catch((e) => e);
	await macrotasks(20);
	assert.is(counter.runs, 1, 'one run found nothing to do, then the pump parked');

	// Work issued on another stream wakes it; that work completes at its own virtual time.
	const other = new Stream(device);
	other.launchKernel({ durationNs: 2 * MS, occupancy: 0.5 });
	await other.synchronize();
	assert.is(device.now(), 2 * MS);

	controller.abort('enough');
	assert.is(await wait, 'enough');
});

pump('a new wait or a kick after parking moves the clock again', async () => {
	const device = await simDevice(EXACT);
	const stuck = new Stream(device);
	stuck.launchKernel({ durationNs: Number.POSITIVE_INFINITY, occupancy: 0.5 });
	const controller = new AbortController();
	const parked = stuck.synchronize({ signal: controller.signal }).catch(() => 'aborted');
	await macrotasks(10);
	const late = new Stream(device);
	late.launchKernel({ durationNs: MS, occupancy: 0.5 });
	// A timeout is a deadline on the virtual clock: it fires even while the pump was parked.
	const timedOut = await stuck.synchronize({ timeout: 5 }).catch((e) => e.code);
	assert.is(timedOut, 'ERR_TIMEOUT');
	assert.is(device.now(), 5 * MS);
	assert.is(late.query(), true);
	controller.abort();
	assert.is(await parked, 'aborted');
});

pump.run();
