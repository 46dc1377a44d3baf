/** The sample traces, found as tests/helpers.ts finds them: $ASYNC_OUTPUT_TRACES or ../shared/traces. */
export function tracePath(name: string): string {
	const dir = process.env.ASYNC_OUTPUT_TRACES ?? `${process.cwd()}/../shared/traces`;
	return `${dir}/${name}`;
}
