import { AsyncOutputError, TraceFormatError } from '../errors.js';
import {
	describe,
	expectInstance,
	expectInteger,
	expectLabel,
	expectNumber,
	expectOneOf,
	expectOptions,
	invalid,
} from '../validate.js';
import {
	type IssuedOp,
	OP_KINDS,
	Recording,
	type TimelineEvent,
	type TimelineKind,
} from './recording.js';

/**
 * Recording files: one or more named recordings as JSON, each with its hash, so that a run
 * can be kept, replayed later and compared bit for bit.
 *
 *   { "format": "async-output/recording", "version": 1,
 *     "runs": [{ "name", "device", "profile", "opGapNs", "clockNs", "hash",
 *                "streams": [...], "ops": [...], "events": [...] }] }
 *
 * Events are written in canonical order (see `Recording.sortedEvents`), so that the same run
 * always gives the same file.
 */

/** The `format` field of a recording file. */
export const RECORDING_FORMAT = 'async-output/recording';

/** The version this build writes and reads. */
export const RECORDING_VERSION = 1;

/** A recording with a name (a run of a file). */
export interface NamedRecording {
	name: string;
	recording: Recording;
}

/** Checks a list of named recordings, the input of every export (Chrome trace, HTML, file). */
export function expectNamedRecordings(name: string, value: unknown): readonly NamedRecording[] {
	if (!Array.isArray(value)) throw invalid('an array of { name, recording }', name, value);
	for (const [i, run] of value.entries()) {
		expectOptions(`${name}[${i}]`, run as NamedRecording);
		expectLabel(`${name}[${i}].name`, (run as NamedRecording).name, '');
		expectInstance(
			`${name}[${i}].recording`,
			(run as NamedRecording).recording,
			Recording,
			'a Recording',
		);
	}
	return value;
}

const TIMELINE_KINDS: readonly TimelineKind[] = [...OP_KINDS, 'host_work', 'host_wait', 'launch'];

/**
 * Writes recordings as the JSON text of a recording file.
 *
 * @example
 *   writeFileSync('run.json', recordingsToJson([{ name: 'decode loop', recording }]));
 */
export function recordingsToJson(runs: readonly NamedRecording[]): string {
	expectNamedRecordings('runs', runs);
	return JSON.stringify({
		format: RECORDING_FORMAT,
		version: RECORDING_VERSION,
		runs: runs.map(({ name, recording: r }) => ({
			name,
			device: r.device,
			profile: r.profile,
			opGapNs: r.opGapNs,
			clockNs: r.clockNs,
			hash: r.hash(),
			streams: r.streams.map((s) => ({ label: s.label, priority: s.priority })),
			ops: r.ops.map(canonicalOp),
			events: r.sortedEvents().map(canonicalEvent),
		})),
	});
}

/** Fields in one order, whatever order the object was built in: the same run, the same text. */
function canonicalOp(o: IssuedOp): IssuedOp {
	return {
		stream: o.stream,
		kind: o.kind,
		name: o.name,
		engine: o.engine,
		bytes: o.bytes,
		releaseNs: o.releaseNs,
		durationNs: o.durationNs,
		units: o.units,
		fault: o.fault,
		waitFor: o.waitFor === undefined ? undefined : { stream: o.waitFor.stream, seq: o.waitFor.seq },
	};
}

function canonicalEvent(e: TimelineEvent): TimelineEvent {
	return {
		kind: e.kind,
		name: e.name,
		lane: e.lane,
		engine: e.engine,
		start: e.start,
		end: e.end,
		bytes: e.bytes,
		op: e.op,
	};
}

/** Whether parsed JSON is a recording file (rather than, say, a profiler trace). */
export function isRecordingFile(json: unknown): boolean {
	return (
		json !== null &&
		typeof json === 'object' &&
		(json as { format?: unknown }).format === RECORDING_FORMAT
	);
}

/**
 * Reads the text of a recording file.
 *
 * @throws TraceFormatError when the text is not JSON, not a recording file of a version this
 *   build reads, has a field of the wrong type, or holds a run whose content does not hash to
 *   the hash stored with it (an edited or damaged file).
 */
export function parseRecordings(text: string): NamedRecording[] {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new TraceFormatError(`recording file: not JSON: ${(error as Error).message}`);
	}
	return fromJson(json);
}

/** Builds recordings from a parsed recording file; see `parseRecordings`. */
export function fromJson(json: unknown): NamedRecording[] {
	return asFormatError(() => {
		const file = expectOptions('the recording file', json as object) as Record<string, unknown>;
		expectOneOf('format', file.format, [RECORDING_FORMAT]);
		expectInteger('version', file.version, RECORDING_VERSION, RECORDING_VERSION);
		const runs = expectArray('runs', file.runs);
		return runs.map((run, i) => readRun(run, `runs[${i}]`));
	});
}

function readRun(value: unknown, name: string): NamedRecording {
	const run = expectOptions(name, value as object) as Record<string, unknown>;
	const recording = new Recording(expectString(`${name}.device`, run.device));
	if (run.profile !== undefined) recording.profile = expectString(`${name}.profile`, run.profile);
	recording.opGapNs = expectInteger(`${name}.opGapNs`, run.opGapNs ?? 0);
	recording.clockNs = expectNumber(`${name}.clockNs`, run.clockNs ?? 0);

	const streams = expectArray(`${name}.streams`, run.streams ?? []);
	streams.forEach((s, i) => {
		const at = `${name}.streams[${i}]`;
		const stream = expectOptions(at, s as object) as Record<string, unknown>;
		recording.addStream({
			label: expectString(`${at}.label`, stream.label),
			priority: expectInteger(`${at}.priority`, stream.priority ?? 0, -(2 ** 31), 2 ** 31 - 1),
		});
	});
	const ops = expectArray(`${name}.ops`, run.ops ?? []);
	ops.forEach((o, i) => {
		recording.addOp(readOp(o, `${name}.ops[${i}]`, streams.length));
	});
	const events = expectArray(`${name}.events`, run.events ?? []);
	events.forEach((e, i) => {
		recording.add(readEvent(e, `${name}.events[${i}]`, ops.length));
	});

	const hash = recording.hash();
	if (run.hash !== undefined && run.hash !== hash) {
		throw new TraceFormatError(
			`recording file: ${name} stores hash ${describe(run.hash)} but its content hashes to '${hash}' (the file was edited or damaged)`,
		);
	}
	return { name: expectString(`${name}.name`, run.name ?? `run ${name}`), recording };
}

function readOp(value: unknown, name: string, streams: number): IssuedOp {
	const o = expectOptions(name, value as object) as Record<string, unknown>;
	const op: IssuedOp = {
		stream: expectInteger(`${name}.stream`, o.stream, 0, streams - 1),
		kind: expectOneOf(`${name}.kind`, o.kind, OP_KINDS),
		name: expectString(`${name}.name`, o.name),
		releaseNs: expectNumber(`${name}.releaseNs`, o.releaseNs),
		durationNs: o.durationNs === -1 ? -1 : expectNumber(`${name}.durationNs`, o.durationNs),
		units: expectInteger(`${name}.units`, o.units ?? 0, 0, 1024),
	};
	if (o.engine !== undefined) op.engine = expectString(`${name}.engine`, o.engine);
	if (o.bytes !== undefined) op.bytes = expectInteger(`${name}.bytes`, o.bytes);
	if (o.fault !== undefined) op.fault = expectTrue(`${name}.fault`, o.fault);
	if (o.waitFor !== undefined) {
		const w = expectOptions(`${name}.waitFor`, o.waitFor as object) as Record<string, unknown>;
		op.waitFor = {
			stream: expectInteger(`${name}.waitFor.stream`, w.stream, 0, streams - 1),
			seq: expectInteger(`${name}.waitFor.seq`, w.seq, 1),
		};
	}
	return op;
}

function readEvent(value: unknown, name: string, ops: number): TimelineEvent {
	const e = expectOptions(name, value as object) as Record<string, unknown>;
	const start = expectNumber(`${name}.start`, e.start);
	const event: TimelineEvent = {
		kind: expectOneOf(`${name}.kind`, e.kind, TIMELINE_KINDS),
		name: expectString(`${name}.name`, e.name),
		lane: expectString(`${name}.lane`, e.lane),
		start,
		end: expectNumber(`${name}.end`, e.end, start),
	};
	if (e.engine !== undefined) event.engine = expectString(`${name}.engine`, e.engine);
	if (e.bytes !== undefined) event.bytes = expectInteger(`${name}.bytes`, e.bytes);
	if (e.op !== undefined) event.op = expectInteger(`${name}.op`, e.op, 0, ops - 1);
	return event;
}

function expectString(name: string, value: unknown): string {
	if (typeof value !== 'string') throw invalid('a string', name, value);
	return value;
}

function expectArray(name: string, value: unknown): unknown[] {
	if (!Array.isArray(value)) throw invalid('an array', name, value);
	return value;
}

function expectTrue(name: string, value: unknown): true {
	if (value !== true) throw invalid('true', name, value);
	return true;
}

/** Runs `read`, turning argument errors into format errors that say where in the file. */
function asFormatError<T>(read: () => T): T {
	try {
		return read();
	} catch (error) {
		if (error instanceof TraceFormatError || !(error instanceof AsyncOutputError)) throw error;
		throw new TraceFormatError(`recording file: ${error.message}`);
	}
}
