import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Core } from '../../src/core/core.ts';
import { coreCommands, invariants } from './core-model.ts';
import { DeviceModel, deviceCommands, setupDevice } from './scheduler-model.ts';

/**
 * Model-based test of the simulated device: outputs, handlers, barriers and double buffers
 * mixed with streams, kernels, copies, event records, stream waits, outputs bound to stream
 * work and clock advances, against the Wasm core and a TypeScript model of the same rules.
 * DEVICE_MODEL_RUNS sets the number of sequences; MODEL_SEED replays one.
 */

const runs = Number(process.env.DEVICE_MODEL_RUNS ?? 2_000);
const seed = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const device = suite('simulated device against its model');

device(`${runs} random programs agree step by step, with and without an op gap`, async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.constantFrom(0, 2),
			fc.commands([...deviceCommands, ...coreCommands], { maxCommands: 60, size: 'large' }),
			async (gap, commands) => {
				const core = await Core.create();
				core.raw.sim_set_op_gap(gap);
				const m = new DeviceModel();
				m.opGap = gap;
				setupDevice(m, { core });
				fc.modelRun(() => ({ model: m, real: { core } }), commands);
				invariants(m);
			},
		),
		{ numRuns: runs, seed },
	);
});

device('the same program gives the same timeline, bit for bit, in two runs', async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.commands(deviceCommands, { maxCommands: 60, size: 'large' }),
			async (commands) => {
				const logs: string[] = [];
				for (let round = 0; round < 2; round++) {
					const core = await Core.create();
					const m = new DeviceModel();
					const log: string[] = [];
					const real = { core };
					setupDevice(m, real);
					for (const command of commands) {
						if (!command.check(m)) continue;
						command.run(m, real);
						log.push(JSON.stringify([core.raw.sim_now(), m.completedLog]));
					}
					logs.push(log.join('\n'));
				}
				assert.is(logs[0], logs[1]);
			},
		),
		{ numRuns: 200, seed },
	);
});

device.run();
