import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseKineto } from '../../src/trace/kineto.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { tracePath } from '../helpers.ts';

const US = 1000;
const replay = async (name: string) =>
	replayTrace(parseKineto(readFileSync(tracePath(name), 'utf8')), { record: true });

const bounds = suite('replay error on the sample traces');

// The bounds follow from what the model leaves out. Timestamps of the HTA traces are whole
// microseconds, and each host synchronize lets the latency the model does not capture (a few
// microseconds of driver pickup or staging per operation) carry into everything after it: the
// AlexNet trace has 21 synchronizes between its copies and kernels, so its start-time error
// may grow to about 21 x 4 us; the H100 trace has nanosecond timestamps and no synchronize in
// the middle, so its error stays within the submit-latency spread (0.93-2.13 us).

bounds(
	'AlexNet (A100): start error median < 50 us, p95 < 100 us, makespan within 0.01%',
	async () => {
		const r = await replay('hta_alexnet_a100.json');
		assert.is(r.profile.id, 'a100');
		assert.is(r.error.start.count, 98);
		assert.ok(r.error.start.medianNs < 50 * US, `median ${r.error.start.medianNs}`);
		assert.ok(r.error.start.p95Ns < 100 * US, `p95 ${r.error.start.p95Ns}`);
		assert.ok(Math.abs(r.error.makespanErrorPct) < 0.01, `makespan ${r.error.makespanErrorPct}%`);
		assert.is(r.error.traceMakespanNs, 12_920_244_000);
	},
);

bounds('BERT (H100): start error p95 < 1 us, makespan within 0.01%', async () => {
	const r = await replay('tracelens_h100_bert_small.json');
	assert.is(r.profile.id, 'h100-sxm');
	assert.is(r.error.start.count, 61);
	assert.ok(r.error.start.p95Ns < 1 * US, `p95 ${r.error.start.p95Ns}`);
	assert.ok(Math.abs(r.error.makespanErrorPct) < 0.01);
});

bounds('the two event-sync traces: p95 <= 5 us and makespan within 5 us', async () => {
	for (const name of ['hta_cuda_event_sync.json', 'hta_event_sync_multi_stream.json']) {
		const r = await replay(name);
		assert.ok(r.error.start.p95Ns <= 5 * US, `${name} p95 ${r.error.start.p95Ns}`);
		assert.ok(
			Math.abs(r.error.makespanErrorNs) <= 5 * US,
			`${name} makespan ${r.error.makespanErrorNs}`,
		);
	}
});

bounds.run();

const whatIf = suite('what-if: pinned copies on side streams');

whatIf('AlexNet: 16 pageable copies pinned save time, and never more than they cost', async () => {
	const r = await replay('hta_alexnet_a100.json');
	assert.is(r.whatIf.copiesMoved, 16);
	assert.is(r.counts.copies.pageable, 16);
	// 244,403,360 B at 25.13 GB/s plus 2 us per copy.
	assert.is(r.whatIf.copyTimeAfterNs, 9_757_562);
	assert.ok(r.whatIf.savedNs > 0, 'the what-if is faster');
	const pageableHostTime = r.whatIf.copyTimeBeforeNs; // at least the copies themselves
	assert.ok(r.whatIf.savedNs < pageableHostTime, 'cannot save more than the copies took');
	assert.ok(
		r.assumptions.some((a) => a.includes('25.13 GB/s')),
		'states the bandwidth',
	);
});

whatIf('a trace without copies predicts no change', async () => {
	const r = await replay('hta_event_sync_multi_stream.json');
	assert.is(r.whatIf.savedNs, 0);
	assert.is(r.whatIf.makespanNs, r.error.replayMakespanNs);
});

whatIf('the replay is deterministic and returns its timelines', async () => {
	const a = await replay('hta_alexnet_a100.json');
	const b = await replay('hta_alexnet_a100.json');
	assert.is(a.timelines?.replay.hash(), b.timelines?.replay.hash());
	assert.is(a.timelines?.replay.events.filter((e) => e.kind === 'kernel').length, 79);
	assert.equal(a.error, b.error);
});

whatIf.run();
