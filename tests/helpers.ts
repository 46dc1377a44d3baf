import * as assert from 'uvu/assert';
import { Core } from '../src/core/core.ts';
import { createDevice } from '../src/device/create.ts';
import type { DeviceProfile } from '../src/device/profile.ts';
import type { SimDevice } from '../src/device/sim/sim-device.ts';

/** A simulated device; `exact` removes host call costs so that times come out round. */
export async function simDevice(
	profile?: string | (Partial<DeviceProfile> & { base?: string }),
): Promise<SimDevice> {
	return (await createDevice('sim', { profile })) as SimDevice;
}

/** A profile with no host costs, no wake-up latency and no gaps: virtual times are exact. */
export const EXACT: Partial<DeviceProfile> & { base: string } = {
	base: 'h200',
	launchNs: 0,
	lightCallNs: 0,
	submitNs: 0,
	copySubmitNs: 0,
	opGapNs: 0,
	wakeBlockingNs: 0,
	wakeSpinNs: 0,
	hostFuncNs: 0,
	copyLatencyNs: 0,
};

/** A fresh core instance. */
export function core(): Promise<Core> {
	return Core.create();
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Asserts that `fn` throws an error of `type` with `code` and a message matching `message`. */
export function throwsCode(
	fn: () => unknown,
	type: ErrorClass,
	code: string,
	message?: RegExp | string,
): Error {
	try {
		fn();
	} catch (error) {
		checkError(error, type, code, message);
		return error as Error;
	}
	assert.unreachable(`expected ${type.name} ${code}`);
	throw new Error('unreachable');
}

/** Asserts that `promise` rejects with an error of `type` with `code` and a matching message. */
export async function rejectsCode(
	promise: Promise<unknown>,
	type: ErrorClass,
	code: string,
	message?: RegExp | string,
): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		checkError(error, type, code, message);
		return error as Error;
	}
	assert.unreachable(`expected a rejection with ${type.name} ${code}`);
	throw new Error('unreachable');
}

function checkError(
	error: unknown,
	type: ErrorClass,
	code: string,
	message?: RegExp | string,
): void {
	assert.instance(error, type);
	assert.is((error as { code?: string }).code, code);
	if (message instanceof RegExp) assert.match((error as Error).message, message);
	else if (message !== undefined) assert.is((error as Error).message, message);
}

/** The path of a sample trace: in $ASYNC_OUTPUT_TRACES, or ../shared/traces beside the checkout. */
export function tracePath(name: string): string {
	const dir =
		process.env.ASYNC_OUTPUT_TRACES ?? new URL('../../shared/traces', import.meta.url).pathname;
	return `${dir}/${name}`;
}
