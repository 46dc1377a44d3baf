import { readFileSync } from 'node:fs';
import { parseKineto } from '../src/trace/kineto.ts';
import { replayTrace } from '../src/trace/replay.ts';
import { compare, type Row, rate, ratio, times, writeResult } from './lib/harness.ts';
import { tracePath } from './lib/traces.ts';

/**
 * Trace replay: trace events per second through import (parse and read the Kineto trace) plus
 * replay (the replay and its what-if on the simulated device), on the largest sample trace,
 * against JSON.parse of the same text alone. The target: the replay adds at most the time of
 * the parse, that is import plus replay takes at most twice the parse.
 */

const TRACE = 'tracelens_h100_bert_small.json';
const text = readFileSync(tracePath(TRACE), 'utf8');
const events = (JSON.parse(text) as { traceEvents: unknown[] }).traceEvents.length;

const rates = await compare(
	[
		{
			name: 'JSON.parse',
			items: events,
			fn: () => {
				const data = JSON.parse(text) as { traceEvents: unknown[] };
				if (data.traceEvents.length !== events) throw new Error('parse lost events');
			},
		},
		{
			name: 'import + replay',
			items: events,
			fn: async () => {
				const report = await replayTrace(parseKineto(text));
				if (report.counts.kernels !== 60)
					throw new Error(`replay: ${report.counts.kernels} kernels`);
			},
		},
	],
	{ rounds: 7, timeMs: 300 },
);
const parse = rates.get('JSON.parse')!;
const full = rates.get('import + replay')!;
// Time of the whole over time of the parse, per round; the replay's own share is that minus 1.
const whole = ratio(parse, full);
const added = whole - 1;

const rows: Row[] = [
	{
		what: `trace replay, largest sample (${events} events, ${(text.length / 1e6).toFixed(2)} MB)`,
		figure: rate(full.median, 'events'),
		value: full.median,
		unit: 'events/s',
		anchor: `JSON.parse ${rate(parse.median, 'events')}`,
		anchorValue: parse.median,
		ratio: `${times(whole)} the parse (adds ${times(added)})`,
		ratioValue: added,
		target: 'adds <= 1x the parse',
		met: added <= 1,
	},
];
writeResult('trace-replay', rows, {
	trace: TRACE,
	events,
	bytes: text.length,
	rounds: Object.fromEntries([...rates].map(([name, r]) => [name, r.perRound])),
});
