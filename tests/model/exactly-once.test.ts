import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncOutput } from '../../src/api/async-output.ts';
import { asyncCopyToHost } from '../../src/api/copy.ts';
import { DoubleBuffer } from '../../src/api/double-buffer.ts';
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
							device.hostWork(500); // a timeout of 0 moves no time: the host does something
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

/** What a double-buffer pipeline does with each step's output once it is issued. */
type Fate = 'take' | 'defer' | 'cancel';

once(
	`${runs} random double-buffer pipelines: each step's values once, untorn, or cancelled`,
	async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.integer({ min: 2, max: 4 }),
				fc.array(
					fc.record({
						computeNs: fc.integer({ min: 0, max: 8_000 }),
						fate: fc.constantFrom<Fate>('take', 'defer', 'defer', 'cancel'),
						swapTimeoutMs: fc.option(fc.constantFrom(0, 0.001, 0.004), { nil: undefined }),
					}),
					{ minLength: 1, maxLength: 16 },
				),
				async (slots, steps) => {
					// 4,000 B per slot at 1 B/ns: 4 us transfers, as long as a typical kernel here.
					const device = await simDevice({ ...EXACT, d2hPinnedGBps: 1 });
					const main = new Stream(device, { label: 'main' });
					const buffer = new DoubleBuffer([1000], 'int32', { device, slots });
					const deferred = new Map<number, AsyncOutput<Int32Array>>();
					const cancelled: AsyncOutput<Int32Array>[] = [];
					const seen: number[] = [];
					const take = async (step: number, out: AsyncOutput<Int32Array>) => {
						const values = await out.get();
						assert.is(values[0], step * 10, `step ${step}'s own values`);
						assert.is(values[999], step * 10 + 999, `step ${step} untorn`);
						seen.push(step);
					};

					for (const [step, plan] of steps.entries()) {
						main.launchKernel({
							durationNs: plan.computeNs,
							fill: { target: buffer.current, value: step * 10, step: 1 },
						});
						// A slot whose result was deferred comes round: the transfer is refused until that
						// result is taken; nothing is overwritten.
						let out: AsyncOutput<Int32Array> | undefined;
						while (out === undefined) {
							try {
								out = buffer.transfer({ after: main }) as AsyncOutput<Int32Array>;
							} catch (error) {
								assert.is((error as { code: string }).code, 'ERR_BUSY');
								const [oldest, held] = [...deferred.entries()][0] as [
									number,
									AsyncOutput<Int32Array>,
								];
								deferred.delete(oldest);
								await take(oldest, held);
							}
						}
						if (plan.fate === 'take') await take(step, out);
						else if (plan.fate === 'defer') deferred.set(step, out);
						else {
							out.cancel();
							cancelled.push(out);
						}
						for (;;) {
							try {
								await buffer.swap({ timeout: plan.swapTimeoutMs });
								break;
							} catch (error) {
								assert.is((error as { code: string }).code, 'ERR_TIMEOUT');
								device.hostWork(500); // a timeout of 0 moves no time: the host does something
							}
						}
					}
					for (const [step, out] of deferred) await take(step, out);

					const expected = steps.flatMap((p, i) => (p.fate === 'cancel' ? [] : [i]));
					assert.equal(
						[...seen].sort((a, b) => a - b),
						expected,
						'every step not cancelled, once',
					);
					for (const out of cancelled) {
						assert.is(await out.get().catch((e) => e.code), 'ERR_CANCELLED');
					}
				},
			),
			{ numRuns: runs },
		);
	},
);

once.run();
