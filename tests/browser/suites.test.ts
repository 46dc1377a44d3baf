import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launch, openPage, ROOT, serve, withChromium } from './chromium.ts';
import type { FileResult } from './harness.ts';

/**
 * The uvu suites in headless Chromium: every test file that uses no Node-only API is bundled
 * for the browser (with the sources it tests), loaded into one page, and run there; each file's
 * count of passed cases comes back as one case here, so that a failure in Chromium fails
 * `npm test` and the summary says which file. Files that need Node are listed, not dropped:
 * the list is checked, so a file leaves the browser run only by changing it here.
 */

const TESTS = join(ROOT, 'tests');

/** Folders that drive Node or Chromium themselves. */
const NOT_IN_BROWSERS = ['browser', 'package'];

/** Files that import Node-only modules (fs, child_process): they run in Node only. */
const NODE_ONLY = [
	'api/finalizer.test.ts',
	'cli/cli.test.ts',
	'cli/example.test.ts',
	'device/contract.test.ts',
	'device/cuda-device.test.ts',
	'device/cuda-unavailable.test.ts',
	'device/keep-alive.test.ts',
	'native/addon.test.ts',
	'native/kernels.test.ts',
	'native/leaks.test.ts',
	'trace/kineto.test.ts',
	'trace/replay.test.ts',
];

/**
 * The property tests run fewer cases in Chromium, to keep the browser part short: Node runs
 * them in full. (They read these counts from process.env.)
 */
const BROWSER_ENV = { MODEL_RUNS: '1000', DEVICE_MODEL_RUNS: '300', API_MODEL_RUNS: '60' };

function testFiles(): string[] {
	const out: string[] = [];
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const full = join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name.endsWith('.test.ts')) out.push(relative(TESTS, full));
		}
	};
	walk(TESTS);
	return out.filter((f) => !NOT_IN_BROWSERS.includes(f.split('/')[0] as string)).sort();
}

function usesNode(file: string): boolean {
	return /from ['"]node:|require\(['"]node:/.test(readFileSync(join(TESTS, file), 'utf8'));
}

const all = testFiles();
const nodeOnly = all.filter(usesNode);
const inBrowser = all.filter((f) => !usesNode(f));
let results: FileResult[] | undefined;
let failure: string | undefined;

async function runInChromium(): Promise<void> {
	const entryPoints: Record<string, string> = { harness: join(ROOT, 'tests/browser/harness.ts') };
	inBrowser.forEach((file, i) => {
		entryPoints[`files/${i}`] = join(TESTS, file);
	});
	const bundle = await build({
		entryPoints,
		bundle: true,
		splitting: true,
		format: 'esm',
		platform: 'browser',
		// The CUDA device imports Node's modules lazily; a page never gets that far.
		external: ['node:*'],
		target: 'es2022',
		keepNames: true, // as the library's own bundles do: messages name classes
		outdir: '/bundle',
		write: false,
		sourcemap: 'inline',
		define: { 'process.env': JSON.stringify(BROWSER_ENV) },
		logLevel: 'silent',
	});
	const files: Record<string, Uint8Array | string> = {};
	for (const out of bundle.outputFiles) files[out.path] = out.contents;
	const list = inBrowser.map((file, i) => ({ file, url: `/bundle/files/${i}.js` }));
	files['/index.html'] = `<!doctype html><meta charset="utf-8"><title>uvu in Chromium</title>
<script>globalThis.UVU_DEFER = 1; globalThis.UVU_QUEUE = []; window.__files = ${JSON.stringify(list)};</script>
<script type="module" src="/bundle/harness.js"></script>`;

	const site = await serve({ files });
	const browser = await launch();
	try {
		const { page, log } = await openPage(browser.context);
		await page.goto(`${site.url}/index.html`);
		await page.waitForFunction(() => window.__results?.done === true, undefined, {
			timeout: 300_000,
			polling: 200,
		});
		const got = await page.evaluate(() => window.__results);
		if (got?.error !== undefined)
			failure = `the page harness failed: ${got.error}\n${log.join('\n')}`;
		results = got?.files;
		const total = (results ?? []).reduce((n, r) => n + r.total, 0);
		const passed = (results ?? []).reduce((n, r) => n + r.passed, 0);
		process.stdout.write(
			`\n  Chromium: ${passed} of ${total} cases passed in ${inBrowser.length} files; Node only: ${nodeOnly.join(', ')}\n`,
		);
	} finally {
		await browser.close();
		await site.close();
	}
}

const browserSuites = suite('uvu suites in Chromium');

browserSuites('the files that stay in Node are exactly those that import Node-only modules', () => {
	// A new test file that imports node: modules belongs in NODE_ONLY (it then runs in Node only).
	assert.equal(nodeOnly, NODE_ONLY, 'NODE_ONLY in tests/browser/suites.test.ts is out of date');
	assert.ok(inBrowser.length >= 15, `only ${inBrowser.length} files left for the browser`);
	for (const dir of ['api', 'core', 'device', 'model', 'pipeline', 'trace']) {
		assert.ok(
			inBrowser.some((f) => f.startsWith(`${dir}/`)),
			`no ${dir}/ file in the browser run`,
		);
	}
});

withChromium(browserSuites, 'bundles the suites and runs them in one page', async () => {
	await runInChromium();
	assert.is(failure, undefined, failure);
	assert.equal(
		results?.map((r) => r.file),
		inBrowser,
	);
});

for (const file of inBrowser) {
	withChromium(browserSuites, `${file} passes in Chromium`, async () => {
		const result = results?.find((r) => r.file === file);
		assert.ok(
			result !== undefined,
			`no result for ${file}: ${failure ?? 'the run did not happen'}`,
		);
		assert.ok(result.total > 0, `${file} ran no case in Chromium`);
		assert.ok(result.failures === '', `${file} in Chromium:\n${result.failures}`);
		assert.is(
			result.passed,
			result.total - result.skipped,
			`${file}: ${result.passed} of ${result.total}`,
		);
	});
}

browserSuites.run();
