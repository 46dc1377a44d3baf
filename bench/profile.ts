import { readFileSync } from 'node:fs';

/**
 * `node --import tsx bench/profile.ts FILE.cpuprofile [N]`: the N functions (default 30) with
 * the most self time in a profile left by `npm run bench -- --prof`.
 */

interface Node {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
}

const [file, count] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: bench/profile.ts FILE.cpuprofile [N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
	nodes: Node[];
	samples: number[];
	timeDeltas: number[];
};
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
	const frame = (nodes.get(id) as Node).callFrame;
	const where = frame.url.split('/').slice(-2).join('/');
	const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
	const dt = profile.timeDeltas[i] ?? 0;
	self.set(key, (self.get(key) ?? 0) + dt);
	total += dt;
});
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(count ?? 30));
for (const [key, t] of top)
	process.stdout.write(`${((t / total) * 100).toFixed(1).padStart(5)}% ${key}\n`);
