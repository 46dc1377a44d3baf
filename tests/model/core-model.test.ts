import fc from 'fast-check';
import { suite } from 'uvu';
import { Core } from '../../src/core/core.ts';
import { CoreModel, coreCommands, invariants } from './core-model.ts';

/**
 * Model-based test of the core: random sequences of commands on outputs, handlers, barriers
 * and double buffers, run against core.wasm and a plain TypeScript model of the same rules.
 * MODEL_RUNS sets the number of sequences (npm test: 10,000; npm run soak: far more);
 * MODEL_SEED replays a failing run.
 */

const runs = Number(process.env.MODEL_RUNS ?? 10_000);
const seed = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const model = suite('core against its model');

model(`${runs} random command sequences agree step by step`, async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.commands(coreCommands, { maxCommands: 40, size: 'large' }),
			async (commands) => {
				const core = await Core.create(); // a fresh core per sequence
				const m = new CoreModel();
				fc.modelRun(() => ({ model: m, real: { core } }), commands);
				invariants(m);
			},
		),
		{ numRuns: runs, seed },
	);
});

model.run();
