import type { AsyncOutput } from '../api/async-output.js';
import { asyncCopyToHost } from '../api/copy.js';
import { DoubleBuffer } from '../api/double-buffer.js';
import { Stream } from '../api/stream.js';
import type { Device } from '../device/device.js';
import { copyNs } from '../device/profile.js';
import { InvalidStateError } from '../errors.js';
import type { Recording } from '../trace/recording.js';
import {
	expectDevice,
	expectInteger,
	expectNumber,
	expectOneOf,
	expectOptions,
} from '../validate.js';

/**
 * The decode loop of an inference server, run serial and overlapped: the demo's main job.
 *
 * Each step the GPU computes logits (a kernel), the logits are copied to the host, and the host
 * post-processes them (sampling, detokenising). Serial, every step waits for its own copy before
 * the next step is launched. Overlapped, as vLLM's async scheduling does, step N+1 is launched
 * before step N's output is processed: the copy runs on a side stream into pinned memory after
 * the compute stream, an event marks its end, and the host takes the result once; a double
 * buffer keeps step N+2 from overwriting logits still on their way to the host.
 *
 * The bound of a step is max(compute, copy, host): overlapped, the slowest of the three sets
 * the pace.
 */

/** Options of the decode loop. */
export interface DecodeLoopOptions {
	/** Steps to run (>= 3). */
	steps?: number;
	/** GPU time of one step, ns. */
	computeNs?: number;
	/** Host post-processing of one step, ns. */
	hostNs?: number;
	/** Rows (sequences) of the logits. */
	batch?: number;
	/** Columns (vocabulary size) of the logits. */
	vocab?: number;
}

/** The resolved configuration. */
export interface DecodeLoopConfig {
	steps: number;
	computeNs: number;
	hostNs: number;
	batch: number;
	vocab: number;
	outputBytes: number;
}

/** What one mode measured. */
export interface DecodeLoopRun {
	mode: 'serial' | 'overlapped';
	/** Steady-state time per step: between the first and the last output delivered, ns. */
	stepNs: number;
	/** From the first launch to the last output processed, ns. */
	totalNs: number;
	/** Per step: the kernel, the copy as the profile prices it, the host's busy time. */
	computeNs: number;
	copyNs: number;
	hostNs: number;
	/** max(compute, copy, host). */
	boundNs: number;
	/** Hidden time / time that could be hidden: (sum - step) / (sum - bound), 0..1. */
	overlap: number;
	/** Every output held the values its step's kernel wrote. */
	verified: boolean;
	recording?: Recording;
}

const DEFAULTS: DecodeLoopConfig = {
	steps: 64,
	computeNs: 5_000_000,
	hostNs: 2_000_000,
	batch: 64,
	vocab: 32_000,
	outputBytes: 0,
};

/** Resolves and checks options. */
export function decodeLoopConfig(options?: DecodeLoopOptions): DecodeLoopConfig {
	const opts = expectOptions('options', options);
	const batch = expectInteger('options.batch', opts.batch ?? DEFAULTS.batch, 1, 1 << 16);
	const vocab = expectInteger('options.vocab', opts.vocab ?? DEFAULTS.vocab, 1, 1 << 20);
	return {
		steps: expectInteger('options.steps', opts.steps ?? DEFAULTS.steps, 3, 1 << 20),
		computeNs: Math.round(
			expectNumber('options.computeNs', opts.computeNs ?? DEFAULTS.computeNs, 0),
		),
		hostNs: Math.round(expectNumber('options.hostNs', opts.hostNs ?? DEFAULTS.hostNs, 0)),
		batch,
		vocab,
		outputBytes: batch * vocab * 4,
	};
}

/** Runs the loop on `device` in one mode; records the timeline when `record` is set. */
export async function runDecodeLoop(
	device: Device,
	mode: 'serial' | 'overlapped',
	options?: DecodeLoopOptions,
	record = false,
): Promise<DecodeLoopRun> {
	expectDevice('device', device);
	expectOneOf('mode', mode, ['serial', 'overlapped'] as const);
	const config = decodeLoopConfig(options);
	const recording = record ? device.record() : undefined;
	const statsBefore = device.stats();
	const start = device.now();
	const delivered: number[] = [];
	let verified = true;

	const check = (values: Float32Array, step: number) => {
		// The kernel of step s writes s + i into element i, as float32 holds it: every element.
		for (let i = 0; i < values.length; i++) {
			if (values[i] !== Math.fround(step + i)) {
				verified = false;
				return;
			}
		}
	};
	const main = new Stream(device, { label: `${mode} compute` });

	if (mode === 'serial') {
		const logits = device.alloc('float32', [config.batch, config.vocab]);
		const host = device.allocHost('float32', [config.batch, config.vocab]);
		for (let step = 0; step < config.steps; step++) {
			main.launchKernel({
				name: `step ${step}`,
				durationNs: config.computeNs,
				fill: { target: logits, value: step, step: 1 },
			});
			const out = asyncCopyToHost(logits, {
				stream: main,
				into: host,
				label: `step ${step} logits`,
			});
			check(await out.get(), step);
			delivered.push(device.now());
			device.hostWork(config.hostNs);
		}
	} else {
		const copy = new Stream(device, { label: 'overlapped copy' });
		const buffer = new DoubleBuffer([config.batch, config.vocab], 'float32', {
			device,
			stream: copy,
		});
		let previous: { out: AsyncOutput<Float32Array>; step: number } | undefined;
		const process = async (out: AsyncOutput<Float32Array>, step: number) => {
			check(await out.get(), step);
			delivered.push(device.now());
			device.hostWork(config.hostNs);
		};
		for (let step = 0; step < config.steps; step++) {
			main.launchKernel({
				name: `step ${step}`,
				durationNs: config.computeNs,
				fill: { target: buffer.current, value: step, step: 1 },
			});
			const out = buffer.transfer({ after: main });
			if (previous !== undefined) await process(previous.out, previous.step);
			previous = { out, step };
			await buffer.swap();
		}
		if (previous !== undefined) await process(previous.out, previous.step);
		buffer.destroy();
		copy.destroy();
	}
	main.destroy();

	const end = device.now();
	const stats = device.stats();
	if (recording !== undefined) device.stopRecording();
	const profile = device.profile;
	if (profile === undefined)
		throw new InvalidStateError('runDecodeLoop(): the device has no profile');
	const copyTime = copyNs(profile, config.outputBytes, profile.d2hPinnedGBps);
	const hostTime = (stats.hostBusyNs - statsBefore.hostBusyNs) / config.steps;
	const bound = Math.max(config.computeNs, copyTime, hostTime);
	const stepNs = (delivered[delivered.length - 1] as number) - (delivered[0] as number);
	const step = stepNs / (delivered.length - 1);
	const sum = config.computeNs + copyTime + hostTime;
	const overlap = sum === bound ? 1 : Math.min(1, Math.max(0, (sum - step) / (sum - bound)));
	return {
		mode,
		stepNs: Math.round(step),
		totalNs: end - start,
		computeNs: config.computeNs,
		copyNs: copyTime,
		hostNs: Math.round(hostTime),
		boundNs: Math.round(bound),
		overlap,
		verified,
		recording,
	};
}
