// The demo pipeline in a page: the decode loop serial and then overlapped, each on a fresh
// simulated device, recorded, and drawn as the same HTML timeline the CLI writes (--html).
import { createDevice, runDecodeLoop, toHtmlTimeline } from 'async-output';

const form = document.getElementById('options');
const status = document.getElementById('status');
const results = document.getElementById('results');
const timeline = document.getElementById('timeline');

/** Runs both modes with the form's options and shows the table and the timeline. */
async function run() {
	const values = new FormData(form);
	const options = {
		steps: Number(values.get('steps')),
		computeNs: Number(values.get('computeMs')) * 1e6,
		hostNs: Number(values.get('hostMs')) * 1e6,
		batch: Number(values.get('batch')),
		vocab: Number(values.get('vocab')),
	};
	const profile = String(values.get('profile'));
	status.textContent = 'Running…';

	const runs = [];
	for (const mode of ['serial', 'overlapped']) {
		const device = await createDevice('sim', { profile });
		runs.push({ device: device.name, ...(await runDecodeLoop(device, mode, options, true)) });
		device.destroy();
	}

	const serial = runs[0];
	results.tBodies[0].replaceChildren(
		...runs.map((r) => {
			const row = document.createElement('tr');
			const cells = [
				r.mode,
				(r.stepNs / 1e6).toFixed(3),
				(r.boundNs / 1e6).toFixed(3),
				`${(r.overlap * 100).toFixed(1)}%`,
				`${(serial.stepNs / r.stepNs).toFixed(2)}x`,
				r.verified ? 'ok' : 'WRONG',
				r.recording.hash(),
			];
			for (const text of cells) {
				const cell = document.createElement('td');
				cell.textContent = text;
				row.appendChild(cell);
			}
			return row;
		}),
	);
	results.hidden = false;

	const named = runs.map((r) => ({ name: `decode loop, ${r.mode}`, recording: r.recording }));
	const title = `${options.steps} steps on the ${runs[0].device}, serial and overlapped`;
	await new Promise((resolve) => {
		timeline.onload = resolve;
		timeline.srcdoc = toHtmlTimeline(named, { title });
	});
	timeline.style.height = `${timeline.contentDocument.body.scrollHeight + 20}px`;

	status.textContent = `Done: overlapped, a step takes ${(runs[1].stepNs / 1e6).toFixed(3)} ms, ${(serial.stepNs / runs[1].stepNs).toFixed(2)}x the serial loop.`;
	// For tests/browser/example.test.ts: what ran, to compare with the same run in Node.
	window.__example = {
		options,
		profile,
		runs: runs.map((r) => ({
			mode: r.mode,
			stepNs: r.stepNs,
			hash: r.recording.hash(),
			entries: r.recording.events.length,
		})),
	};
}

form.addEventListener('submit', (event) => {
	event.preventDefault();
	run().catch((error) => {
		status.textContent = `Failed: ${error.message}`;
	});
});
run().catch((error) => {
	status.textContent = `Failed: ${error.message}`;
});
