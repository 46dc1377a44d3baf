import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAddon, type NativeAddon, type NativeDevice } from '../../src/device/cuda/native.ts';
import { FAKE_DRIVER } from '../device/targets.ts';

/**
 * The addon itself, on the test-only fake driver (a CPU emulation of the driver entry points
 * the addon uses, native/fake): its bounds checks, handles, worker threads, thread-safe function,
 * host-function trampoline and finalizers. Nothing here says anything about a GPU.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT_OF_BOUNDS = -1001;
const STALE = -1002;
const BAD = -1003;
const CLOSED = -1004;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let addon: NativeAddon | undefined;
let why = '';
try {
	addon = await loadAddon();
	if (!existsSync(FAKE_DRIVER)) why = `the fake driver ${FAKE_DRIVER} is not built`;
} catch (error) {
	why = (error as Error).message;
}

/** A suite whose cases are skipped, visibly, when the addon or the fake driver is missing. */
function nativeSuite(name: string): Test {
	if (why === '') return suite(name);
	const test = suite(`${name} [skipped: ${why}]`);
	return Object.assign((n: string) => test.skip(n, () => {}), test) as unknown as Test;
}

type Calls = { waits: [number, number][]; hostFuncs: number[] };

function open(onHostFunc?: (token: number) => void): { device: NativeDevice; calls: Calls } {
	const calls: Calls = { waits: [], hostFuncs: [] };
	const opened = (addon as NativeAddon).openDevice(
		FAKE_DRIVER,
		0,
		(token, status) => calls.waits.push([token, status]),
		(token) => {
			calls.hostFuncs.push(token);
			onHostFunc?.(token);
		},
	);
	if (!opened.ok) throw new Error(opened.message);
	return { device: opened.device, calls };
}

async function until(condition: () => boolean, what: string): Promise<void> {
	const start = Date.now();
	while (!condition()) {
		if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 2));
	}
}

const driver = nativeSuite('addon: opening the driver');

driver('probe says why a driver is unusable, and what a usable one has', () => {
	const a = addon as NativeAddon;
	assert.equal(a.probe('/nonexistent/libcuda.so.1'), {
		ok: false,
		reason: 'no-driver',
		message:
			'no NVIDIA driver: cannot open /nonexistent/libcuda.so.1 (/nonexistent/libcuda.so.1: cannot open shared object file: No such file or directory)',
	});
	const notDriver = a.probe('libm.so.6');
	assert.is(notDriver.ok, false);
	assert.match((notDriver as { message: string }).message, /^not a CUDA driver/);
	assert.equal(a.probe(FAKE_DRIVER), { ok: true, driverVersion: 12080, count: 1 });
});

driver('a device reports what the driver says', () => {
	const { device } = open();
	const info = device.info();
	assert.equal(
		{ ...info, driverPath: undefined },
		{
			name: 'async-output fake CUDA device 0 (CPU)',
			ordinal: 0,
			driverPath: undefined,
			driverVersion: 12080,
			computeCapability: [7, 5],
			multiprocessors: 1,
			asyncEngineCount: 2,
			unifiedAddressing: true,
			totalMemory: 16 * 2 ** 30,
			priorityRange: [0, -5],
			fake: true,
		},
	);
	assert.is(device.errorName(700), 'CUDA_ERROR_ILLEGAL_ADDRESS');
	assert.is(device.errorText(700), 'an illegal memory access was encountered');
	device.destroy();
});

driver('cuInit errors and missing GPUs give their reasons (each in a process of its own)', () => {
	const script = `
		const { loadAddon } = await import('./src/device/cuda/native.ts');
		const a = await loadAddon();
		const r = a.openDevice(process.argv[1], Number(process.argv[2]), () => {}, () => {});
		console.log(JSON.stringify({ reason: r.reason, message: r.message }));`;
	const run = (env: Record<string, string>, ordinal = 0) => {
		const child = spawnSync(
			process.execPath,
			['--import', 'tsx', '--input-type=module', '-e', script, FAKE_DRIVER, String(ordinal)],
			{ cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } },
		);
		assert.is(child.status, 0, child.stderr);
		return JSON.parse(child.stdout);
	};
	assert.equal(run({ FAKECUDA_INIT_ERROR: '803' }), {
		reason: 'driver-error',
		message: 'cuInit failed with CUDA error 803',
	});
	assert.equal(run({ FAKECUDA_DEVICE_COUNT: '0' }), {
		reason: 'no-device',
		message: 'no CUDA device: the driver found no GPU',
	});
	assert.equal(run({}, 1), {
		reason: 'no-device',
		message: 'no GPU with ordinal 1: the driver found 1',
	});
});

driver.run();

const checks = nativeSuite('addon: every call is checked before the driver sees it');

checks('copies, memsets and fills outside their buffers are refused', () => {
	const { device } = open();
	const s = device.streamCreate(0, true);
	const a = device.memAlloc(400);
	const pinned = device.memHostAlloc(400) as ArrayBuffer;
	assert.is(device.isPinned(pinned), true);
	assert.is(device.isPinned(new ArrayBuffer(8)), false);
	assert.is(device.copyDtoH(s, a, 0, 400, pinned, 0), 1, 'queued: pinned');
	assert.is(device.copyDtoH(s, a, 0, 401, pinned, 0), OUT_OF_BOUNDS);
	assert.is(device.copyDtoH(s, a, 1, 400, pinned, 0), OUT_OF_BOUNDS);
	assert.is(device.copyDtoH(s, a, 0, 400, pinned, 1), OUT_OF_BOUNDS);
	assert.is(device.copyDtoH(s, a, 0, 400, new Uint8Array(pinned, 8), 0), OUT_OF_BOUNDS);
	assert.is(device.copyDtoH(s, a, 0, 392, new Uint8Array(pinned, 8), 0), 1);
	assert.is(device.copyHtoD(s, a, 300, 101, new Uint8Array(200), 0), OUT_OF_BOUNDS);
	assert.is(device.copyHtoD(s, a, 300, 100, new Uint8Array(200), 0), 0, 'done: pageable');
	assert.is(device.memset(s, a, 399, 2, 7), OUT_OF_BOUNDS);
	assert.is(device.memset(s, a, 0, 400, 256), BAD);
	assert.is(device.launchFill(s, a, 4, 101, 1, 1), OUT_OF_BOUNDS, '101 int32 in 400 bytes');
	assert.is(device.launchFill(s, a, 5, 51, 1, 1), OUT_OF_BOUNDS, '51 int64 in 400 bytes');
	assert.is(device.launchFill(s, a, 10, 1, 1, 1), BAD, 'no dtype 10');
	assert.is(device.copyDtoHSync(a, 401, new Uint8Array(401)), OUT_OF_BOUNDS);
	const check = new Uint8Array(8);
	assert.is(device.copyHtoD(s, a, 0, 8, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 0), 0);
	assert.is(device.copyDtoHSync(a, 8, check), 0);
	assert.equal([...check], [1, 2, 3, 4, 5, 6, 7, 8]);
	device.destroy();
});

checks('arguments of the wrong type or range, and stale handles, are refused', () => {
	const { device } = open();
	const s = device.streamCreate(0, true);
	const a = device.memAlloc(64);
	const call = device as unknown as Record<string, (...args: unknown[]) => unknown>;
	for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null, {}, 2 ** 54]) {
		assert.is(call.memAlloc?.(bad), BAD, `memAlloc(${String(bad)})`);
		assert.is(call.copyDtoH?.(s, a, bad, 8, new Uint8Array(8), 0), BAD);
		assert.is(call.streamQuery?.(bad), BAD);
	}
	assert.is(call.copyDtoH?.(s, a, 0, 8, [1, 2, 3], 0), BAD, 'an array is not memory');
	assert.is(call.eventElapsed?.(1, 2, new Float32Array(1)), BAD);
	assert.is(call.launchSpin?.(s, -1), BAD);
	assert.is(call.eventCreate?.(4), BAD, 'interprocess events are not offered');
	assert.is(device.streamQuery(9999), STALE);
	assert.is(device.eventRecord(9999, s), STALE);
	assert.is(device.copyDtoH(s, 9999, 0, 1, new Uint8Array(1), 0), STALE);
	assert.is(device.memFree(a), 0);
	assert.is(device.memFree(a), STALE, 'freed twice');
	assert.is(device.copyDtoH(s, a, 0, 1, new Uint8Array(1), 0), STALE, 'use after free');
	assert.is(device.streamDestroy(s), 0);
	assert.is(device.streamQuery(s), STALE);
	device.destroy();
	assert.is(device.streamCreate(0, true), CLOSED);
	assert.is(device.memAlloc(8), CLOSED);
	assert.is(device.launchHostFunc(1, 1), CLOSED);
});

checks.run();

const threads = nativeSuite('addon: threads, promises and finalizers');

threads('waits report on the JavaScript thread, one per event, after the work', async () => {
	const { device, calls } = open();
	device.keepAlive(true);
	const s = device.streamCreate(0, true);
	const first = device.eventCreate(1);
	const second = device.eventCreate(2); // a spinning event, without timing
	// A host function holds the stream until this thread is free: nothing below can have
	// completed before the first await, however slow the machine.
	device.launchHostFunc(s, 100);
	device.launchSpin(s, 20e6);
	device.eventRecord(first, s);
	device.launchSpin(s, 5e6);
	device.eventRecord(second, s);
	assert.is(device.waitEvent(first, 1), 0);
	assert.is(device.waitEvent(second, 2), 0);
	assert.is(device.eventQuery(first), 1, 'not yet');
	assert.equal(calls.waits, [], 'nothing is reported synchronously');
	await until(() => calls.waits.length === 2, 'two waits');
	assert.equal(
		calls.waits.sort((x, y) => x[0] - y[0]),
		[
			[1, 0],
			[2, 0],
		],
	);
	assert.is(device.eventQuery(second), 0);
	const elapsed = new Float64Array(1);
	assert.is(device.eventElapsed(first, second, elapsed), -400, 'timing disabled on both');
	device.keepAlive(false);
	device.destroy();
});

threads('host functions run on the JavaScript thread, in stream order', async () => {
	const order: string[] = [];
	const { device } = open((token) => order.push(`host ${token}`));
	device.keepAlive(true);
	const s = device.streamCreate(0, true);
	const t = device.streamCreate(-3, true);
	for (let i = 1; i <= 5; i++) {
		device.launchSpin(s, 1e6);
		device.launchHostFunc(s, i);
	}
	device.launchHostFunc(t, 99);
	assert.is(device.stats().hostFuncsInFlight, 6);
	await until(() => order.length === 6, 'six host functions');
	assert.equal(
		order.filter((o) => o !== 'host 99'),
		['host 1', 'host 2', 'host 3', 'host 4', 'host 5'],
	);
	await until(() => device.stats().hostFuncsInFlight === 0, 'the trampolines to return');
	device.keepAlive(false);
	device.destroy();
});

threads(
	'a pageable copy behind a host function runs it while it waits, instead of deadlocking',
	() => {
		let during: number[] = [];
		const { device, calls } = open();
		const s = device.streamCreate(0, true);
		const a = device.memAlloc(16);
		device.launchSpin(s, 20e6);
		device.launchFill(s, a, 4, 4, 41, 1);
		device.launchHostFunc(s, 7);
		const into = new Int32Array(4);
		// The copy waits for the stream, which waits for the host function, which needs this thread.
		assert.is(device.copyDtoH(s, a, 0, 16, into, 0), 0);
		during = [...calls.hostFuncs];
		assert.equal(during, [7]);
		assert.equal([...into], [41, 42, 43, 44]);
		device.destroy();
	},
);

threads('destroy releases host functions waiting for JavaScript and stops endless kernels', () => {
	const { device, calls } = open();
	const s = device.streamCreate(0, true);
	device.launchSpin(s, Number.POSITIVE_INFINITY);
	device.launchHostFunc(s, 1);
	const t = device.streamCreate(0, true);
	device.launchHostFunc(t, 2);
	device.destroy(); // returns: the endless kernel stopped, the host functions were let go
	assert.equal(calls.hostFuncs, [], 'no JavaScript runs after destroy');
	const stats = device.stats();
	assert.equal([stats.streams, stats.events, stats.waiterThreads], [0, 0, 0]);
});

threads('pinned memory is freed when its ArrayBuffer is collected', async () => {
	const collect = async () => {
		for (let i = 0; i < 5; i++) {
			gc();
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		await until(() => (addon as NativeAddon).pinnedStats().pendingFrees === 0, 'the reaper');
	};
	const { device } = open();
	await collect(); // what earlier tests left to the collector
	const before = (addon as NativeAddon).pinnedStats();
	const fakeBefore = device.stats().driver?.hostBlocks as number;
	let buffers: (ArrayBuffer | number)[] = [];
	for (let i = 0; i < 200; i++) buffers.push(device.memHostAlloc(4096));
	assert.is((addon as NativeAddon).pinnedStats().blocks, before.blocks + 200);
	assert.is(
		new Uint8Array(buffers[3] as ArrayBuffer).every((b) => b === 0),
		true,
		'zeroed',
	);
	buffers = [];
	void buffers;
	await collect();
	assert.is((addon as NativeAddon).pinnedStats().blocks, before.blocks);
	assert.is(device.stats().driver?.hostBlocks, fakeBefore);
	device.destroy();
});

threads.run();
