import { Command, InvalidArgumentError, Option } from 'commander';
import { AsyncOutputError } from '../errors.js';
import { demo } from './demo.js';
import { replay } from './replay.js';

/** The `async-output` command: parse, call the library, print, exit. */

function number(name: string, min: number) {
	return (value: string): number => {
		const n = Number(value);
		if (!Number.isFinite(n) || n < min)
			throw new InvalidArgumentError(`${name} must be a number >= ${min}`);
		return n;
	};
}

function integer(name: string, min: number) {
	return (value: string): number => {
		const n = Number(value);
		if (!Number.isInteger(n) || n < min)
			throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
		return n;
	};
}

const program = new Command('async-output')
	.description('Overlap GPU compute with the transfer of its results, on a simulated or a real GPU')
	.showHelpAfterError();

program
	.command('demo')
	.description(
		'run a decode loop serial and then overlapped (the async-output pattern), and compare',
	)
	.addOption(
		new Option('--device <kind>', 'device to run on')
			.choices(['sim', 'cuda', 'auto'])
			.default('sim'),
	)
	.option('--profile <id>', 'simulated device profile: h200, h100-sxm, h100-pcie, a100, rtx4090')
	.option('--steps <n>', 'decode steps', integer('--steps', 3), 64)
	.option('--compute-ms <ms>', 'GPU time per step', number('--compute-ms', 0), 5)
	.option('--host-ms <ms>', 'host post-processing per step', number('--host-ms', 0), 2)
	.option('--batch <n>', 'rows of the logits copied each step', integer('--batch', 1), 64)
	.option('--vocab <n>', 'columns of the logits (float32)', integer('--vocab', 1), 32000)
	.option('--json', 'print machine-readable results', false)
	.option('--trace-out <file>', 'write a Chrome trace (Perfetto) of both runs')
	.option('--html <file>', 'write a self-contained HTML timeline of both runs')
	.option('--record <file>', 'write a recording of both runs (replay it with `replay <file>`)')
	.action(async (options) => {
		const { text, exitCode } = await demo(options);
		process.stdout.write(text);
		process.exitCode = exitCode;
	});

program
	.command('replay')
	.description(
		'replay a PyTorch profiler (Kineto) trace, report the replay error and the async-output what-if; or replay a recording of async-output and compare its hash',
	)
	.argument('<trace>', 'profiler trace or recording JSON file')
	.option('--profile <id>', 'device profile instead of the one matched to the trace GPU')
	.option('--json', 'print machine-readable results', false)
	.option('--trace-out <file>', 'write a Chrome trace (Perfetto) of the replay and the what-if')
	.option('--html <file>', 'write a self-contained HTML timeline of the replay and the what-if')
	.action(async (trace: string, options) => {
		const { text, exitCode } = await replay({ trace, ...options });
		process.stdout.write(text);
		process.exitCode = exitCode;
	});

try {
	await program.parseAsync(process.argv);
} catch (error) {
	const code = error instanceof AsyncOutputError ? ` [${error.code}]` : '';
	const message = error instanceof Error ? error.message : String(error);
	process.stderr.write(`async-output: ${message}${code}\n`);
	process.exitCode = 1;
}
