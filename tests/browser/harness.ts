/**
 * The page side of the browser suites: loads each bundled test file as uvu's own runner does
 * (one queue group per file, `UVU_DEFER` set before uvu loads, so that `suite.run()` only
 * queues), then runs the queue itself and keeps each file's counts and failure reports in
 * `window.__results`, where the Node side reads them.
 */

type Runner = () => Promise<[string | true, number, number, number]>;

export interface FileResult {
	file: string;
	total: number;
	passed: number;
	skipped: number;
	failures: string;
}

declare global {
	var UVU_QUEUE: [string | null, ...Runner[]][];
	var UVU_INDEX: number;
	var UVU_DEFER: number;
	interface Window {
		__files: { file: string; url: string }[];
		__results?: { done: boolean; files: FileResult[]; error?: string };
	}
}

// Strips the terminal colours of uvu's failure reports.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

async function main(): Promise<void> {
	const files = window.__files;
	const results: FileResult[] = files.map(({ file }) => ({
		file,
		total: 0,
		passed: 0,
		skipped: 0,
		failures: '',
	}));

	// Load every file: each queues its suites in its own group.
	for (const [index, { url }] of files.entries()) {
		globalThis.UVU_INDEX = index;
		globalThis.UVU_QUEUE.push([files[index]?.file ?? null]);
		try {
			await import(url);
		} catch (error) {
			const result = results[index] as FileResult;
			result.total += 1;
			result.failures += `loading the file failed: ${(error as Error).stack ?? error}\n`;
		}
	}

	// Run the queue, group by group, as uvu's exec() does, but keeping the counts.
	for (const [index, group] of globalThis.UVU_QUEUE.entries()) {
		const result = results[index] as FileResult;
		for (const run of group.slice(1) as Runner[]) {
			const [errors, passed, skipped, total] = await run();
			result.total += total;
			result.passed += passed;
			result.skipped += skipped;
			if (errors !== true) result.failures += String(errors).replace(ANSI, '');
		}
	}
	window.__results = { done: true, files: results };
}

main().catch((error) => {
	window.__results = { done: true, files: [], error: String((error as Error).stack ?? error) };
});
