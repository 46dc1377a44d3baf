import { join } from 'node:path';
import { build } from 'esbuild';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sources from '../../src/index.ts';
import { type Lib, PROGRAMS, runPrograms } from '../programs.ts';
import { launch, openPage, ROOT, serve, withChromium } from './chromium.ts';

/**
 * The same programs, recorded in Node (on the sources and on dist/index.js) and in Chromium
 * (on dist/browser.js), give the same recordings: equal hashes, and each replays to its own.
 */

type Hashes = Awaited<ReturnType<typeof runPrograms>>;

async function inChromium(): Promise<Hashes> {
	const page = await build({
		entryPoints: [join(ROOT, 'tests/browser/hashes-page.ts')],
		bundle: true,
		format: 'esm',
		platform: 'browser',
		target: 'es2022',
		external: ['async-output'],
		write: false,
		logLevel: 'silent',
	});
	const site = await serve({
		files: {
			'/index.html': `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "async-output": "/dist/browser.js" } }</script>
<script type="module" src="/page.js"></script>`,
			'/page.js': page.outputFiles[0]?.contents ?? '',
		},
		folders: { '/dist/': join(ROOT, 'dist') },
	});
	const browser = await launch();
	try {
		const { page: tab, log } = await openPage(browser.context);
		await tab.goto(`${site.url}/index.html`);
		await tab.waitForFunction(() => window.__hashes !== undefined, undefined, { timeout: 60_000 });
		const hashes = await tab.evaluate(() => window.__hashes);
		if (hashes === undefined || 'error' in hashes)
			throw new Error(`the programs failed in Chromium: ${hashes?.error}\n${log.join('\n')}`);
		return hashes as Hashes;
	} finally {
		await browser.close();
		await site.close();
	}
}

const hashes = suite('recording hashes, Node and Chromium');

withChromium(hashes, 'every program records the same run in Node and in Chromium', async () => {
	const node = await runPrograms(sources);
	const bundle = (await import(join(ROOT, 'dist/index.js'))) as Lib;
	const nodeBundle = await runPrograms(bundle);
	const chromium = await inChromium();

	assert.equal(Object.keys(node), Object.keys(PROGRAMS));
	for (const name of Object.keys(PROGRAMS)) {
		const n = node[name] as Hashes[string];
		assert.match(n.hash, /^[0-9a-f]{16}$/);
		assert.ok(n.entries > 0, name);
		assert.is(n.replayed, n.hash, `${name}: the replay in Node`);
		assert.equal(nodeBundle[name], n, `${name}: dist/index.js in Node`);
		assert.equal(chromium[name], n, `${name}: dist/browser.js in Chromium`);
	}
	assert.is(new Set(Object.values(node).map((h) => h.hash)).size, Object.keys(PROGRAMS).length);
});

hashes.run();
