import { expectLabel, expectOptions } from '../validate.js';
import { expectNamedRecordings, type NamedRecording } from './recording-file.js';
import { timelineData } from './timeline-data.js';
import { TIMELINE_VIEWER_JS } from './timeline-viewer.generated.js';

/**
 * The HTML timeline: one self-contained page (inline style, inline script, the data as JSON;
 * no fonts, images or scripts from anywhere else) that draws each run as lanes of bars: the
 * host, each stream and each engine, kernels, copies, host work and waits, with zoom (wheel),
 * pan (drag) and details on hover. See `timeline-viewer/viewer.ts` for the drawing.
 */

/** Options of `toHtmlTimeline`. */
export interface HtmlTimelineOptions {
	/** The page's title (default 'async-output timeline'). */
	title?: string;
}

const COLORS: Record<string, string> = {
	kernel: '#4e79a7',
	copy_h2d: '#59a14f',
	copy_d2h: '#f28e2b',
	copy_d2d: '#76b7b2',
	memset: '#b07aa1',
	host_func: '#edc948',
	host_work: '#9c755f',
	host_wait: '#e8a0a0',
	launch: '#bab0ac',
	event_record: '#222222',
	stream_wait: '#8c8c8c',
};

const STYLE = `
:root { color-scheme: light; }
body { font: 13px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #222; background: #fafafa; }
header { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ddd; padding: 8px 14px; display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; }
h1 { font-size: 16px; margin: 0 12px 0 0; }
h2 { font-size: 14px; margin: 14px 14px 2px; }
.summary { margin: 0 14px 6px; color: #555; }
.legend span { display: inline-flex; align-items: center; margin-right: 10px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; border-radius: 2px; }
.help { color: #666; }
button { font: inherit; padding: 2px 10px; }
.run { margin-bottom: 10px; }
svg.timeline { display: block; cursor: grab; user-select: none; background: #fff; border-top: 1px solid #e4e4e4; border-bottom: 1px solid #e4e4e4; }
svg.timeline.dragging { cursor: grabbing; }
.lane-host { fill: #f6f3ef; } .lane-stream { fill: #ffffff; } .lane-engine { fill: #f1f4f8; }
.lane { stroke: #ececec; stroke-width: 1; }
.lane-label { font-size: 11px; fill: #333; }
.grid { stroke: #e2e2e2; stroke-width: 1; }
.tick-label { font-size: 10px; fill: #777; }
.bar { stroke: rgba(0,0,0,.25); stroke-width: .5; }
.bar.copy { opacity: .8; }
.bar:hover { stroke: #000; stroke-width: 1.2; }
${Object.entries(COLORS)
	.map(([kind, color]) => `.k-${kind} { fill: ${color}; }`)
	.join('\n')}
#tooltip { position: fixed; z-index: 3; pointer-events: none; background: #fff; border: 1px solid #999; border-radius: 4px; padding: 6px 8px; box-shadow: 0 2px 8px rgba(0,0,0,.15); max-width: 420px; }
#tooltip th { text-align: left; font-weight: normal; color: #666; padding-right: 8px; }
`;

/**
 * A self-contained HTML page that draws the timelines of named recordings.
 *
 * @example
 *   writeFileSync('timeline.html', toHtmlTimeline([{ name: 'decode loop', recording }]));
 */
export function toHtmlTimeline(
	runs: readonly NamedRecording[],
	options: HtmlTimelineOptions = {},
): string {
	expectNamedRecordings('runs', runs);
	const opts = expectOptions('options', options);
	const title = expectLabel('options.title', opts.title, 'async-output timeline');
	const data = timelineData(title, runs);
	const kinds = new Set(data.runs.flatMap((r) => r.bars.map((b) => b.kind)));
	const legend = Object.entries(COLORS)
		.filter(([kind]) => kinds.has(kind as never))
		.map(
			([kind, color]) =>
				`<span><i style="background:${color}"></i>${kind.replace('_', ' ')}</span>`,
		)
		.join('');
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<div class="legend">${legend}</div>
<div class="help">wheel: zoom · drag: pan · double click: everything</div>
<button id="reset" type="button">Reset zoom</button>
</header>
<main id="runs"></main>
<div id="tooltip" hidden></div>
<script type="application/json" id="timeline-data">${scriptJson(data)}</script>
<script>${TIMELINE_VIEWER_JS.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"]/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
	);
}

/** JSON that cannot end its <script> element early. */
function scriptJson(value: unknown): string {
	return JSON.stringify(value).replace(/</g, '\\u003c');
}
