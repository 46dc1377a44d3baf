import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDevice } from '../../src/device/create.ts';
import { runDecodeLoop } from '../../src/pipeline/decode-loop.ts';
import { launch, openPage, ROOT, serve, withChromium } from './chromium.ts';

/** examples/browser/: the demo pipeline in a page, with its timeline, as in Node. */

interface ExampleRun {
	mode: 'serial' | 'overlapped';
	stepNs: number;
	hash: string;
	entries: number;
}

declare global {
	interface Window {
		__example?: { options: Record<string, number>; profile: string; runs: ExampleRun[] };
	}
}

const example = suite('examples/browser');

withChromium(example, 'runs the decode loop in a page and draws its timeline', async () => {
	const site = await serve({ folders: { '/': ROOT } });
	const browser = await launch();
	try {
		const { page, log } = await openPage(browser.context);
		await page.goto(`${site.url}/examples/browser/index.html`);
		await page.waitForFunction(() => window.__example !== undefined, undefined, {
			timeout: 60_000,
		});
		assert.equal(log, []);
		const shown = await page.evaluate(() => window.__example);
		assert.ok(shown !== undefined);
		assert.match(
			(await page.textContent('#status')) ?? '',
			/^Done: overlapped, a step takes 5\.001 ms, 1\.43x/,
		);
		assert.equal(await page.locator('#results tbody td:first-child').allTextContents(), [
			'serial',
			'overlapped',
		]);

		// The timeline in the page draws a bar per entry of each run.
		const frame = page.frameLocator('#timeline');
		await frame.locator('body[data-ready="true"]').waitFor();
		for (const [i, run] of shown.runs.entries()) {
			const bars = await frame.locator(`section[data-run="${i}"] rect[data-op]`).count();
			assert.is(bars, run.entries, run.mode);
		}

		// The same loop in Node records the same runs.
		for (const run of shown.runs) {
			const device = await createDevice('sim', { profile: shown.profile });
			const node = await runDecodeLoop(device, run.mode, shown.options, true);
			assert.is(node.recording?.hash(), run.hash, run.mode);
			assert.is(node.stepNs, run.stepNs, run.mode);
		}
		await page.screenshot({
			path: join(ROOT, '.tmp/screenshots/example-browser.png'),
			fullPage: true,
		});
	} finally {
		await browser.close();
		await site.close();
	}
});

example.run();
