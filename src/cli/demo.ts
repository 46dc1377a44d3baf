import { writeFileSync } from 'node:fs';
import { createDevice, type DeviceChoice, probeCuda } from '../device/create.js';
import { type DecodeLoopRun, decodeLoopConfig, runDecodeLoop } from '../pipeline/decode-loop.js';
import { toChromeTrace } from '../trace/chrome.js';
import { toHtmlTimeline } from '../trace/html.js';
import type { Recording } from '../trace/recording.js';
import { type NamedRecording, recordingsToJson } from '../trace/recording-file.js';
import { bytes, ms, pct, signedPct, table } from './format.js';

/** Options of `async-output demo`, as parsed. */
export interface DemoArgs {
	device: DeviceChoice;
	profile?: string;
	steps: number;
	computeMs: number;
	hostMs: number;
	batch: number;
	vocab: number;
	json: boolean;
	traceOut?: string;
	html?: string;
	record?: string;
}

/**
 * Runs the decode loop serial then overlapped and returns what to print, with exit code 1 when
 * an output did not hold its own step's values.
 */
export async function demo(args: DemoArgs): Promise<{ text: string; exitCode: number }> {
	const options = {
		steps: args.steps,
		computeNs: args.computeMs * 1e6,
		hostNs: args.hostMs * 1e6,
		batch: args.batch,
		vocab: args.vocab,
	};
	const config = decodeLoopConfig(options);
	const runs: DecodeLoopRun[] = [];
	for (const mode of ['serial', 'overlapped'] as const) {
		// A fresh device per mode, so that each run starts from a clock of zero; recording is
		// passive and cheap, and gives every run its hash.
		const device = await createDevice(args.device, { profile: args.profile });
		runs.push(await runDecodeLoop(device, mode, options, true));
		device.destroy();
	}
	const device = await createDevice(args.device, { profile: args.profile });
	const [serial, overlapped] = runs as [DecodeLoopRun, DecodeLoopRun];
	const named: NamedRecording[] = runs.map((r) => ({
		name: `decode loop, ${r.mode}`,
		recording: r.recording as Recording,
	}));
	// 'auto' says why it did not take the GPU.
	const probe = args.device === 'auto' && device.kind === 'sim' ? await probeCuda() : undefined;
	const fallback = probe !== undefined && !probe.ok ? probe.error.message : undefined;

	if (args.traceOut !== undefined)
		writeFileSync(args.traceOut, JSON.stringify(toChromeTrace(named)));
	if (args.html !== undefined) {
		const title = `async-output demo: ${config.steps} steps on the ${device.name}, serial and overlapped`;
		writeFileSync(args.html, toHtmlTimeline(named, { title }));
	}
	if (args.record !== undefined) writeFileSync(args.record, recordingsToJson(named));

	const result = {
		device: { kind: device.kind, name: device.name, profile: device.profile?.id, fallback },
		config,
		runs: runs.map(({ recording, ...run }) => ({
			...run,
			overlap: Number(run.overlap.toFixed(6)),
			hash: recording?.hash(),
		})),
		speedup: Number((serial.stepNs / overlapped.stepNs).toFixed(6)),
		overlappedVsBound: Number(
			((overlapped.stepNs - overlapped.boundNs) / overlapped.boundNs).toFixed(6),
		),
		traceOut: args.traceOut,
		html: args.html,
		record: args.record,
	};
	device.destroy();
	const exitCode = runs.every((r) => r.verified) ? 0 : 1;
	if (args.json) return { text: `${JSON.stringify(result, null, 2)}\n`, exitCode };

	const lines = [
		`async-output demo: a decode loop of ${config.steps} steps on the ${device.name} (profile ${result.device.profile})`,
		...(fallback === undefined ? [] : [`(--device auto: ${fallback}; using the simulated device)`]),
		`per step: compute ${ms(config.computeNs)} ms, output copy ${bytes(config.outputBytes)} (${ms(overlapped.copyNs)} ms pinned D2H), host post-processing ${ms(config.hostNs)} ms`,
		'',
		table(
			[
				'mode',
				'step (ms)',
				'compute',
				'copy',
				'host',
				'bound max(c,x,h)',
				'vs bound',
				'overlap',
				'speed-up',
				'values',
			],
			runs.map((r) => [
				r.mode,
				ms(r.stepNs),
				ms(r.computeNs),
				ms(r.copyNs),
				ms(r.hostNs),
				ms(r.boundNs),
				signedPct(((r.stepNs - r.boundNs) / r.boundNs) * 100),
				pct(r.overlap),
				`${(serial.stepNs / r.stepNs).toFixed(2)}x`,
				r.verified ? 'ok' : 'WRONG',
			]),
		),
		'',
		`Overlapped, each step takes ${ms(overlapped.stepNs)} ms: ${signedPct(result.overlappedVsBound * 100, 3)} from the bound, ${result.speedup.toFixed(2)}x the serial loop.`,
	];
	if (args.traceOut !== undefined)
		lines.push(`Chrome trace written to ${args.traceOut} (open it in https://ui.perfetto.dev).`);
	if (args.html !== undefined) lines.push(`HTML timeline written to ${args.html}.`);
	if (args.record !== undefined)
		lines.push(
			`Recording written to ${args.record} (hashes ${named.map((r) => r.recording.hash()).join(', ')}; replay it with async-output replay ${args.record}).`,
		);
	if (exitCode !== 0) {
		lines.push("Some outputs did not hold their own step's values (WRONG above): exit code 1.");
	}
	return { text: `${lines.join('\n')}\n`, exitCode };
}
