import { createDevice, probeCuda } from '../../src/device/create.ts';
import { CudaUnavailableError } from '../../src/errors.ts';

/**
 * Creates the CUDA device the way a program does (the driver from $ASYNC_OUTPUT_CUDA_DRIVER, the
 * addon from its build or $ASYNC_OUTPUT_CUDA_ADDON) and prints what happened as JSON: in a process
 * of its own, since the addon and each driver are loaded once per process.
 */

const result: Record<string, unknown> = {};
try {
	const device = await createDevice('cuda');
	result.cuda = device.kind;
	device.destroy();
} catch (error) {
	result.error = error instanceof CudaUnavailableError ? error.name : String(error);
	result.code = (error as CudaUnavailableError).code;
	result.reason = (error as CudaUnavailableError).reason;
	result.message = (error as Error).message;
}
const auto = await createDevice('auto');
result.auto = auto.kind;
auto.destroy();
const probe = await probeCuda();
result.probe = probe.ok ? 'ok' : probe.error.reason;
process.stdout.write(`${JSON.stringify(result)}\n`);
