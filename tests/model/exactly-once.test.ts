import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { AsyncOutputHandler } from '../../src/api/handler.ts';
import { Stream } from '../../src/api/stream.ts';
import { EXACT, simDevice } from '../helpers.ts';

/**
 * Exactly-once delivery through the public API: random mixes of outputs bound to copies and
 * outputs marked by hand (completed, failed or cancelled at random times), submitted with
 * backpressure and taken out by poll, waitOne (with and without timeouts) and waitAll. Every
 * output submitted comes out exactly once, and get() delivers it once or says why not.
 */

interface Plan {
	kind: 'copy' | 'done' | 'fail' | 'cancel';
	ns: number;
}

const plan = fc.record({
	kind: fc.constantFrom('copy', 'copy', 'done', 'fail', 'cancel'),
	ns: fc.integer({ min: 0, max: 50_000 }),
}) as fc.Arbitrary<Plan>;

const runs = Number(process.env.API_MODEL_RUNS ?? 300);
const once = suite('exactly-once delivery through the API');

once(`${runs} random pipelines deliver every output exactly once`, async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(plan, { minLength: 1, maxLength: 24 }),
			fc.integer({ min: 1, max: 4 }),
			// Ends with a plain waitOne so that a full handler always drains: host work and polls
			// alone never free a slot (virtual time only moves when the host does something).
			fc
				.array(fc.constantFrom('poll', 'waitOne', 'waitOneTimeout', 'work'), { maxLength: 7 })
				.map((m) => [...m, 'waitOne']),
			async (plans, maxPending, moves) => {
				const device = await simDevice({ ...EXACT, d2hPinnedGBps: 1 });
				const stream = new Stream(device);
				const handler = new AsyncOutputHandler<unknown>({ device, maxPending });
				const out: AsyncOutput<unknown>[] = [];
				const seen = new Map<AsyncOutput<unknown>, number>();
				const take = (o: AsyncOutput<unknown>) => seen.set(o, (seen.get(o) ?? 0) + 1);
				let move = 0;
				const consume = async () => {
					const kind = moves[move++ % moves.length];
					if (kind === 'poll') for (const o of handler.poll()) take(o);
					else if (kind === 'work') device.hostWork(10_000);
					else if (handler.numPending + handler.numCompleted > 0) {
						const timeout = kind === 'waitOneTimeout' ? 0.005 : undefined;
						try {
							take(await handler.waitOne({ timeout }));
						} catch (error) {
							assert.is((error as { code: string }).code, 'ERR_TIMEOUT');
						}
					}
				};

				for (const [i, p] of plans.entries()) {
					let o: AsyncOutput<unknown>;
					if (p.kind === 'copy') {
						stream.launchKernel({ durationNs: p.ns });
						o = asyncCopyToHost(device.alloc('uint8', [1 + (i % 7)]), {
							stream,
							label: `copy ${i}`,
						});
					} else {
						o = new AsyncOutput(device, { label: `${p.kind} ${i}` });
						o.markStarted();
						const finish = () =>
							p.kind === 'done'
								? o.markCompleted(i)
								: p.kind === 'fail'
									? o.markFailed(new Error(`f${i}`))
									: o.cancel();
						if (p.ns % 2 === 0) finish();
						else queueMicrotask(finish);
					}
					out.push(o);
					while (!handler.submit(o)) await consume();
				}
				for (const o of await handler.waitAll()) take(o);
				for (const o of handler.poll()) take(o);

				assert.is(seen.size, out.length, 'every output came out');
				for (const o of out) {
					assert.is(seen.get(o), 1, `${o.label} came out once`);
					const result = await o.get().then(
						() => 'value',
						(e) => (e as { code: string }).code,
					);
					const expected = o.label.startsWith('fail')
						? 'ERR_OUTPUT_FAILED'
						: o.label.startsWith('cancel')
							? 'ERR_CANCELLED'
							: 'value';
					assert.is(result, expected, o.label);
					assert.is(await o.get().catch((e) => e.code), 'ERR_ALREADY_DELIVERED', 'and only once');
				}
				assert.is(handler.numPending, 0);
			},
		),
		{ numRuns: runs },
	);
});

once.run();
