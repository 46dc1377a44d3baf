import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TraceFormatError } from '../../src/errors.ts';
import * as lib from '../../src/index.ts';
import type { Recording } from '../../src/trace/recording.ts';
import {
	isRecordingFile,
	parseRecordings,
	RECORDING_FORMAT,
	recordingsToJson,
} from '../../src/trace/recording-file.ts';
import { replayRecording } from '../../src/trace/recording-replay.ts';
import { throwsCode } from '../helpers.ts';
import { PROGRAMS } from '../programs.ts';

const file = suite('recording files');

async function run(name: string): Promise<Recording> {
	return (PROGRAMS[name] as (l: typeof lib) => Promise<Recording>)(lib);
}

file('round-trips every run: same hash, same ops, same timeline', async () => {
	const serial = await run('decode loop, serial');
	const events = await run('events, priorities and host functions');
	const text = recordingsToJson([
		{ name: 'serial', recording: serial },
		{ name: 'events', recording: events },
	]);
	const json = JSON.parse(text);
	assert.is(json.format, RECORDING_FORMAT);
	assert.is(json.version, 1);
	assert.is(json.runs[0].hash, serial.hash());
	assert.ok(isRecordingFile(json));
	assert.not.ok(isRecordingFile({ traceEvents: [] }));

	const runs = parseRecordings(text);
	assert.equal(
		runs.map((r) => r.name),
		['serial', 'events'],
	);
	const back = (runs[1] as { recording: Recording }).recording;
	assert.is(back.hash(), events.hash());
	assert.equal(back.ops, JSON.parse(JSON.stringify(events.ops)));
	assert.equal(back.streams, events.streams);
	assert.is(back.profile, 'a100');
	assert.is(back.clockNs, events.clockNs);
	assert.is((await replayRecording(back)).hash(), events.hash());
	assert.is(recordingsToJson(runs), text, 'the same run always gives the same file');
});

file('rejects what is not a recording file, saying where', async () => {
	const good = JSON.parse(
		recordingsToJson([{ name: 'r', recording: await run('an injected fault') }]),
	);
	const bad = (mutate: (json: typeof good) => void) => {
		const copy = structuredClone(good);
		mutate(copy);
		return () => parseRecordings(JSON.stringify(copy));
	};
	throwsCode(
		() => parseRecordings('{"format":'),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		/^recording file: not JSON: /,
	);
	throwsCode(
		bad((j) => {
			j.format = 'other';
		}),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		"recording file: Expected one of 'async-output/recording' for format, got 'other' (string)",
	);
	throwsCode(
		bad((j) => {
			j.version = 2;
		}),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		'recording file: Expected an integer in [1, 1] for version, got 2 (number)',
	);
	throwsCode(
		bad((j) => {
			j.runs[0].ops[1].releaseNs = 'soon';
		}),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		"recording file: Expected a finite number >= 0 for runs[0].ops[1].releaseNs, got 'soon' (string)",
	);
	throwsCode(
		bad((j) => {
			j.runs[0].ops[0].stream = 9;
		}),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		'recording file: Expected an integer in [0, 1] for runs[0].ops[0].stream, got 9 (number)',
	);
	throwsCode(
		bad((j) => {
			j.runs[0].events[0].end = -1;
		}),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		/^recording file: Expected a finite number >= \d+ for runs\[0\]\.events\[0\]\.end, got -1 \(number\)$/,
	);
	throwsCode(
		bad((j) => {
			j.runs[0].events[0].start += 1;
			j.runs[0].events[0].end += 1;
		}),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		/^recording file: runs\[0\] stores hash '[0-9a-f]{16}' but its content hashes to '[0-9a-f]{16}' \(the file was edited or damaged\)$/,
	);
});

file.run();
