// Bundles the library and the CLI with esbuild. The Wasm core is already embedded by
// build-wasm.mjs (and the timeline viewer by build-viewer.mjs), so each bundle is one file with
// no file access: dist/index.js for Node, dist/browser.js (minified) for browsers, chosen by the
// `browser` condition of package.json's exports, and dist/cli.js for the command.
//
// The CLI's own dependencies (argument parsing, tables) are bundled into dist/cli.js, so that
// the package has no dependencies: it installs from its tarball with nothing to fetch. Their
// licences go to dist/THIRD-PARTY-NOTICES.md.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const common = {
	bundle: true,
	format: 'esm',
	target: 'es2022',
	sourcemap: true,
	logLevel: 'warning',
	// Error messages name classes ("got AsyncOutput (object)"): keep them as written.
	keepNames: true,
};

/** Resolves src/device/cuda/addon-file.js to its browser stand-in. */
const browserAddonFile = {
	name: 'browser-addon-file',
	setup(build) {
		build.onResolve({ filter: /\/addon-file\.js$/ }, (args) => ({
			path: join(args.resolveDir, 'addon-file.browser.ts'),
		}));
	},
};

const [, , cli] = await Promise.all([
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
		// The CUDA device finds its addon with Node's modules; a page gets a stand-in that says
		// the CUDA device needs Node, so that no bundler building a page meets a `node:` import.
		plugins: [browserAddonFile],
	}),
	build({
		...common,
		entryPoints: ['src/cli/main.ts'],
		outfile: 'dist/cli.js',
		platform: 'node',
		metafile: true,
		// CommonJS dependencies require Node's modules: give the ESM bundle a require().
		banner: {
			js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
		},
	}),
]);

// The notices of every package bundled into the CLI.
const packages = new Map();
for (const input of Object.keys(cli.metafile.inputs)) {
	const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
	if (match !== null) packages.set(match[1], true);
}
const notices = [...packages.keys()].sort().map((dir) => {
	const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
	const licence = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
	const text =
		licence === undefined ? '(no licence file)' : readFileSync(join(dir, licence), 'utf8');
	return `## ${manifest.name}@${manifest.version} (${manifest.license})\n\n${text.trim()}\n`;
});
writeFileSync(
	join(dirname('dist/cli.js'), 'THIRD-PARTY-NOTICES.md'),
	`# Packages bundled into dist/cli.js\n\n${notices.join('\n')}`,
);
