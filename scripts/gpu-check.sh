#!/usr/bin/env bash
# The GPU check. On a machine with an NVIDIA GPU (and its driver), from the repository root:
#
#   bash scripts/gpu-check.sh
#
# 1. finds Node: .tools/node (a binary, or .tools/node.xz compressed), else `node` on PATH;
# 2. finds what the suite needs that is not in git: node_modules (else .tools/node_modules.tar.xz),
#    the embedded Wasm core (src/core/core-wasm.generated.ts), dist/ (rebuilt with esbuild if
#    missing) and the addon native/build/Release/async_output_cuda.node, which must have been
#    built for the same Node ABI (else it is rebuilt, which needs node-gyp and Node's headers);
# 3. runs the whole test suite: the CUDA cases must run, none skipped;
# 4. measures, in one run (scripts/gpu-measure.ts): device-to-host bandwidth of asyncCopyToHost
#    into pinned memory against cuMemcpyDtoH, the demo's overlapped step against its bound, the
#    delay from an event's completion to its promise (median, p99), and the host CPU time of
#    blocking against spinning waits;
# 5. writes $OUT/gpu-check.json (OUT defaults to .tmp/gpu-check), with suite.log and measure.json.
#
# Exit status 0 only if the suite passed with no CUDA case skipped and the measurements ran.
# scripts/gpu-pack.sh prepares .tools/ and the build outputs on a machine with npm; see README.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/.tmp/gpu-check}
mkdir -p "$OUT" "$ROOT/.tmp/tools"
log() { echo "gpu-check: $*" >&2; }
fail() {
	log "FAILED: $*"
	printf '{"ok":false,"stage":"setup","error":%s}\n' "$(printf '%s' "$*" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')" >"$OUT/gpu-check.json"
	exit 1
}

# 1. Node ------------------------------------------------------------------------------------------
if [ -f .tools/node ] && [ -x .tools/node ]; then
	NODE=$ROOT/.tools/node
elif [ -x .tools/node/bin/node ]; then
	NODE=$ROOT/.tools/node/bin/node
elif [ -f .tools/node.xz ]; then
	xz -dc .tools/node.xz >"$ROOT/.tmp/tools/node" && chmod +x "$ROOT/.tmp/tools/node" || fail "cannot unpack .tools/node.xz"
	NODE=$ROOT/.tmp/tools/node
elif command -v node >/dev/null; then
	NODE=$(command -v node)
else
	fail "no Node.js: carry a node binary as .tools/node (or .tools/node.xz), or put node on PATH"
fi
"$NODE" --version >/dev/null 2>&1 || fail "$NODE does not run on this machine (glibc too old?)"
export PATH="$(dirname "$NODE"):$PATH"
NODE_VERSION=$("$NODE" --version)
NODE_ABI=$("$NODE" -p process.versions.modules)
log "node $NODE_VERSION (ABI $NODE_ABI) at $NODE"

# 2. What git does not hold --------------------------------------------------------------------------
if [ ! -f node_modules/uvu/package.json ]; then
	[ -f .tools/node_modules.tar.xz ] || fail "no node_modules and no .tools/node_modules.tar.xz"
	tar -xJf .tools/node_modules.tar.xz || fail "cannot unpack .tools/node_modules.tar.xz"
fi
[ -f src/core/core-wasm.generated.ts ] ||
	fail "src/core/core-wasm.generated.ts is missing (build it with npm run build:wasm and carry it)"
if [ ! -f dist/cli.js ]; then
	"$NODE" scripts/build-bundles.mjs || fail "cannot bundle dist/ (esbuild)"
fi

ADDON=native/build/Release/async_output_cuda.node
BUILT_ABI=$("$NODE" -p "try { require('./native/build/status.json').modules } catch { '' }")
if [ ! -f "$ADDON" ] || [ "$BUILT_ABI" != "$NODE_ABI" ]; then
	log "the addon is missing or was built for ABI '$BUILT_ABI': rebuilding it"
	if command -v npm >/dev/null; then
		npm run build:native || fail "npm run build:native failed"
	elif command -v node-gyp >/dev/null; then
		node-gyp rebuild --directory=native || fail "node-gyp rebuild failed (Node headers?)"
	else
		fail "the addon is not built for Node ABI $NODE_ABI and there is no npm or node-gyp here: build it with the same Node elsewhere and carry native/build"
	fi
fi
if [ ! -f native/build/fake/libfakecuda.so ] && command -v g++ >/dev/null; then
	"$NODE" scripts/build-native.mjs --fake-only
fi

# The sample traces: beside the checkout, or carried.
if [ -z "${ASYNC_OUTPUT_TRACES:-}" ] && [ ! -d ../shared/traces ] && [ -d .tools/traces ]; then
	export ASYNC_OUTPUT_TRACES=$ROOT/.tools/traces
fi

# The GPU ----------------------------------------------------------------------------------------------
GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
log "GPU: ${GPU:-nvidia-smi unavailable}"
"$NODE" --import tsx --input-type=module -e "
	const { probeCuda } = await import('./src/device/create.ts');
	const p = await probeCuda();
	if (!p.ok) { console.error(p.error.message); process.exit(1); }
	console.error('gpu-check: driver ' + p.driverVersion + ', ' + p.devices + ' GPU(s)');
" || fail "the CUDA device is unavailable here"

# 3. The whole suite -----------------------------------------------------------------------------------
log "running the test suite"
SUITE_START=$(date +%s)
CI=true NO_COLOR=1 "$NODE" --import tsx node_modules/uvu/bin.js tests .test.ts >"$OUT/suite.log" 2>&1
SUITE_RC=$?
SUITE_SECONDS=$(($(date +%s) - SUITE_START))
tail -8 "$OUT/suite.log" >&2

# 4. The measurements ----------------------------------------------------------------------------------
log "measuring"
"$NODE" --import tsx scripts/gpu-measure.ts --out "$OUT/measure.json" >"$OUT/measure.log" 2>&1
MEASURE_RC=$?
[ $MEASURE_RC -eq 0 ] || tail -20 "$OUT/measure.log" >&2

# 5. The report ------------------------------------------------------------------------------------------
SUITE_RC=$SUITE_RC MEASURE_RC=$MEASURE_RC SUITE_SECONDS=$SUITE_SECONDS GPU="$GPU" \
	NODE_VERSION="$NODE_VERSION" OUT="$OUT" "$NODE" -e "
	const fs = require('node:fs');
	const log = fs.readFileSync(process.env.OUT + '/suite.log', 'utf8');
	const count = (label) => Number((log.match(new RegExp(label + ':\\\\s+(\\\\d+)')) ?? [])[1] ?? NaN);
	const skippedCuda = [...log.matchAll(/Skipped (\\d+) cases on device 'cuda': (.*)/g)];
	const measure = process.env.MEASURE_RC === '0'
		? JSON.parse(fs.readFileSync(process.env.OUT + '/measure.json', 'utf8'))
		: { error: fs.readFileSync(process.env.OUT + '/measure.log', 'utf8').slice(-4000) };
	const suite = {
		exitCode: Number(process.env.SUITE_RC),
		seconds: Number(process.env.SUITE_SECONDS),
		total: count('Total'),
		passed: count('Passed'),
		skipped: count('Skipped'),
		cudaSkipped: skippedCuda.map((m) => ({ count: Number(m[1]), reason: m[2] })),
		leaks: (log.match(/\\[cuda\\] .*cycles.*/) ?? [])[0],
		failures: [...log.matchAll(/FAIL .*\"(.*)\"/g)].map((m) => m[1]).slice(0, 50),
	};
	const ok = suite.exitCode === 0 && suite.cudaSkipped.length === 0 && process.env.MEASURE_RC === '0';
	const report = { ok, gpu: process.env.GPU, node: process.env.NODE_VERSION, suite, measure };
	fs.writeFileSync(process.env.OUT + '/gpu-check.json', JSON.stringify(report, null, 2) + '\n');
	console.error('gpu-check: ' + (ok ? 'OK' : 'FAILED') + ', report in ' + process.env.OUT + '/gpu-check.json');
	process.exit(ok ? 0 : 1);
"
