import Table from 'cli-table3';

/** Number formatting and tables for the CLI (the library itself never prints). */

/** Milliseconds with 3 decimals from ns. */
export function ms(ns: number): string {
	return (ns / 1e6).toFixed(3);
}

/** Microseconds with 1 decimal from ns. */
export function us(ns: number): string {
	return (ns / 1e3).toFixed(1);
}

/** A percentage with the given decimals. */
export function pct(fraction: number, digits = 1): string {
	return `${(fraction * 100).toFixed(digits)}%`;
}

/** A signed percentage. */
export function signedPct(value: number, digits = 2): string {
	return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}%`;
}

/** Bytes with thousands separators. */
export function bytes(n: number): string {
	return `${n.toLocaleString('en-US')} B`;
}

/** A table without colours (plain text in CI and pipes). */
export function table(head: string[], rows: (string | number)[][]): string {
	const t = new Table({ head, style: { head: [], border: [], compact: false } });
	for (const row of rows) t.push(row.map(String));
	return t.toString();
}

/** Two-column key/value table. */
export function keyValues(rows: [string, string][]): string {
	const t = new Table({ style: { head: [], border: [] }, wordWrap: true, colWidths: [16, 84] });
	for (const row of rows) t.push(row);
	return t.toString();
}
