#!/usr/bin/env bash
# Prepares what scripts/gpu-check.sh needs on a GPU machine that has no Node and no npm, here, on a
# machine that has both (Linux x86-64, the same glibc or older than the GPU machine's):
#
#   .tools/node.xz               this machine's node binary, compressed (the addon is built for its
#                                ABI, so the same binary must run it)
#   .tools/node_modules.tar.xz   the packages the test suite loads at run time (tsx and esbuild,
#                                uvu, fast-check, commander, cli-table3 and what they need)
#   native/build/                the addon and the fake driver, built here (npm run build:native)
#   dist/, src/core/core-wasm.generated.ts   the bundles and the embedded Wasm core (npm run build)
#   .tools/traces                the sample traces of ../shared/traces, for the replay tests
#
# Carry these four paths to the GPU machine (they are ignored by git) and run
# `bash scripts/gpu-check.sh` there.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools

npm run build >/dev/null
npm run build:native
node -e "if (!require('./native/build/status.json').addon.ok) process.exit(1)" ||
	{ echo "gpu-pack: the addon did not build (see native/build/status.json)" >&2; exit 1; }

# The node binary, once per version.
node_bin=$(command -v node)
if [ ! -f .tools/node.xz ] || [ "$(cat .tools/node.version 2>/dev/null)" != "$(node --version)" ]; then
	xz -T0 -6 -c "$node_bin" >.tools/node.xz
	node --version >.tools/node.version
fi

# The runtime packages: the suite's imports and everything they depend on.
dirs=$(node -e "
	const fs = require('node:fs');
	const seen = new Set();
	const visit = (name) => {
		const dir = 'node_modules/' + name;
		if (seen.has(dir) || !fs.existsSync(dir + '/package.json')) return;
		seen.add(dir);
		const pkg = JSON.parse(fs.readFileSync(dir + '/package.json', 'utf8'));
		for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep);
	};
	const root = JSON.parse(fs.readFileSync('package.json', 'utf8'));
	for (const name of [...Object.keys(root.dependencies), 'tsx', 'uvu', 'fast-check']) visit(name);
	console.log([...seen].join('\n'));
")
tar -cJf .tools/node_modules.tar.xz $dirs

# The sample traces the replay tests read (../shared/traces beside the checkout).
if [ -d ../shared/traces ]; then
	rm -rf .tools/traces
	cp -r ../shared/traces .tools/traces
fi

du -sh .tools/traces .tools/node.xz .tools/node_modules.tar.xz native/build dist src/core/core-wasm.generated.ts
echo "gpu-pack: carry .tools native/build dist src/core/core-wasm.generated.ts, then run bash scripts/gpu-check.sh"
