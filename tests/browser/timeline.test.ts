import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRecordings } from '../../src/trace/recording-file.ts';
import { tracePath } from '../helpers.ts';
import { launch, openPage, ROOT, serve, withChromium } from './chromium.ts';

/**
 * The HTML timelines the CLI writes, opened in Chromium: every operation of every run is a bar,
 * nothing is fetched from anywhere, hovering tells what a bar is, the wheel zooms, dragging
 * pans. Screenshots go to .tmp/screenshots/ (or $SCREENSHOT_DIR).
 */

const CLI = join(ROOT, 'dist/cli.js');
const SHOTS = process.env.SCREENSHOT_DIR ?? join(ROOT, '.tmp/screenshots');

function cli(...args: string[]): string {
	const run = spawnSync(process.execPath, [CLI, ...args], {
		encoding: 'utf8',
		env: { ...process.env, NO_COLOR: '1' },
	});
	if (run.status !== 0) throw new Error(`async-output ${args.join(' ')}: ${run.stderr}`);
	return run.stdout;
}

/** Opens an HTML file served from 127.0.0.1; returns the page and every URL it requested. */
async function open(html: string, test: (page: Page, requests: string[]) => Promise<void>) {
	const site = await serve({ files: { '/timeline.html': html } });
	const browser = await launch();
	try {
		const { page, log } = await openPage(browser.context);
		const requests: string[] = [];
		page.on('request', (request) => requests.push(request.url()));
		await page.goto(`${site.url}/timeline.html`);
		await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
		assert.equal(log, [], 'the page logs nothing and throws nothing');
		await test(page, requests);
		assert.equal(requests, [`${site.url}/timeline.html`], 'the page fetches nothing else');
	} finally {
		await browser.close();
		await site.close();
	}
}

function count(page: Page, run: number, selector = ''): Promise<number> {
	return page.locator(`section[data-run="${run}"] rect[data-op]${selector}`).count();
}

async function box(page: Page, selector: string): Promise<{ x: number; width: number }> {
	return page
		.locator(selector)
		.first()
		.evaluate((rect) => ({
			x: Number(rect.getAttribute('x')),
			width: Number(rect.getAttribute('width')),
		}));
}

/** A screenshot of the page down to the end of its last run. */
async function screenshot(page: Page, name: string): Promise<void> {
	const bottom = await page.evaluate(
		() => (document.getElementById('runs') as HTMLElement).getBoundingClientRect().bottom,
	);
	const width = page.viewportSize()?.width ?? 1400;
	await page.screenshot({
		path: join(SHOTS, name),
		fullPage: true,
		clip: { x: 0, y: 0, width, height: Math.ceil(bottom) + 8 },
	});
}

const timeline = suite('HTML timelines in Chromium');
let dir = '';

timeline.before(() => {
	dir = mkdtempSync(join(tmpdir(), 'async-output-html-'));
	mkdirSync(SHOTS, { recursive: true });
});

timeline.after(() => {
	rmSync(dir, { recursive: true, force: true });
});

withChromium(timeline, 'the demo: one bar per entry of both runs; hover, zoom, pan', async () => {
	const html = join(dir, 'demo.html');
	const record = join(dir, 'demo.json');
	cli('demo', '--steps', '8', '--html', html, '--record', record);
	const runs = parseRecordings(readFileSync(record, 'utf8'));

	await open(readFileSync(html, 'utf8'), async (page) => {
		assert.is(await page.locator('section.run').count(), 2);
		for (const [i, { recording }] of runs.entries()) {
			assert.is(await count(page, i), recording.events.length, `run ${i}: a bar per entry`);
			assert.is(await count(page, i, '[data-kind="kernel"]'), 8);
			assert.is(await count(page, i, '[data-kind="copy_d2h"]'), 8);
			assert.is(await count(page, i, '[data-kind="host_work"]'), 8);
			// Kernels and copies show again on their engines' lanes.
			assert.is(
				await page
					.locator(`section[data-run="${i}"] rect[data-copy-of][data-kind="kernel"]`)
					.count(),
				8,
			);
		}
		const labels = await page.locator('section[data-run="1"] .lane-label').allTextContents();
		assert.equal(labels, [
			'host',
			'overlapped compute',
			'overlapped copy',
			'engine: compute',
			'engine: copy D2H',
		]);

		// Hover: the tooltip says what the bar is.
		const kernel = 'section[data-run="0"] rect[data-op][data-kind="kernel"]';
		await page.locator(kernel).first().hover();
		const tip = page.locator('#tooltip');
		assert.ok(await tip.isVisible());
		const text = (await tip.textContent()) ?? '';
		assert.match(text, /step 0/);
		assert.match(text, /kindkernel/);
		assert.match(text, /duration5\.000 ms/);
		await screenshot(page, 'timeline-demo.png');

		// The wheel zooms in around the pointer, dragging pans, a double click shows everything.
		const before = await box(page, kernel);
		const svg = page.locator('section[data-run="0"] svg');
		const area = (await svg.boundingBox()) as { x: number; y: number; width: number };
		await page.mouse.move(area.x + 400, area.y + 40);
		await page.mouse.wheel(0, -600);
		const zoomed = await box(page, kernel);
		assert.ok(zoomed.width > before.width * 2, `zoomed ${before.width} -> ${zoomed.width}`);
		await page.mouse.move(area.x + 600, area.y + 40);
		await page.mouse.down();
		await page.mouse.move(area.x + 700, area.y + 40, { steps: 4 });
		await page.mouse.up();
		const panned = await box(page, kernel);
		assert.ok(Math.abs(panned.x - zoomed.x - 100) < 1, `panned ${zoomed.x} -> ${panned.x}`);
		assert.is(panned.width, zoomed.width);
		await svg.dblclick({ position: { x: 600, y: 40 } });
		assert.equal(await box(page, kernel), before);
	});
});

withChromium(
	timeline,
	'the AlexNet replay: every kernel, copy and memset of both runs',
	async () => {
		const html = join(dir, 'alexnet.html');
		const report = JSON.parse(
			cli('replay', tracePath('hta_alexnet_a100.json'), '--json', '--html', html),
		);
		assert.is(report.counts.kernels, 79);

		await open(readFileSync(html, 'utf8'), async (page) => {
			assert.is(await page.locator('section.run').count(), 2);
			for (const run of [0, 1]) {
				assert.is(await count(page, run, '[data-kind="kernel"]'), report.counts.kernels);
				assert.is(await count(page, run, '[data-kind="copy_h2d"]'), report.counts.copies.h2d);
				assert.is(await count(page, run, '[data-kind="memset"]'), report.counts.memsets);
				assert.ok((await count(page, run, '[data-kind="host_wait"]')) > 0);
			}
			const labels = await page.locator('section[data-run="1"] .lane-label').allTextContents();
			assert.ok(labels.includes('stream 7 H2D side'), labels.join(', '));
			await screenshot(page, 'timeline-alexnet.png');
		});
		assert.ok(statSync(join(SHOTS, 'timeline-alexnet.png')).size > 10_000);
	},
);

timeline.run();
