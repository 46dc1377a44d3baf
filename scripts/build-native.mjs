// Builds the CUDA addon (node-gyp, native/binding.gyp) and, in a checkout, the test-only fake
// driver (g++, native/fake). Neither needs a CUDA toolkit or a GPU.
//
// `npm install` runs this with --tolerant: a machine without a compiler or Node headers still
// installs, and the reason is kept in native/build/status.json, where createDevice('cuda') finds
// it for its CudaUnavailableError. `npm run build:native` runs it strictly (exit 1 on failure).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tolerant = process.argv.includes('--tolerant');
// The GPU check builds only the fake driver next to a carried, prebuilt addon (node-gyp rebuild
// would first delete it).
const fakeOnly = process.argv.includes('--fake-only');
const status = {
	node: process.version,
	modules: process.versions.modules,
	platform: `${process.platform}-${process.arch}`,
	builtAt: new Date().toISOString(),
	addon: { ok: false, reason: '' },
	fake: { ok: false, reason: '' },
};

/** Runs a command; returns '' on success, else the reason with the end of its output. */
function run(command, args, options = {}) {
	const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
	if (result.error !== undefined) return `${command} could not run: ${result.error.message}`;
	if (result.status === 0) return '';
	const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n');
	return `${command} ${args.join(' ')} exited with ${result.status}: ${output.slice(-15).join('\n')}`;
}

function buildAddon() {
	if (process.platform !== 'linux')
		return `the CUDA addon is built on Linux only (${process.platform})`;
	// npm hands scripts the path of its own node-gyp, which works offline with npm's nodedir.
	const gyp = process.env.npm_config_node_gyp;
	const [command, args] =
		gyp !== undefined && gyp !== '' ? [process.execPath, [gyp]] : ['node-gyp', []];
	return run(command, [...args, 'rebuild', '--directory=native'], {
		env: { ...process.env, JOBS: process.env.JOBS ?? 'max' },
	});
}

function buildFake() {
	const dir = join(root, 'native', 'fake');
	if (!existsSync(dir)) return 'not in this package (test-only)';
	const out = join(root, 'native', 'build', 'fake');
	mkdirSync(out, { recursive: true });
	const sources = readdirSync(dir)
		.filter((f) => f.endsWith('.cc'))
		.map((f) => join('native', 'fake', f));
	const cxx = process.env.CXX ?? 'g++';
	const flags = (process.env.FAKECUDA_CXXFLAGS ?? '-O2 -g').split(/\s+/).filter(Boolean);
	return run(cxx, [
		'-std=c++17',
		...flags,
		'-ffp-contract=off',
		'-fPIC',
		'-shared',
		'-pthread',
		'-fvisibility=hidden',
		'-Wall',
		...sources,
		'-o',
		join('native', 'build', 'fake', 'libfakecuda.so'),
	]);
}

// Under --tolerant nothing here may fail the install, not even this script going wrong.
process.on('uncaughtException', (error) => {
	process.stderr.write(`async-output: CUDA addon not built (${error.message})\n`);
	process.exit(tolerant ? 0 : 1);
});

if (fakeOnly) {
	process.stderr.write(`async-output: fake CUDA driver (tests) ${buildFake() || 'built'}\n`);
	process.exit(0);
}
status.addon.reason = buildAddon();
status.addon.ok = status.addon.reason === '';
// node-gyp rebuild empties native/build: the fake comes second.
status.fake.reason = buildFake();
status.fake.ok = status.fake.reason === '';

mkdirSync(join(root, 'native', 'build'), { recursive: true });
writeFileSync(join(root, 'native', 'build', 'status.json'), `${JSON.stringify(status, null, 2)}\n`);

const lines = [
	`async-output: CUDA addon ${status.addon.ok ? 'built' : `not built (${status.addon.reason.split('\n')[0]})`}`,
	`async-output: fake CUDA driver (tests) ${status.fake.ok ? 'built' : `not built (${status.fake.reason.split('\n')[0]})`}`,
];
process.stderr.write(`${lines.join('\n')}\n`);
if (!status.addon.ok && !tolerant) {
	process.stderr.write(`${status.addon.reason}\n`);
	process.exitCode = 1;
}
