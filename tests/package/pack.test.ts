import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launch, openPage, ROOT, serve, withChromium } from '../browser/chromium.ts';

/**
 * The package as users get it: `npm pack` (of the build `npm test` has just made), installed
 * from the tarball into an empty project with `npm install --offline` (its one dependency,
 * node-addon-api, is headers for building the CUDA addon and comes from the npm cache; the
 * addon build itself is skipped here), then used there: from Node (the `node` condition, the command, the
 * types) and from a page (the `browser` condition through a bundler, and the browser bundle
 * straight from an import map). All of them run the same program and must agree on its hash.
 */

const pack = suite('npm pack, installed into an empty project');
let dir = '';
let project = '';
let nodeResult: { hash: string; replayed: string; resolved: string; verified: boolean } | undefined;

function run(command: string, args: string[], cwd: string): string {
	const result = spawnSync(command, args, {
		cwd,
		encoding: 'utf8',
		env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' },
	});
	if (result.status !== 0) {
		throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
	}
	return result.stdout;
}

/** The program every consumer runs: the overlapped decode loop, recorded and replayed. */
const PROGRAM = `
import { createDevice, replayRecording, runDecodeLoop } from 'async-output';
export async function program() {
	const device = await createDevice();
	const run = await runDecodeLoop(device, 'overlapped', { steps: 4 }, true);
	const replayed = await replayRecording(run.recording);
	return { hash: run.recording.hash(), replayed: replayed.hash(), verified: run.verified };
}
`;

pack.before(() => {
	dir = mkdtempSync(join(tmpdir(), 'async-output-pack-'));
	project = join(dir, 'project');
	mkdirSync(project);
});

pack.after(() => {
	rmSync(dir, { recursive: true, force: true });
});

pack('packs the build with its bundles, types and notices, and one dependency', () => {
	const [info] = JSON.parse(
		run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT),
	) as [{ filename: string; files: { path: string }[] }];
	const files = info.files.map((f) => f.path);
	for (const file of [
		'dist/index.js',
		'dist/browser.js',
		'dist/cli.js',
		'dist/types/index.d.ts',
		'dist/THIRD-PARTY-NOTICES.md',
		'package.json',
		'README.md',
		'LICENSE',
	]) {
		assert.ok(files.includes(file), `${file} is in the tarball`);
	}
	assert.not.ok(
		files.some(
			(f) => f.startsWith('tests/') || f.startsWith('.tmp/') || f.startsWith('node_modules/'),
		),
	);
	const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
	assert.equal(
		Object.keys(manifest.dependencies),
		['node-addon-api'],
		'only the headers the install-time addon build needs',
	);
	assert.equal(manifest.exports['.'].browser, './dist/browser.js');
	assert.equal(manifest.exports['.'].node, './dist/index.js');

	writeFileSync(
		join(project, 'package.json'),
		JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
	);
	run(
		'npm',
		[
			'install',
			'--offline',
			'--no-audit',
			'--no-fund',
			'--ignore-scripts',
			join(dir, info.filename),
		],
		project,
	);
	assert.ok(existsSync(join(project, 'node_modules/async-output/dist/browser.js')));
});

pack('works in Node there: the node build, the command and the types', () => {
	writeFileSync(join(project, 'program.mjs'), PROGRAM);
	writeFileSync(
		join(project, 'node.mjs'),
		`import { program } from './program.mjs';
const result = await program();
console.log(JSON.stringify({ ...result, resolved: import.meta.resolve('async-output') }));
`,
	);
	nodeResult = JSON.parse(run(process.execPath, ['node.mjs'], project));
	assert.ok(nodeResult?.resolved.endsWith('/node_modules/async-output/dist/index.js'));
	assert.match(nodeResult?.hash ?? '', /^[0-9a-f]{16}$/);
	assert.is(nodeResult?.replayed, nodeResult?.hash);
	assert.ok(nodeResult?.verified);

	const demo = JSON.parse(
		run(
			join(project, 'node_modules/.bin/async-output'),
			['demo', '--steps', '4', '--json'],
			project,
		),
	);
	assert.is(demo.runs[1].hash, nodeResult?.hash, 'the command runs the same loop');

	writeFileSync(
		join(project, 'typed.ts'),
		`import { type AsyncState, createDevice, Recording, Stream } from 'async-output';
const device = await createDevice('sim', { profile: 'a100' });
const stream: Stream = new Stream(device, { label: 'typed' });
const state: AsyncState = 'pending';
const recording: Recording = device.record();
export { recording, state, stream };
`,
	);
	writeFileSync(
		join(project, 'tsconfig.json'),
		JSON.stringify({
			compilerOptions: {
				module: 'nodenext',
				target: 'es2022',
				strict: true,
				noEmit: true,
				skipLibCheck: false,
				lib: ['es2023', 'dom'],
				types: [],
			},
			files: ['typed.ts'],
		}),
	);
	run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);
});

withChromium(pack, 'works in a page there: through a bundler and from an import map', async () => {
	writeFileSync(
		join(project, 'page.mjs'),
		`import { program } from './program.mjs';
program().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String(e) }; });
`,
	);
	const bundled = await build({
		absWorkingDir: project,
		entryPoints: ['page.mjs'],
		bundle: true,
		format: 'esm',
		platform: 'browser',
		write: false,
		metafile: true,
		logLevel: 'silent',
	});
	const inputs = Object.keys(bundled.metafile.inputs);
	assert.ok(
		inputs.includes('node_modules/async-output/dist/browser.js'),
		`a bundler for browsers takes dist/browser.js: ${inputs.join(', ')}`,
	);

	const site = await serve({
		files: {
			'/bundled.html': '<!doctype html><script type="module" src="/bundled.js"></script>',
			'/bundled.js': bundled.outputFiles[0]?.contents ?? '',
			'/mapped.html': `<!doctype html>
<script type="importmap">{ "imports": { "async-output": "/node_modules/async-output/dist/browser.js" } }</script>
<script type="module" src="/page.mjs"></script>`,
		},
		folders: { '/': project },
	});
	const browser = await launch();
	try {
		for (const page of ['bundled', 'mapped']) {
			const { page: tab, log } = await openPage(browser.context);
			await tab.goto(`${site.url}/${page}.html`);
			await tab.waitForFunction(
				() => (window as { __result?: unknown }).__result !== undefined,
				undefined,
				{ timeout: 30_000 },
			);
			const result = await tab.evaluate(() => (window as { __result?: unknown }).__result);
			assert.equal(
				result,
				{ hash: nodeResult?.hash, replayed: nodeResult?.hash, verified: true },
				`${page}: ${log.join('\n')}`,
			);
			await tab.close();
		}
	} finally {
		await browser.close();
		await site.close();
	}
});

pack.run();
