// The measurements of the GPU check (scripts/gpu-check.sh), side by side in one run on one GPU:
//
//   bandwidth   device-to-host: asyncCopyToHost into pinned memory (issue to delivery) against a
//               plain synchronous driver copy (cuMemcpyDtoH) of the same size into the same memory
//   demo        the decode loop, serial and overlapped: step time against its bound
//               max(compute, copy, host), the copy priced by the profile and as measured here
//   latency     from an event's completion on the GPU to the resolution of its promise
//   cpu         host CPU time spent while a wait is pending, blocking against spinning events
//
// Usage: node --import tsx scripts/gpu-measure.ts [--out FILE] [--driver LIB] [--quick]
// (--driver names another driver library, e.g. the fake one, to try the script without a GPU:
// its figures then say nothing about a GPU.)
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { asyncCopyToHost } from '../src/api/copy.ts';
import { Event } from '../src/api/event.ts';
import { Stream } from '../src/api/stream.ts';
import { CudaDevice } from '../src/device/cuda/cuda-device.ts';
import { copyNs } from '../src/device/profile.ts';
import { runDecodeLoop } from '../src/pipeline/decode-loop.ts';

const { values: args } = parseArgs({
	options: {
		out: { type: 'string' },
		driver: { type: 'string' },
		quick: { type: 'boolean', default: false },
	},
});
const quick = args.quick === true;
const device = await CudaDevice.create(args.driver === undefined ? {} : { driver: args.driver });

function median(xs: number[]): number {
	return quantile(xs, 0.5);
}

function quantile(xs: number[], q: number): number {
	const sorted = [...xs].sort((a, b) => a - b);
	const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
	return sorted[at] as number;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Device-to-host bandwidth of `bytes`: asyncCopyToHost against cuMemcpyDtoH. */
async function bandwidth(bytes: number, runs: number) {
	const stream = new Stream(device, { label: 'bandwidth' });
	const src = device.alloc('uint8', [bytes]);
	const into = device.allocHost('uint8', [bytes]);
	stream.memset(src, 0x5a);
	const start = new Event(device, { timing: true });
	const end = new Event(device, { timing: true });
	const asyncNs: number[] = [];
	const eventMs: number[] = [];
	const plainNs: number[] = [];
	for (let i = -2; i < runs; i++) {
		await stream.synchronize();
		const t0 = device.now();
		start.record(stream);
		const out = asyncCopyToHost(src, { stream, into });
		end.record(stream);
		const got = await out.get();
		const t1 = device.now();
		await end.synchronize();
		if (got[bytes - 1] !== 0x5a) throw new Error('the copy delivered wrong bytes');

		const t2 = device.now();
		device.driverCopyToHost(src, into);
		const t3 = device.now();
		if (i < 0) continue; // warm-up
		asyncNs.push(t1 - t0);
		eventMs.push(start.elapsedTime(end));
		plainNs.push(t3 - t2);
	}
	src.free();
	stream.destroy();
	const gbps = (ns: number) => round(bytes / ns, 2);
	const asyncGBps = gbps(median(asyncNs));
	const plainGBps = gbps(median(plainNs));
	return {
		bytes,
		runs,
		asyncCopyToHostGBps: asyncGBps,
		asyncCopyOnGpuGBps: gbps(median(eventMs) * 1e6),
		driverCopyGBps: plainGBps,
		ratio: round(asyncGBps / plainGBps, 3),
		asyncMedianUs: round(median(asyncNs) / 1e3, 1),
		driverMedianUs: round(median(plainNs) / 1e3, 1),
	};
}

/** From an event's completion (on the GPU's clock, mapped to the host's) to its promise. */
async function latency(blocking: boolean, runs: number) {
	const work = new Stream(device, { label: 'latency work' });
	const clock = new Stream(device, { label: 'latency clock' });
	const delays: number[] = [];
	const windows: number[] = [];
	for (let i = -3; i < runs; i++) {
		// A reference event on an idle stream, seen complete by spinning on query(): it completed
		// between its record and the first query that saw it. The midpoint of that window maps the
		// GPU's event clock to the host's; a window wider than 50 us (the thread was preempted) is
		// measured again, and the windows are reported as the calibration's uncertainty.
		let ref = new Event(device, { timing: true });
		let refNs = 0;
		for (let attempt = 0; ; attempt++) {
			const before = device.now();
			ref.record(clock);
			while (!ref.query()) {
				// spin
			}
			const after = device.now();
			refNs = (before + after) / 2;
			if (after - before < 50_000 || attempt === 20) {
				if (i >= 0) windows.push(after - before);
				break;
			}
			ref.destroy();
			ref = new Event(device, { timing: true });
		}
		work.launchKernel({ durationNs: 2e6 });
		const done = new Event(device, { timing: true, blocking });
		done.record(work);
		await done.synchronize();
		const resolvedNs = device.now();
		const completedNs = refNs + ref.elapsedTime(done) * 1e6;
		if (i >= 0) delays.push(resolvedNs - completedNs);
		ref.destroy();
		done.destroy();
	}
	work.destroy();
	clock.destroy();
	return {
		runs,
		medianUs: round(median(delays) / 1e3, 1),
		p99Us: round(quantile(delays, 0.99) / 1e3, 1),
		minUs: round(Math.min(...delays) / 1e3, 1),
		calibrationWindowMedianUs: round(median(windows) / 1e3, 1),
	};
}

/** CPU time of the whole process while a 100 ms wait is pending. */
async function cpu(blocking: boolean, runs: number) {
	const stream = new Stream(device, { label: 'cpu' });
	const ratios: number[] = [];
	for (let i = 0; i < runs; i++) {
		stream.launchKernel({ durationNs: 100e6 });
		const done = new Event(device, { blocking });
		done.record(stream);
		const c0 = process.cpuUsage();
		const t0 = device.now();
		await done.synchronize();
		const used = process.cpuUsage(c0);
		const wallNs = device.now() - t0;
		ratios.push(((used.user + used.system) * 1e3) / wallNs);
		done.destroy();
	}
	stream.destroy();
	return { runs, waitMs: 100, cpuPerWallMedian: round(median(ratios), 3) };
}

/** The demo's decode loop (its defaults), with the bound as the demo prices it and as measured. */
async function demo(copyMeasuredNs: number) {
	const result: Record<string, unknown> = {};
	for (const mode of ['serial', 'overlapped'] as const) {
		const run = await runDecodeLoop(device, mode, quick ? { steps: 16 } : {});
		const boundMeasured = Math.max(run.computeNs, copyMeasuredNs, run.hostNs);
		result[mode] = {
			stepMs: round(run.stepNs / 1e6),
			computeMs: round(run.computeNs / 1e6),
			copyProfileMs: round(run.copyNs / 1e6),
			copyMeasuredMs: round(copyMeasuredNs / 1e6),
			hostMs: round(run.hostNs / 1e6),
			boundMs: round(run.boundNs / 1e6),
			boundMeasuredMs: round(boundMeasured / 1e6),
			vsBoundPct: round(((run.stepNs - run.boundNs) / run.boundNs) * 100, 2),
			vsBoundMeasuredPct: round(((run.stepNs - boundMeasured) / boundMeasured) * 100, 2),
			overlap: round(run.overlap, 3),
			verified: run.verified,
		};
	}
	return result;
}

const demoBytes = 64 * 32_000 * 4;
const small = await bandwidth(demoBytes, quick ? 5 : 30);
const large = await bandwidth(quick ? 32 * 2 ** 20 : 256 * 2 ** 20, quick ? 3 : 10);
const results = {
	device: device.info,
	profile: device.profile.id,
	when: new Date().toISOString(),
	node: process.version,
	bandwidth: [small, large],
	demo: await demo(small.asyncMedianUs * 1e3),
	demoCopyProfileUs: round(
		copyNs(device.profile, demoBytes, device.profile.d2hPinnedGBps) / 1e3,
		1,
	),
	latency: {
		blocking: await latency(true, quick ? 30 : 200),
		spinning: await latency(false, quick ? 30 : 200),
	},
	cpu: { blocking: await cpu(true, quick ? 2 : 5), spinning: await cpu(false, quick ? 2 : 5) },
	native: device.nativeStats(),
};
device.destroy();
const text = `${JSON.stringify(results, null, 2)}\n`;
if (args.out !== undefined) writeFileSync(args.out, text);
process.stdout.write(text);
