import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

/**
 * The PTX the addon ships (native/src/kernels-ptx.cc, from native/kernels/kernels.cu by
 * scripts/build-ptx.sh): every kernel the addon looks up is there, for the oldest target, in the
 * oldest PTX ISA that has it; and where a CUDA toolkit is installed, ptxas assembles it. What the
 * kernels compute is checked by the contract suite, on a GPU (the fake driver emulates them).
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const source = readFileSync(join(ROOT, 'native/src/kernels-ptx.cc'), 'utf8');
const ptx = source.slice(source.indexOf('R"PTX(') + 6, source.indexOf(')PTX"'));
const hasPtxas = spawnSync('ptxas', ['--version'], { encoding: 'utf8' }).status === 0;

const kernels = suite('shipped PTX kernels');

kernels('declare every entry point the addon looks up', () => {
	const entries = [...ptx.matchAll(/\.visible \.entry (\w+)\(/g)].map((m) => m[1]);
	const fills = ['float32', 'float64', 'int8', 'int16', 'int32', 'int64']
		.concat(['uint8', 'uint16', 'uint32', 'uint64'])
		.map((d) => `ao_fill_${d}`);
	assert.equal(entries.sort(), ['ao_fault', 'ao_spin', ...fills].sort());
	const addon = readFileSync(join(ROOT, 'native/src/device.cc'), 'utf8');
	for (const name of fills) assert.ok(addon.includes(`"${name}"`), `${name} is looked up`);
});

kernels('target the oldest architecture, in the oldest PTX ISA that has it', () => {
	assert.match(ptx, /^\.version 6\.3$/m);
	assert.match(ptx, /^\.target sm_75$/m);
	assert.match(ptx, /^\.address_size 64$/m);
	assert.not.match(
		ptx,
		/\bfma\.rn\.f64\b/,
		'no fused multiply-add: fills round as JavaScript does',
	);
});

(hasPtxas ? kernels : kernels.skip)(
	'ptxas assembles them for that target [needs a CUDA toolkit]',
	() => {
		const dir = mkdtempSync(join(tmpdir(), 'ptx-'));
		try {
			writeFileSync(join(dir, 'k.ptx'), ptx);
			const run = spawnSync(
				'ptxas',
				['-arch=sm_75', join(dir, 'k.ptx'), '-o', join(dir, 'k.cubin')],
				{
					encoding: 'utf8',
				},
			);
			assert.is(run.status, 0, run.stderr);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	},
);

kernels.run();
