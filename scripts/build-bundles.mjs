// Bundles the library and the CLI with esbuild. The Wasm core is already embedded by
// build-wasm.mjs (and the timeline viewer by build-viewer.mjs), so each bundle is one file with
// no file access: dist/index.js for Node, dist/browser.js (minified) for browsers, chosen by the
// `browser` condition of package.json's exports, and dist/cli.js for the command.
import { build } from 'esbuild';

const common = {
	bundle: true,
	format: 'esm',
	target: 'es2022',
	sourcemap: true,
	logLevel: 'warning',
};

await Promise.all([
	build({
		...common,
		entryPoints: ['src/index.ts'],
		outfile: 'dist/index.js',
		platform: 'node',
	}),
	build({
		...common,
		entryPoints: ['src/index.ts'],
		outfile: 'dist/browser.js',
		platform: 'browser',
		minify: true,
	}),
	build({
		...common,
		entryPoints: ['src/cli/main.ts'],
		outfile: 'dist/cli.js',
		platform: 'node',
		packages: 'external',
		banner: { js: '#!/usr/bin/env node' },
	}),
]);
