import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TraceFormatError } from '../../src/errors.ts';
import { parseKineto, readKineto } from '../../src/trace/kineto.ts';
import { throwsCode, tracePath } from '../helpers.ts';

const read = (name: string) => parseKineto(readFileSync(tracePath(name), 'utf8'));

const kineto = suite('Kineto import');

kineto('reads the AlexNet trace: kernels, copies, streams and cross-stream waits', () => {
	const trace = read('hta_alexnet_a100.json');
	const kernels = trace.ops.filter((o) => o.kind === 'kernel');
	const h2d = trace.ops.filter((o) => o.kind === 'copy_h2d');
	assert.is(kernels.length, 79);
	assert.is(h2d.length, 16);
	assert.is(
		h2d.reduce((sum, o) => sum + (o.bytes ?? 0), 0),
		244_403_360,
	);
	assert.equal([...new Set(h2d.map((o) => o.stream))], [7]);
	assert.ok(
		h2d.every((o) => o.pinned === false),
		'all pageable',
	);
	assert.is(trace.ops.filter((o) => o.kind === 'memset').length, 3);
	assert.is(trace.crossStreamWaits, 20);
	assert.equal(trace.streams, [7, 20]);
	assert.is(trace.gpu, 'NVIDIA A100-PG509-200');
	assert.is(trace.unlaunched, 0, 'every GPU op joined to its launch call by correlation');
	assert.is(trace.threads.length, 1);
	assert.is(trace.calls.filter((c) => c.role === 'stream-wait').length, 20);
	assert.is(trace.calls.filter((c) => c.role === 'sync').length, 21);
});

kineto('keeps sub-microsecond copy durations from bytes and bandwidth', () => {
	const trace = read('hta_alexnet_a100.json');
	const small = trace.ops.find((o) => o.kind === 'copy_h2d' && o.bytes === 256);
	// 256 B at 0.14277746793084217 GB/s is 1793 ns, where dur says 1 us.
	assert.is(small?.duration, 1793);
});

kineto('reads the other sample traces', () => {
	const sync = read('hta_cuda_event_sync.json');
	assert.is(sync.ops.filter((o) => o.kind === 'kernel').length, 4);
	assert.is(sync.ops.filter((o) => o.kind === 'copy_d2h').length, 1);
	assert.ok(sync.calls.some((c) => c.sync?.kind === 'event' && c.sync.recordCorrelation === 1533));

	const multi = read('hta_event_sync_multi_stream.json');
	assert.equal(multi.streams, [20, 24, 28]);
	assert.is(multi.crossStreamWaits, 1);
	assert.is(multi.ops.filter((o) => o.kind === 'memset').length, 3);

	const bert = read('tracelens_h100_bert_small.json');
	assert.is(bert.ops.filter((o) => o.kind === 'kernel').length, 60);
	assert.is(bert.gpu, 'NVIDIA H100 80GB HBM3');
	const copy = bert.ops.find((o) => o.kind === 'copy_d2h');
	assert.is(copy?.pinned, true);
	assert.is(copy?.duration, 2240, 'float microseconds keep nanoseconds');
	assert.is(bert.unlaunched, 0, 'cuLaunchKernel (driver) calls join too');
});

kineto('reads 2021-style traces: string stream ids and capitalised categories', () => {
	const trace = readKineto({
		traceEvents: [
			{
				ph: 'X',
				cat: 'Runtime',
				name: 'cudaLaunchKernel',
				pid: 1,
				tid: '1',
				ts: 100,
				dur: 5,
				args: { correlation: 9 },
			},
			{
				ph: 'X',
				cat: 'Kernel',
				name: 'k',
				pid: 0,
				tid: 'stream 7',
				ts: 106,
				dur: 3,
				args: { correlation: 9 },
			},
			{
				ph: 'X',
				cat: 'Memset',
				name: 'Memset (Device)',
				pid: 0,
				tid: 'stream 7',
				ts: 110,
				dur: 1,
				args: { correlation: 10, bytes: 128000, 'memory bandwidth (GB/s)': 88.89 },
			},
		],
	});
	assert.equal(
		trace.ops.map((o) => [o.kind, o.stream, o.start, o.duration]),
		[
			['kernel', 7, 6000, 3000],
			['memset', 7, 10000, 1440],
		],
	);
	assert.is(trace.unlaunched, 1);
});

kineto('rejects what is not a profiler trace with a TraceFormatError', () => {
	throwsCode(() => parseKineto('{'), TraceFormatError, 'ERR_TRACE_FORMAT', /^not JSON/);
	throwsCode(() => parseKineto('{"a":1}'), TraceFormatError, 'ERR_TRACE_FORMAT', /traceEvents/);
	throwsCode(
		() => parseKineto('{"traceEvents":[]}'),
		TraceFormatError,
		'ERR_TRACE_FORMAT',
		/no GPU kernels/,
	);
});

kineto.run();
