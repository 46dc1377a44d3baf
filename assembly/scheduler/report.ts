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
/** Where record `count` goes, and where the area ends (raw: a push touches only these). */
let at: usize = records.dataStart;
let end: usize = records.dataStart + (<usize>records.length << 3);
let count: i32 = 0;

/** Empties the report. */
export function reportReset(): void {
  count = 0;
  at = records.dataStart;
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
  endNs: i64,
  signal: i32,
  seq: i64,
): void {
  if (at == end) {
    const grown = new Float64Array(records.length * 2);
    grown.set(records);
    records = grown;
    at = grown.dataStart + (<usize>count << 6);
    end = grown.dataStart + (<usize>grown.length << 3);
  }
  const p = at;
  store<f64>(p, <f64>type, 0);
  store<f64>(p, <f64>id, 8);
  store<f64>(p, <f64>kind, 16);
  store<f64>(p, <f64>stream, 24);
  store<f64>(p, <f64>start, 32);
  store<f64>(p, <f64>endNs, 40);
  store<f64>(p, <f64>signal, 48);
  store<f64>(p, <f64>seq, 56);
  at = p + 64;
  count++;
}
