// The README's example: a decode loop with a double buffer and a bounded handler.
// Run it with: node --import tsx examples/decode-loop.ts
import { AsyncOutputHandler, createDevice, DoubleBuffer, Stream } from '../src/index.ts';

const device = await createDevice(); // the simulated H200; createDevice('sim', { profile: 'a100' })
const main = new Stream(device, { label: 'compute' });
const copy = new Stream(device, { label: 'copy' });
const logits = new DoubleBuffer([64, 32000], 'float32', { device, stream: copy });
// One output pending while the next step computes: a slot's result is taken before the slot
// comes round again (a transfer into a slot whose result nobody took is refused).
const handler = new AsyncOutputHandler<Float32Array>({ device, maxPending: 1 });

for (let step = 0; step < 8; step++) {
	// Step N computes into the current slot (a kernel that runs 5 ms and writes step + i).
	main.launchKernel({ durationNs: 5e6, fill: { target: logits.current, value: step, step: 1 } });
	// Copy it to pinned memory on the side stream, after the compute stream's work so far.
	const output = logits.transfer({ after: main });
	while (!handler.submit(output)) {
		const done = await handler.waitOne(); // backpressure: take a finished output first
		console.log('got', (await done.get())[0]);
	}
	await logits.swap(); // waits until the next slot is no longer being transferred
}
for await (const done of handler) console.log('got', (await done.get())[0]);
console.log(`virtual time: ${device.now() / 1e6} ms`);
