import type * as Library from '../src/index.ts';

/**
 * Programs that record a run, written against the library passed in, so that the same program
 * runs on the sources in Node and on the browser bundle in Chromium (tests/browser/hashes) and
 * their recordings can be compared by hash. Each touches a different part of the device: the
 * decode loop, streams with priorities sharing the compute engine, events and host functions,
 * copies both ways (pinned and pageable), a bounded handler with a timeout, and a fault.
 */

export type Lib = typeof Library;
type Recording = Library.Recording;

const MS = 1_000_000;

async function decodeLoop(lib: Lib, mode: 'serial' | 'overlapped'): Promise<Recording> {
	const device = await lib.createDevice();
	const run = await lib.runDecodeLoop(device, mode, { steps: 6, batch: 8, vocab: 4096 }, true);
	device.destroy();
	return run.recording as Recording;
}

async function eventsAndPriorities(lib: Lib): Promise<Recording> {
	const device = await lib.createDevice('sim', { profile: 'a100' });
	const recording = device.record();
	const low = new lib.Stream(device, { label: 'low', priority: 0 });
	const high = new lib.Stream(device, { label: 'high', priority: -1 });
	const side = new lib.Stream(device, { label: 'side' });
	const start = new lib.Event(device, { timing: true });
	const end = new lib.Event(device, { timing: true });
	let calls = 0;

	start.record(low);
	low.launchKernel({ name: 'wide', durationNs: 3 * MS, occupancy: 0.75 });
	high.launchKernel({ name: 'narrow', durationNs: 1 * MS, occupancy: 0.5 });
	low.launchKernel({ name: 'half a', durationNs: 2 * MS, occupancy: 0.5 });
	high.launchKernel({ name: 'half b', durationNs: 2 * MS, occupancy: 0.5 });
	side.waitStream(high);
	side.launchHostFunc(function count() {
		calls++;
	});
	side.launchKernel({ name: 'after host func', durationNs: 0.5 * MS });
	end.record(side);
	low.waitEvent(end);
	low.launchKernel({ name: 'joined', durationNs: 0.25 * MS });
	await end.synchronize();
	device.hostWork(0.1 * MS);
	await low.synchronize();
	if (calls !== 1 || !(start.elapsedTime(end) > 0)) throw new Error('events program went wrong');
	device.stopRecording();
	device.destroy();
	return recording;
}

async function copies(lib: Lib): Promise<Recording> {
	const device = await lib.createDevice('sim', { profile: 'h100-pcie' });
	const recording = device.record();
	const stream = new lib.Stream(device, { label: 'copies' });
	const data = device.alloc('float32', [1 << 16]);
	const more = device.alloc('int32', [1 << 12]);
	const pinned = device.allocHost('float32', [1 << 16]);
	pinned.write(new Float32Array(1 << 16).fill(1.5));

	stream.copyToDevice(data, pinned);
	stream.copyToDevice(more, new Int32Array(1 << 12).fill(7)); // pageable: returns when done
	stream.memset(more, 0);
	stream.launchKernel({ name: 'fill', durationNs: 0.2 * MS, fill: { target: data, value: 3 } });
	const batch = lib.asyncCopyBatch([data, more], { stream });
	const [a, b] = (await batch.get()) as [Float32Array, Int32Array];
	const pageable = new Float32Array(1 << 16);
	lib.asyncCopyToHost(data, { stream, into: pageable });
	if (a[0] !== 3 || b[0] !== 0 || pageable[5] !== 3) throw new Error('copies program went wrong');
	await device.synchronize();
	device.stopRecording();
	device.destroy();
	return recording;
}

async function handlerAndTimeout(lib: Lib): Promise<Recording> {
	const device = await lib.createDevice();
	const recording = device.record();
	const compute = new lib.Stream(device, { label: 'compute' });
	const copy = new lib.Stream(device, { label: 'copy' });
	// One output pending while the next step computes: a slot's result is taken before it comes round.
	const handler = new lib.AsyncOutputHandler<Float32Array>({ device, maxPending: 1 });
	const logits = new lib.DoubleBuffer([16, 1024], 'float32', { device, stream: copy });
	const seen: number[] = [];

	for (let step = 0; step < 5; step++) {
		compute.launchKernel({
			name: `step ${step}`,
			durationNs: 1 * MS,
			fill: { target: logits.current, value: step },
		});
		const output = logits.transfer({ after: compute });
		while (!handler.submit(output))
			seen.push(((await (await handler.waitOne()).get()) as Float32Array)[0] as number);
		await logits.swap();
	}
	for await (const out of handler) seen.push(((await out.get()) as Float32Array)[0] as number);
	compute.launchKernel({ name: 'slow', durationNs: 10 * MS });
	try {
		await compute.synchronize({ timeout: 2 });
		throw new Error('the wait should have timed out');
	} catch (error) {
		if (!(error instanceof lib.TimeoutError)) throw error;
	}
	await compute.synchronize();
	if (seen.join() !== '0,1,2,3,4') throw new Error(`handler program went wrong: ${seen}`);
	device.stopRecording();
	device.destroy();
	return recording;
}

async function fault(lib: Lib): Promise<Recording> {
	const device = await lib.createDevice();
	const recording = device.record();
	const stream = new lib.Stream(device, { label: 'faulty' });
	const other = new lib.Stream(device, { label: 'bystander' });
	(device as Library.SimDevice).injectFault({ on: 'kernel', skip: 2 });
	stream.launchKernel({ name: 'fine', durationNs: 1 * MS });
	other.launchKernel({ name: 'long', durationNs: 5 * MS, occupancy: 0.5 });
	stream.launchKernel({ name: 'faults', durationNs: 1 * MS, occupancy: 0.5 });
	stream.launchKernel({ name: 'never runs', durationNs: 1 * MS });
	try {
		await device.synchronize();
		throw new Error('the fault should have failed the wait');
	} catch (error) {
		if (!(error instanceof lib.DeviceFaultError)) throw error;
	}
	device.stopRecording();
	return recording;
}

/** The programs by name; each resolves to the recording of its run. */
export const PROGRAMS: Record<string, (lib: Lib) => Promise<Recording>> = {
	'decode loop, serial': (lib) => decodeLoop(lib, 'serial'),
	'decode loop, overlapped': (lib) => decodeLoop(lib, 'overlapped'),
	'events, priorities and host functions': eventsAndPriorities,
	'copies both ways, pinned and pageable': copies,
	'a bounded handler and a timeout': handlerAndTimeout,
	'an injected fault': fault,
};

/** Runs every program; returns each recording's hash and its replay's hash. */
export async function runPrograms(
	lib: Lib,
): Promise<Record<string, { hash: string; replayed: string; entries: number }>> {
	const out: Record<string, { hash: string; replayed: string; entries: number }> = {};
	for (const [name, program] of Object.entries(PROGRAMS)) {
		const recording = await program(lib);
		const replayed = await lib.replayRecording(recording);
		out[name] = {
			hash: recording.hash(),
			replayed: replayed.hash(),
			entries: recording.events.length,
		};
	}
	return out;
}
