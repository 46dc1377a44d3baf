import { writeFileSync } from 'node:fs';
import { createDevice, type DeviceChoice, probeCuda } from '../device/create.js';
import { type DecodeLoopRun, decodeLoopConfig, runDecodeLoop } from '../pipeline/decode-loop.js';
import { toChromeTrace } from '../trace/chrome.js';
import type { Recording } from '../trace/recording.js';
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
}

/** Runs the decode loop serial then overlapped and returns what to print. */
export async function demo(args: DemoArgs): Promise<string> {
	const options = {
		steps: args.steps,
		computeNs: args.computeMs * 1e6,
		hostNs: args.hostMs * 1e6,
		batch: args.batch,
		vocab: args.vocab,
	};
	const config = decodeLoopConfig(options);
	const record = args.traceOut !== undefined;
	const runs: DecodeLoopRun[] = [];
	for (const mode of ['serial', 'overlapped'] as const) {
		// A fresh device per mode, so that each run starts from a clock of zero.
		const device = await createDevice(args.device, { profile: args.profile });
		runs.push(await runDecodeLoop(device, mode, options, record));
		device.destroy();
	}
	const device = await createDevice(args.device, { profile: args.profile });
	const [serial, overlapped] = runs as [DecodeLoopRun, DecodeLoopRun];
	// 'auto' says why it did not take the GPU.
	const probe = args.device === 'auto' && device.kind === 'sim' ? await probeCuda() : undefined;
	const fallback = probe !== undefined && !probe.ok ? probe.error.message : undefined;

	if (args.traceOut !== undefined) {
		const trace = toChromeTrace(
			runs.map((r) => ({ name: `decode loop, ${r.mode}`, recording: r.recording as Recording })),
		);
		writeFileSync(args.traceOut, JSON.stringify(trace));
	}

	const result = {
		device: { kind: device.kind, name: device.name, profile: device.profile?.id, fallback },
		config,
		runs: runs.map(({ recording: _, ...run }) => ({
			...run,
			overlap: Number(run.overlap.toFixed(6)),
		})),
		speedup: Number((serial.stepNs / overlapped.stepNs).toFixed(6)),
		overlappedVsBound: Number(
			((overlapped.stepNs - overlapped.boundNs) / overlapped.boundNs).toFixed(6),
		),
		traceOut: args.traceOut,
	};
	device.destroy();
	if (args.json) return `${JSON.stringify(result, null, 2)}\n`;

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
		lines.push(`Timeline written to ${args.traceOut} (open it in https://ui.perfetto.dev).`);
	return `${lines.join('\n')}\n`;
}
