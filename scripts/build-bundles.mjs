// Bundles the library and the CLI with esbuild. The Wasm core is already embedded by
// build-wasm.mjs, so the same bundle runs in Node and in browsers without file access.
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
		platform: 'neutral',
		// Node built-ins are imported lazily, by the CUDA device only: browsers never load them.
		external: ['node:*'],
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
