// Serves the repository on http://127.0.0.1:8080 so that the example page can load the
// browser bundle: run `npm run build`, then `node examples/browser/serve.mjs`, and open
// http://127.0.0.1:8080/examples/browser/ (a page opened from disk may not load modules).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
const port = Number(process.env.PORT ?? 8080);

createServer(async (request, response) => {
	let path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
	if (path.endsWith('/')) path += 'index.html';
	try {
		const body = await readFile(join(root, path));
		response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
		response.end(body);
	} catch {
		response.writeHead(404).end('not found');
	}
}).listen(port, '127.0.0.1', () => {
	process.stdout.write(`http://127.0.0.1:${port}/examples/browser/\n`);
});
