import type { Device } from './device/device.js';
import { InvalidArgumentError } from './errors.js';

/**
 * Validation at the public edge. Every message has the form
 * "Expected <what> for <name>, got <value> (<type>)"; the core and devices trust what passes.
 */

/** A short, printable form of any value for an error message. */
export function describe(value: unknown): string {
	if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
	if (typeof value === 'bigint') return `${value}n`;
	if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
	if (Array.isArray(value))
		return `[${value.slice(0, 8).map(describe).join(', ')}${value.length > 8 ? ', …' : ''}]`;
	if (value !== null && typeof value === 'object') return value.constructor?.name ?? 'object';
	return String(value);
}

function typeName(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value;
}

/** Builds the standard error for a value that is not what was expected. */
export function invalid(what: string, name: string, value: unknown): InvalidArgumentError {
	return new InvalidArgumentError(
		`Expected ${what} for ${name}, got ${describe(value)} (${typeName(value)})`,
	);
}

/** A finite integer in [min, max]. */
export function expectInteger(
	name: string,
	value: unknown,
	min = 0,
	max = Number.MAX_SAFE_INTEGER,
): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
		const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
		throw invalid(`an integer ${range}`, name, value);
	}
	return value;
}

/** A finite number >= min (durations, sizes in ns or bytes may be fractional before rounding). */
export function expectNumber(name: string, value: unknown, min = 0): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
		throw invalid(`a finite number >= ${min}`, name, value);
	}
	return value;
}

/**
 * The longest duration the virtual clock takes in one step, in ns: 2^52 (some 52 days), so that
 * a clock plus a duration stays an exact integer in a double.
 */
export const MAX_DURATION_NS = 2 ** 52;

/** The longest timeout, in ms: setTimeout's own limit (2^31 - 1, some 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A duration in ns: a finite number in [0, MAX_DURATION_NS]. */
export function expectDuration(name: string, value: unknown): number {
	if (typeof value !== 'number' || !(value >= 0 && value <= MAX_DURATION_NS)) {
		throw invalid('a duration of 0 to 2^52 ns', name, value);
	}
	return value;
}

/** A number in (0, 1]. */
export function expectFraction(name: string, value: unknown): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
		throw invalid('a number in (0, 1]', name, value);
	}
	return value;
}

/** A plain options object (or undefined, which becomes {}). */
export function expectOptions<T extends object>(name: string, value: T | undefined): T {
	if (value === undefined) return {} as T;
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		throw invalid('an options object', name, value);
	}
	return value;
}

/** A device made by createDevice (either kind). */
export function expectDevice(name: string, value: unknown): Device {
	const device = value as Partial<Device> | null;
	if (
		device === null ||
		typeof device !== 'object' ||
		(device.kind !== 'sim' && device.kind !== 'cuda') ||
		typeof device.assertUsable !== 'function'
	) {
		throw invalid('a Device', name, value);
	}
	return value as Device;
}

/** A label or name: a string, or the default when undefined. */
export function expectLabel(name: string, value: unknown, fallback: string): string {
	if (value === undefined) return fallback;
	if (typeof value !== 'string') throw invalid('a string', name, value);
	return value;
}

/** A boolean, or the default when undefined. */
export function expectBoolean(name: string, value: unknown, fallback: boolean): boolean {
	if (value === undefined) return fallback;
	if (typeof value !== 'boolean') throw invalid('a boolean', name, value);
	return value;
}

/** A function. */
export function expectFunction<F extends (...args: never[]) => unknown>(
	name: string,
	value: unknown,
): F {
	if (typeof value !== 'function') throw invalid('a function', name, value);
	return value as F;
}

/** One of a fixed set of strings. */
export function expectOneOf<T extends string>(
	name: string,
	value: unknown,
	allowed: readonly T[],
): T {
	if (typeof value !== 'string' || !allowed.includes(value as T)) {
		throw invalid(`one of ${allowed.map((a) => `'${a}'`).join(', ')}`, name, value);
	}
	return value as T;
}

/** An instance of a class. */
export function expectInstance<T>(
	name: string,
	value: unknown,
	type: abstract new (...args: never[]) => T,
	what: string,
): T {
	if (!(value instanceof type)) throw invalid(what, name, value);
	return value;
}

/** Wait options: `timeout` in ms (0 to MAX_TIMEOUT_MS) and `signal` (an AbortSignal). */
export interface WaitOptions {
	/** Milliseconds before the wait rejects with a TimeoutError (virtual time on the simulated device). */
	timeout?: number;
	/** Rejects the wait with the signal's reason when it aborts. */
	signal?: AbortSignal;
}

/** Checks wait options. */
export function expectWaitOptions(name: string, value: WaitOptions | undefined): WaitOptions {
	const options = expectOptions(name, value);
	const timeout = options.timeout;
	if (
		timeout !== undefined &&
		!(typeof timeout === 'number' && timeout >= 0 && timeout <= MAX_TIMEOUT_MS)
	) {
		throw invalid(`a timeout of 0 to ${MAX_TIMEOUT_MS} ms`, `${name}.timeout`, timeout);
	}
	if (options.signal !== undefined && !isAbortSignal(options.signal)) {
		throw invalid('an AbortSignal', `${name}.signal`, options.signal);
	}
	return options;
}

function isAbortSignal(value: unknown): value is AbortSignal {
	return typeof AbortSignal !== 'undefined' && value instanceof AbortSignal;
}
