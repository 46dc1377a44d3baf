import type { TimelineBar, TimelineData, TimelineRun } from '../timeline-data.js';

/**
 * The script of an HTML timeline page. It is bundled on its own (scripts/build-viewer.mjs) and
 * inlined into each page, which holds its data as JSON in `<script id="timeline-data">`: no
 * request leaves the page.
 *
 * Every run is an SVG: a label column, a time axis, and a lane per host thread, stream and
 * engine with one <rect> per bar. All runs share one time window, so that a serial and an
 * overlapped run line up: the wheel zooms around the pointer, dragging pans, a double click
 * (or the reset button) shows everything again, and hovering a bar tells what it was.
 */

const LABEL_WIDTH = 190;
const ROW_HEIGHT = 14;
const LANE_PAD = 3;
const AXIS_HEIGHT = 24;
const RIGHT_PAD = 12;
const MIN_SPAN_NS = 20;
const SVG = 'http://www.w3.org/2000/svg';

interface DrawnRun {
	run: TimelineRun;
	svg: SVGSVGElement;
	rects: SVGRectElement[];
	axis: SVGGElement;
	clip: SVGRectElement;
}

const data = JSON.parse(
	(document.getElementById('timeline-data') as HTMLScriptElement).textContent ?? '{}',
) as TimelineData;
// Times read as the clock of the run (virtual ns from the device's start, or from a trace's
// first event); the window opens on the span that holds entries, from 0 when it starts close.
const origin = 0;
const last = Math.max(...data.runs.map((r) => r.end));
const earliest = Math.min(...data.runs.map((r) => r.start));
const first = earliest >= 0 && earliest < last * 0.02 ? 0 : earliest;
const full: [number, number] = [first, Math.max(first + MIN_SPAN_NS, last)];
const view = { t0: full[0], t1: full[1] };
const tooltip = document.getElementById('tooltip') as HTMLDivElement;
const drawn: DrawnRun[] = [];

function svgElement<K extends keyof SVGElementTagNameMap>(
	name: K,
	attributes: Record<string, string | number>,
	parent?: Element,
): SVGElementTagNameMap[K] {
	const element = document.createElementNS(SVG, name);
	for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
	parent?.appendChild(element);
	return element;
}

/** A time in the unit its magnitude (or the axis step) calls for: 3 decimals, or as few as the step needs. */
function formatTime(ns: number, step?: number): string {
	const size = step ?? Math.abs(ns);
	const [unit, name] =
		size >= 1e9 ? [1e9, 's'] : size >= 1e6 ? [1e6, 'ms'] : size >= 1e3 ? [1e3, 'µs'] : [1, 'ns'];
	const digits =
		step === undefined
			? unit === 1
				? 0
				: 3
			: Math.min(3, Math.max(0, Math.ceil(-Math.log10(step / unit))));
	return `${(ns / unit).toFixed(digits)} ${name}`;
}

function plotWidth(svg: SVGSVGElement): number {
	return Math.max(50, svg.clientWidth - LABEL_WIDTH - RIGHT_PAD);
}

/** Builds a run's SVG: lanes with their labels, an axis, and every bar. */
function drawRun(run: TimelineRun, index: number, parent: HTMLElement): DrawnRun {
	const laneTops: number[] = [];
	let y = AXIS_HEIGHT;
	for (const lane of run.lanes) {
		laneTops.push(y);
		y += lane.rows * ROW_HEIGHT + 2 * LANE_PAD;
	}
	const svg = svgElement('svg', { class: 'timeline', height: y + 4, 'data-run': index });
	svg.style.width = '100%';
	parent.appendChild(svg);

	const defs = svgElement('defs', {}, svg);
	const clipPath = svgElement('clipPath', { id: `plot-${index}` }, defs);
	const clip = svgElement('rect', { x: LABEL_WIDTH, y: 0, width: 100, height: y + 4 }, clipPath);

	run.lanes.forEach((lane, l) => {
		const top = laneTops[l] as number;
		const height = lane.rows * ROW_HEIGHT + 2 * LANE_PAD;
		svgElement(
			'rect',
			{ class: `lane lane-${lane.group}`, x: 0, y: top, width: '100%', height },
			svg,
		);
		const label = svgElement(
			'text',
			{ class: 'lane-label', x: 6, y: top + LANE_PAD + ROW_HEIGHT - 3 },
			svg,
		);
		label.textContent = lane.label;
	});
	const axis = svgElement('g', { class: 'axis' }, svg);
	const bars = svgElement('g', { class: 'bars', 'clip-path': `url(#plot-${index})` }, svg);
	const rects = run.bars.map((bar, b) => {
		const rect = svgElement(
			'rect',
			{
				class: `bar k-${bar.kind}${bar.copyOf ? ' copy' : ''}${bar.end === bar.start ? ' tick' : ''}`,
				y: (laneTops[bar.lane] as number) + LANE_PAD + bar.row * ROW_HEIGHT + 1,
				height: ROW_HEIGHT - 2,
				'data-bar': b,
				'data-kind': bar.kind,
				[bar.copyOf ? 'data-copy-of' : 'data-op']: bar.entry,
			},
			bars,
		);
		return rect;
	});
	return { run, svg, rects, axis, clip };
}

/**
 * Puts every bar and tick where the time window says.
 * TODO(perf): every bar is moved on every wheel or drag event; fine for thousands of bars (the
 * AlexNet replay draws some 1,600), slow for hundreds of thousands, which would want culling to the
 * window or a canvas.
 */
function layout(): void {
	const span = view.t1 - view.t0;
	for (const d of drawn) {
		const width = plotWidth(d.svg);
		const scale = width / span;
		d.clip.setAttribute('width', String(width));
		d.run.bars.forEach((bar, b) => {
			const rect = d.rects[b] as SVGRectElement;
			let x = LABEL_WIDTH + (bar.start - view.t0) * scale;
			let w = (bar.end - bar.start) * scale;
			if (w < 1) {
				// Keep short work and instants visible: at least a pixel, instants centred.
				x -= bar.end === bar.start ? 1 : 0;
				w = bar.end === bar.start ? 2 : 1;
			}
			rect.setAttribute('x', x.toFixed(2));
			rect.setAttribute('width', w.toFixed(2));
		});
		drawAxis(d, width, scale);
	}
}

function drawAxis(d: DrawnRun, width: number, scale: number): void {
	const span = view.t1 - view.t0;
	const rough = span / Math.max(1, width / 110);
	const power = 10 ** Math.floor(Math.log10(rough));
	const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
	d.axis.replaceChildren();
	const height = Number(d.svg.getAttribute('height'));
	const firstTick = Math.ceil((view.t0 - origin) / step) * step + origin;
	for (let t = firstTick; t <= view.t1; t += step) {
		const x = LABEL_WIDTH + (t - view.t0) * scale;
		svgElement('line', { class: 'grid', x1: x, x2: x, y1: AXIS_HEIGHT - 6, y2: height }, d.axis);
		const label = svgElement('text', { class: 'tick-label', x: x + 3, y: AXIS_HEIGHT - 9 }, d.axis);
		label.textContent = formatTime(t - origin, step);
	}
}

function setView(t0: number, t1: number): void {
	const span = Math.min(Math.max(t1 - t0, MIN_SPAN_NS), (full[1] - full[0]) * 1.5);
	view.t0 = t0;
	view.t1 = t0 + span;
	layout();
}

function timeAt(svg: SVGSVGElement, clientX: number): number {
	const box = svg.getBoundingClientRect();
	const fraction = (clientX - box.left - LABEL_WIDTH) / plotWidth(svg);
	return view.t0 + Math.min(1, Math.max(0, fraction)) * (view.t1 - view.t0);
}

function describeBar(bar: TimelineBar): string {
	const rows: [string, string][] = [
		['kind', bar.kind.replace('_', ' ')],
		['on', bar.where],
	];
	if (bar.engine !== undefined) rows.push(['engine', bar.engine]);
	rows.push(['start', `${formatTime(bar.start - origin)} (${bar.start} ns)`]);
	if (bar.end > bar.start) {
		rows.push(['end', formatTime(bar.end - origin)]);
		rows.push(['duration', formatTime(bar.end - bar.start)]);
	}
	if (bar.bytes !== undefined) rows.push(['bytes', bar.bytes.toLocaleString('en-US')]);
	if (bar.issued !== undefined) {
		rows.push(['issued', formatTime(bar.issued - origin)]);
		rows.push(['queued', formatTime(Math.max(0, bar.start - bar.issued))]);
	}
	const cells = rows.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`).join('');
	return `<strong>${escapeHtml(bar.name)}</strong><table>${cells}</table>`;
}

function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"]/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
	);
}

function showTooltip(bar: TimelineBar, clientX: number, clientY: number): void {
	tooltip.innerHTML = describeBar(bar);
	tooltip.hidden = false;
	const { innerWidth, innerHeight } = window;
	const box = tooltip.getBoundingClientRect();
	tooltip.style.left = `${Math.min(clientX + 14, innerWidth - box.width - 4)}px`;
	tooltip.style.top = `${Math.min(clientY + 14, innerHeight - box.height - 4)}px`;
}

/** Wheel to zoom, drag to pan, double click to reset, hover for details. */
function interact(d: DrawnRun): void {
	const svg = d.svg;
	let drag: { x: number; t0: number; t1: number } | undefined;
	svg.addEventListener(
		'wheel',
		(event) => {
			event.preventDefault();
			const at = timeAt(svg, event.clientX);
			const factor = Math.exp(event.deltaY * 0.0015);
			const span = Math.max(MIN_SPAN_NS, (view.t1 - view.t0) * factor);
			const t0 = at - ((at - view.t0) / (view.t1 - view.t0)) * span;
			setView(t0, t0 + span);
		},
		{ passive: false },
	);
	svg.addEventListener('pointerdown', (event) => {
		if (event.button !== 0) return;
		drag = { x: event.clientX, t0: view.t0, t1: view.t1 };
		svg.setPointerCapture(event.pointerId);
		svg.classList.add('dragging');
		tooltip.hidden = true;
	});
	svg.addEventListener('pointermove', (event) => {
		if (drag !== undefined) {
			const dt = ((event.clientX - drag.x) / plotWidth(svg)) * (drag.t1 - drag.t0);
			setView(drag.t0 - dt, drag.t1 - dt);
			return;
		}
		const target = event.target as Element;
		const index = target.getAttribute('data-bar');
		if (index === null) {
			tooltip.hidden = true;
			return;
		}
		showTooltip(d.run.bars[Number(index)] as TimelineBar, event.clientX, event.clientY);
	});
	const endDrag = () => {
		drag = undefined;
		svg.classList.remove('dragging');
	};
	svg.addEventListener('pointerup', endDrag);
	svg.addEventListener('pointercancel', endDrag);
	svg.addEventListener('pointerleave', () => {
		if (drag === undefined) tooltip.hidden = true;
	});
	svg.addEventListener('dblclick', () => setView(full[0], full[1]));
}

function main(): void {
	const container = document.getElementById('runs') as HTMLElement;
	data.runs.forEach((run, index) => {
		const section = document.createElement('section');
		section.className = 'run';
		section.dataset.run = String(index);
		const heading = document.createElement('h2');
		heading.textContent = `${run.name} · ${run.device}`;
		const summary = document.createElement('p');
		summary.className = 'summary';
		summary.textContent = `${run.summary.join(' · ')} · ${run.entries} entries · hash ${run.hash}`;
		section.append(heading, summary);
		container.appendChild(section);
		const d = drawRun(run, index, section);
		drawn.push(d);
		interact(d);
	});
	document.getElementById('reset')?.addEventListener('click', () => setView(full[0], full[1]));
	window.addEventListener('resize', layout);
	layout();
	document.body.dataset.ready = 'true';
}

main();
