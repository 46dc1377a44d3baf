import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode, State } from '../../src/core/codes.ts';
import { core } from '../helpers.ts';

test('the host mirror of the core error codes matches the core', async () => {
	const c = await core();
	const names: [keyof typeof CoreCode, string][] = [
		['OK', 'OK'],
		['STALE_HANDLE', 'E_STALE_HANDLE'],
		['INVALID_TRANSITION', 'E_INVALID_TRANSITION'],
		['FULL', 'E_FULL'],
		['ALREADY_DELIVERED', 'E_ALREADY_DELIVERED'],
		['NOT_FINISHED', 'E_NOT_FINISHED'],
		['ALREADY_SUBMITTED', 'E_ALREADY_SUBMITTED'],
		['DUPLICATE', 'E_DUPLICATE'],
		['BUSY', 'E_BUSY'],
		['INVALID_ARGUMENT', 'E_INVALID_ARGUMENT'],
		['TIMING_DISABLED', 'E_TIMING_DISABLED'],
		['NOT_RECORDED', 'E_NOT_RECORDED'],
		['NOT_READY', 'E_NOT_READY'],
		['DESTROYED', 'E_DESTROYED'],
	];
	for (const [host, wasm] of names) assert.is(c.constant(wasm), CoreCode[host], host);
});

test('the core imports nothing but env.abort', async () => {
	const { compileCore } = await import('../../src/core/core.ts');
	const imports = WebAssembly.Module.imports(await compileCore());
	assert.equal(imports, [{ module: 'env', name: 'abort', kind: 'function' }]);
	assert.is(State.CANCELLED, 4);
});

test.run();
