import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Test } from 'uvu';

/**
 * Headless Chromium for the browser suites: Debian's `chromium`, driven by playwright-core,
 * pages served from 127.0.0.1 by a small static server.
 *
 * Without Chromium the browser tests fail with a message that says how to install it when CI
 * is set (CI installs it), and are skipped, visibly, otherwise.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ROOT = new URL('../..', import.meta.url).pathname;

const MISSING = `Chromium is not installed at ${CHROMIUM}: install it with 'apt-get update && apt-get install -y chromium' (.ci/run does), or point CHROMIUM_PATH at one`;

const FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

let warned = false;

/**
 * Registers a test that needs Chromium: as it is where Chromium is installed, as a failure with
 * the install hint under CI, as a skip (and one warning line) elsewhere.
 */
export function withChromium(test: Test, name: string, fn: () => Promise<void>): void {
	if (existsSync(CHROMIUM)) {
		test(name, fn);
	} else if (process.env.CI) {
		test(name, () => {
			throw new Error(MISSING);
		});
	} else {
		if (!warned) process.stderr.write(`\n  browser tests skipped: ${MISSING}\n`);
		warned = true;
		test.skip(name, fn);
	}
}

/** A browser with a fresh profile; close it with `close()`. */
export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
	const profile = mkdtempSync(join(tmpdir(), 'async-output-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: FLAGS,
		viewport: { width: 1400, height: 900 },
	});
	return {
		context,
		close: async () => {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

/** A page that keeps its console output and errors, for messages when something fails. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; log: string[] }> {
	const page = await context.newPage();
	const log: string[] = [];
	page.on('console', (message) => log.push(`console.${message.type()}: ${message.text()}`));
	page.on('pageerror', (error) => log.push(`page error: ${error.stack ?? error.message}`));
	return { page, log };
}

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.json': 'application/json',
	'.map': 'application/json',
	'.wasm': 'application/wasm',
	'.png': 'image/png',
};

/** What a server serves: files in memory by path, and folders on disk under a path prefix. */
export interface Site {
	files?: Record<string, string | Uint8Array>;
	folders?: Record<string, string>;
}

/** Serves a site on 127.0.0.1 (a free port); `url` ends without a slash. */
export async function serve(site: Site): Promise<{ url: string; close: () => Promise<void> }> {
	const server = createServer((request, response) => {
		const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
		const body = lookup(site, path);
		if (body === undefined) {
			response.writeHead(404, { 'content-type': 'text/plain' });
			response.end(`not found: ${path}`);
			return;
		}
		response.writeHead(200, {
			'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
			'cache-control': 'no-store',
		});
		response.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function lookup(site: Site, path: string): string | Uint8Array | undefined {
	const file = site.files?.[path];
	if (file !== undefined) return file;

	for (const [prefix, folder] of Object.entries(site.folders ?? {})) {
		if (!path.startsWith(prefix)) continue;
		const relative = normalize(path.slice(prefix.length));
		if (relative.startsWith('..')) return undefined;
		const full = join(folder, relative);
		if (existsSync(full) && statSync(full).isFile()) return readFileSync(full);
	}
	return undefined;
}
