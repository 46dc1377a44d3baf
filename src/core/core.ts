import { CORE_WASM_BASE64 } from './core-wasm.generated.js';

/**
 * Loading the Wasm core and reading what it leaves in memory.
 *
 * The module is compiled once per process (asynchronously: browsers refuse to compile large
 * modules synchronously on the main thread) and instantiated once per device, so that each
 * device owns its tables. The raw exports are used as they are: every export takes and
 * returns numbers (see `assembly/index.ts` for the contract).
 */

/** The raw exports of core.wasm. */
export interface CoreExports {
	memory: WebAssembly.Memory;
	[name: string]: unknown;
	results_ints_ptr(): number;
	results_floats_ptr(): number;
	input_ints(n: number): number;
	input_floats(n: number): number;

	output_create(): number;
	output_create_started(nowNs: number): number;
	output_state(h: number): number;
	output_move(h: number, to: number, nowNs: number): number;
	output_fail_any(h: number, nowNs: number): number;
	output_fail_all(nowNs: number): number;
	output_bind_work(h: number): number;
	output_work_done(h: number): number;
	output_deliver(h: number): number;
	output_take(h: number): number;
	output_delivered(h: number): number;
	output_start_ns(h: number): number;
	output_end_ns(h: number): number;
	output_owner(h: number): number;
	output_release(h: number): number;
	output_live(): number;
	output_count(state: number): number;
	output_legal(from: number, to: number): number;

	handler_create(maxPending: number): number;
	handler_destroy(h: number): number;
	handler_submit(h: number, output: number): number;
	handler_submit_many(h: number, n: number): number;
	handler_poll(h: number): number;
	handler_take_one(h: number): number;
	handler_clear_completed(h: number): number;
	handler_num_pending(h: number): number;
	handler_num_completed(h: number): number;
	handler_pending(h: number): number;
	handler_finished(h: number): number;
	handler_taken(h: number): number;
	handler_stats(h: number): number;

	barrier_create(count: number): number;
	barrier_destroy(b: number): number;
	barrier_add(b: number, output: number): number;
	barrier_arrived(b: number): number;
	barrier_first_failed(b: number): number;
	barrier_count(b: number): number;
	barrier_added(b: number): number;
	barrier_generation(b: number): number;
	barrier_reset(b: number): number;

	db_create(slots: number): number;
	db_destroy(d: number): number;
	db_current(d: number): number;
	db_next(d: number): number;
	db_transfer(d: number, output: number): number;
	db_swap(d: number): number;
	db_fence(d: number, slot: number): number;
	db_states(d: number): number;
	db_swaps(d: number): number;
	db_reset(d: number): number;

	ring_create(capacity: number, growable: number): number;
	ring_push(r: number, item: number): number;
	ring_push_many(r: number, start: number, count: number): number;
	ring_push_input(r: number, count: number): number;
	ring_shift_many(r: number, count: number): number;
	ring_shift(r: number): number;
	ring_length(r: number): number;
	ring_capacity(r: number): number;
	ring_seek(r: number, position: number): number;

	sim_stream_create(kind: number, priority: number): number;
	sim_stream_destroy(s: number): number;
	sim_stream_issued(s: number): number;
	sim_stream_completed(s: number): number;
	sim_enqueue(
		s: number,
		kind: number,
		engine: number,
		duration: number,
		occupancy: number,
		release: number,
		flags: number,
	): number;
	sim_enqueue_wait(s: number, on: number, seq: number, release: number): number;
	sim_enqueue_launch(lane: number, target: number, delay: number, release: number): number;
	sim_enqueue_wait_event(s: number, event: number, release: number): number;
	sim_enqueue_output_marker(s: number, output: number, release: number): number;
	sim_enqueue_host_work(lane: number, kind: number, duration: number, release: number): number;
	sim_enqueue_batch(n: number): number;
	sim_op_seq(op: number): number;
	sim_op_signal(op: number, output: number): number;
	sim_event_create(timing: number): number;
	sim_event_destroy(e: number): number;
	sim_event_record(e: number, s: number, release: number): number;
	sim_event_query(e: number): number;
	sim_event_recorded(e: number): number;
	sim_event_stream(e: number): number;
	sim_event_seq(e: number): number;
	sim_event_time(e: number): number;
	sim_event_elapsed(a: number, b: number): number;
	sim_waiter_fence(s: number, seq: number): number;
	sim_waiter_time(t: number): number;
	sim_waiter_remove(w: number): number;
	sim_reset(): void;
	sim_set_op_gap(ns: number): void;
	sim_stream_refill_at(s: number, at: number): number;
	sim_set_order(order: number): void;
	sim_run(mode: number, target: number): number;
	sim_now(): number;
	sim_report_ptr(): number;
	sim_report_count(): number;
	sim_engine_busy(engine: number): number;
	sim_queued_ops(): number;
	sim_completed_ops(): number;
	sim_fault(): void;
	sim_faulted(): number;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** Decodes the embedded module bytes (base64): with Node's Buffer where there is one, else atob. */
export function coreBytes(): Uint8Array {
	// Buffer decodes natively in some 0.05 ms; atob and a loop take 1-3 ms of the start-up.
	const buffer = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
	if (buffer !== undefined) return buffer.from(CORE_WASM_BASE64, 'base64');
	const text = atob(CORE_WASM_BASE64);
	const bytes = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
	return bytes;
}

/** Whether this is Node (or a runtime like it), where a small module compiles synchronously. */
const isNode =
	typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ===
	'string';

/**
 * Compiles the core once per process: synchronously in Node (some 0.6 ms faster than the
 * asynchronous compile, which hands the work to other threads and back), asynchronously in
 * browsers, which may refuse to compile on the main thread.
 */
export function compileCore(): Promise<WebAssembly.Module> {
	compiled ??= isNode
		? Promise.resolve(new WebAssembly.Module(coreBytes() as BufferSource))
		: WebAssembly.compile(coreBytes() as BufferSource);
	return compiled;
}

/** A fresh instance of the core: its own tables, its own simulated device. */
export class Core {
	readonly raw: CoreExports;
	#floats: Float64Array = new Float64Array(0);
	/** Where the f64 results start, as an f64 index (the area never moves: results.ts). */
	readonly #floatsAt: number;

	private constructor(raw: CoreExports) {
		this.raw = raw;
		this.#floatsAt = raw.results_floats_ptr() >>> 3;
	}

	/** Instantiates the core. */
	static async create(): Promise<Core> {
		const module = await compileCore();
		const imports = {
			env: {
				abort(_message: number, _file: number, line: number, column: number): never {
					throw new Error(`async-output core aborted at ${line}:${column}`);
				},
			},
		};
		const instance = isNode
			? new WebAssembly.Instance(module, imports)
			: await WebAssembly.instantiate(module, imports);
		return new Core(instance.exports as unknown as CoreExports);
	}

	/** Room for `n` i32 values in the input area, to fill before a batch call. */
	input(n: number): Int32Array {
		// The call may grow memory (detaching the old buffer): take the buffer after it.
		const ptr = this.raw.input_ints(n);
		return new Int32Array(this.raw.memory.buffer, ptr, n);
	}

	/** Room for `n` f64 values in the input area (op records for sim_enqueue_batch). */
	inputFloats(n: number): Float64Array {
		const ptr = this.raw.input_floats(n);
		return new Float64Array(this.raw.memory.buffer, ptr, n);
	}

	/** The `n` i32 values a call just left in the result area. */
	ints(n: number): Int32Array {
		return new Int32Array(this.raw.memory.buffer, this.raw.results_ints_ptr(), n);
	}

	/** The `n` f64 values a call just left in the result area. */
	floats(n: number): Float64Array {
		return new Float64Array(this.raw.memory.buffer, this.raw.results_floats_ptr(), n);
	}

	/** Where the f64 results start, as an index for float() (fixed for the instance). */
	floatsAt(): number {
		return this.#floatsAt;
	}

	/** The f64 of linear memory at `index` (from floatsAt()), read without making a view. */
	float(index: number): number {
		return this.#memory()[index] as number;
	}

	/** All of linear memory as f64 (valid until the next call that may grow memory). */
	f64(): Float64Array {
		return this.#memory();
	}

	/** The records of the last run (`Rec.LANES` f64 each), valid until the next run. */
	report(): Float64Array {
		const count = this.raw.sim_report_count();
		return this.#view(this.raw.sim_report_ptr(), count * 8);
	}

	#view(ptr: number, length: number): Float64Array {
		return this.#memory().subarray(ptr >>> 3, (ptr >>> 3) + length);
	}

	/**
	 * All of linear memory as f64, remade only when memory grew: growing detaches the old
	 * buffer, and a view of a detached buffer has length 0 (cheaper to test than reading
	 * `memory.buffer` on every call).
	 */
	#memory(): Float64Array {
		if (this.#floats.length === 0) this.#floats = new Float64Array(this.raw.memory.buffer);
		return this.#floats;
	}

	/** Bytes of linear memory the core uses now. */
	get memoryBytes(): number {
		return this.raw.memory.buffer.byteLength;
	}

	/** The value of one of the core's exported constants (a WebAssembly.Global). */
	constant(name: string): number {
		const global = this.raw[name] as WebAssembly.Global | undefined;
		if (global === undefined) throw new Error(`core has no constant ${name}`);
		return Number(global.value);
	}
}
