import { REC_LANES } from "./constants";

/**
 * The run report: what happened during one `sim_run` call, in the order it happened.
 *
 *   record i, REC_LANES f64 lanes at report[i * 8]:
 *   [ type | id | kind | stream handle | start ns | end ns | signal | seq ]
 *
 * type is REC_OP_END, REC_OP_START (host functions only), REC_OP_FAULT or REC_WAITER (id is
 * then the waiter's handle). The host reads the records through a Float64Array view at
 * `sim_report_ptr()` after each run; every run starts a new report. A run stops once the report
 * holds SOFT_LIMIT records, so the area stays small however long the run.
 */

export const SOFT_LIMIT: i32 = 4096;

// Room for 512 records to begin with (zeroing room for a full report took a good part of an
// instance's start-up); a run that reports more grows it, up to a full report and some
// overshoot (a step may add several records) in a few doublings.
let records = new Float64Array(512 * REC_LANES);
let count: i32 = 0;

/** Empties the report. */
export function reportReset(): void {
  count = 0;
}

/** Records written so far in this run. */
export function reportCount(): i32 {
  return count;
}

/** Whether the run should stop and let the host read. */
export function reportFull(): bool {
  return count >= SOFT_LIMIT;
}

/** The byte address of the records. */
export function reportPtr(): usize {
  return records.dataStart;
}

/** Appends a record. */
export function reportPush(
  type: i32,
  id: i32,
  kind: i32,
  stream: i32,
  start: i64,
  end: i64,
  signal: i32,
  seq: i64,
): void {
  if ((count + 1) * REC_LANES > records.length) {
    const grown = new Float64Array(records.length * 2);
    grown.set(records);
    records = grown;
  }
  const at = count * REC_LANES;
  unchecked((records[at] = <f64>type));
  unchecked((records[at + 1] = <f64>id));
  unchecked((records[at + 2] = <f64>kind));
  unchecked((records[at + 3] = <f64>stream));
  unchecked((records[at + 4] = <f64>start));
  unchecked((records[at + 5] = <f64>end));
  unchecked((records[at + 6] = <f64>signal));
  unchecked((records[at + 7] = <f64>seq));
  count++;
}
