// Prints the size of the browser bundle, minified and gzipped (npm run size, after a build).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

for (const file of ['dist/browser.js', 'dist/index.js']) {
	const bytes = readFileSync(file);
	const gzipped = gzipSync(bytes, { level: 9 }).length;
	const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
	process.stdout.write(
		`${file}: ${kib(bytes.length)} (${bytes.length} B), gzipped ${kib(gzipped)} (${gzipped} B)\n`,
	);
}
