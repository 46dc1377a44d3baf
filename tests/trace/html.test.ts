import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as lib from '../../src/index.ts';
import { toHtmlTimeline } from '../../src/trace/html.ts';
import { Recording } from '../../src/trace/recording.ts';
import { timelineData } from '../../src/trace/timeline-data.ts';
import { PROGRAMS } from '../programs.ts';

const layout = suite('timeline layout');

layout('lanes: the host, each stream, each engine; sharing kernels stack on rows', async () => {
	const program = PROGRAMS['events, priorities and host functions'];
	const recording = await (program as (l: typeof lib) => Promise<Recording>)(lib);
	const [run] = timelineData('t', [{ name: 'events', recording }]).runs;
	assert.ok(run !== undefined);
	assert.equal(
		run.lanes.map((l) => [l.label, l.group, l.rows]),
		[
			['host', 'host', 1],
			['low', 'stream', 1],
			['high', 'stream', 1],
			['side', 'stream', 1],
			['engine: compute', 'engine', 2],
			['engine: host functions', 'engine', 1],
		],
	);
	const own = run.bars.filter((b) => b.copyOf !== true);
	assert.is(run.entries, recording.events.length);
	assert.is(own.length, recording.events.length);
	assert.equal(
		own.map((b) => b.entry),
		own.map((_, i) => i),
	);
	const engine = run.bars.filter((b) => b.copyOf === true);
	assert.is(engine.length, recording.events.filter((e) => e.engine !== undefined).length);
	const halves = engine.filter((b) => b.name.startsWith('half'));
	assert.equal(
		halves.map((b) => b.row),
		[1, 0],
		"'half a' starts beside 'narrow' and takes the second row; 'half b' follows 'narrow' on the first",
	);
	const joined = own.find((b) => b.name === 'joined');
	assert.is(joined?.issued, recording.ops[11]?.releaseNs);
});

layout('the summary says how much copy time ran under compute', () => {
	const recording = new Recording('test');
	recording.add({ kind: 'kernel', name: 'k', lane: 's', engine: 'compute', start: 0, end: 10e6 });
	recording.add({
		kind: 'copy_d2h',
		name: 'c',
		lane: 't',
		engine: 'copy D2H',
		start: 5e6,
		end: 15e6,
	});
	recording.add({ kind: 'host_work', name: 'w', lane: 'host', start: 0, end: 2e6 });
	const [run] = timelineData('t', [{ name: 'r', recording }]).runs;
	assert.equal(run?.summary, [
		'span 15.000 ms; compute busy 10.000 ms; copies 10.000 ms; host work 2.000 ms',
		'50.0% of copy time overlapped with compute',
	]);
});

layout.run();

const html = suite('toHtmlTimeline');

html('a page that needs nothing from elsewhere, with its data and its viewer inline', () => {
	const recording = new Recording('test device');
	recording.add({ kind: 'kernel', name: '</script><b>x', lane: 'a & b', start: 0, end: 5 });
	const page = toHtmlTimeline([{ name: 'run "1"', recording }], { title: '<T> & co' });
	assert.match(page, /^<!doctype html>/);
	assert.match(page, /<title>&lt;T&gt; &amp; co<\/title>/);
	// Only data: URLs in attributes; no imports, fonts or scripts by URL.
	assert.equal(page.match(/(?:src|href)=["'][^"']*/g), ['href="data:,']);
	assert.not.match(page, /@import|@font-face|url\(http/);
	// The data cannot close its <script> early, and reads back whole.
	const json = (page.match(/id="timeline-data">(.*?)<\/script>/s) as string[])[1] as string;
	assert.not.match(json, /<\/script/);
	const data = JSON.parse(json);
	assert.is(data.runs[0].bars[0].name, '</script><b>x');
	assert.is(data.runs[0].name, 'run "1"');
	assert.is(page.match(/<script>/g)?.length, 1, 'one inline script: the viewer');
});

html.run();
