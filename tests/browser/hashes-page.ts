// The page side of hashes.test.ts: the shared programs on the browser bundle as shipped
// (dist/browser.js, through the page's import map).
import * as bundle from 'async-output';
import { type Lib, runPrograms } from '../programs.ts';

declare global {
	interface Window {
		__hashes?: Awaited<ReturnType<typeof runPrograms>> | { error: string };
	}
}

runPrograms(bundle as unknown as Lib).then(
	(hashes) => {
		window.__hashes = hashes;
	},
	(error) => {
		window.__hashes = { error: String((error as Error).stack ?? error) };
	},
);
