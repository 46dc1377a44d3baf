import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreCode, STATES, State } from '../../src/core/codes.ts';
import { core } from '../helpers.ts';

const LEGAL = new Set(['0>1', '0>4', '1>2', '1>3', '1>4']);

/** Makes an output in state `s` by legal steps. */
function outputIn(raw: Awaited<ReturnType<typeof core>>['raw'], s: number): number {
	const h = raw.output_create();
	if (s === State.PENDING) return h;
	if (s === State.CANCELLED) {
		raw.output_move(h, State.CANCELLED, 1);
		return h;
	}
	raw.output_move(h, State.IN_PROGRESS, 1);
	if (s !== State.IN_PROGRESS) raw.output_move(h, s, 2);
	return h;
}

const transitions = suite('output state machine');

transitions(
	'allows exactly the five legal transitions, and nothing changes on the others',
	async () => {
		const { raw } = await core();
		let legal = 0;
		for (let from = 0; from < 5; from++) {
			for (let to = 0; to < 5; to++) {
				const h = outputIn(raw, from);
				assert.is(raw.output_state(h), from);
				const result = raw.output_move(h, to, 10);
				const expected = LEGAL.has(`${from}>${to}`);
				assert.is(raw.output_legal(from, to), expected ? 1 : 0, `${STATES[from]} -> ${STATES[to]}`);
				if (expected) {
					legal++;
					assert.is(result, 0, `${STATES[from]} -> ${STATES[to]} accepted`);
					assert.is(raw.output_state(h), to);
				} else {
					assert.is(
						result,
						-CoreCode.INVALID_TRANSITION,
						`${STATES[from]} -> ${STATES[to]} refused`,
					);
					assert.is(raw.output_state(h), from, 'state unchanged');
				}
			}
		}
		assert.is(legal, 5);
	},
);

transitions('rejects a state number outside the table', async () => {
	const { raw } = await core();
	const h = raw.output_create();
	assert.is(raw.output_move(h, 7, 0), -CoreCode.INVALID_TRANSITION);
	assert.is(raw.output_move(h, -1, 0), -CoreCode.INVALID_TRANSITION);
	assert.is(raw.output_state(h), State.PENDING);
});

transitions('records start and end times of the moves', async () => {
	const { raw } = await core();
	const h = raw.output_create();
	assert.is(raw.output_start_ns(h), -1);
	raw.output_move(h, State.IN_PROGRESS, 1000);
	raw.output_move(h, State.COMPLETED, 4500);
	assert.is(raw.output_start_ns(h), 1000);
	assert.is(raw.output_end_ns(h), 4500);
});

transitions('counts outputs per state', async () => {
	const { raw } = await core();
	const a = raw.output_create();
	raw.output_create();
	raw.output_move(a, State.IN_PROGRESS, 0);
	assert.is(raw.output_count(State.PENDING), 1);
	assert.is(raw.output_count(State.IN_PROGRESS), 1);
	raw.output_fail_any(a, 5);
	assert.is(raw.output_count(State.FAILED), 1);
	assert.is(raw.output_count(State.IN_PROGRESS), 0);
});

transitions.run();

const delivery = suite('delivered-once flag');

delivery('delivers a terminal output once and refuses the second time', async () => {
	const { raw } = await core();
	const h = outputIn(raw, State.COMPLETED);
	assert.is(raw.output_delivered(h), 0);
	assert.is(raw.output_deliver(h), 0);
	assert.is(raw.output_delivered(h), 1);
	assert.is(raw.output_deliver(h), -CoreCode.ALREADY_DELIVERED);
});

delivery('refuses to deliver an output that has not finished', async () => {
	const { raw } = await core();
	const h = outputIn(raw, State.IN_PROGRESS);
	assert.is(raw.output_deliver(h), -CoreCode.NOT_FINISHED);
	assert.is(raw.output_delivered(h), 0);
});

delivery.run();

const handles = suite('handles and generations');

handles('rejects a freed handle even after its slot is reused', async () => {
	const { raw } = await core();
	const first = raw.output_create();
	assert.is(raw.output_release(first), 0);
	const second = raw.output_create();
	assert.is(second & 0xfffff, first & 0xfffff, 'the slot is reused');
	assert.is.not(second, first, 'with a new generation');
	assert.is(raw.output_state(first), -CoreCode.STALE_HANDLE);
	assert.is(raw.output_move(first, State.IN_PROGRESS, 0), -CoreCode.STALE_HANDLE);
	assert.is(raw.output_state(second), State.PENDING);
});

handles('rejects handles that were never handed out, and 0', async () => {
	const { raw } = await core();
	raw.output_create();
	assert.is(raw.output_state(0), -CoreCode.STALE_HANDLE);
	assert.is(raw.output_state(12345), -CoreCode.STALE_HANDLE);
	assert.is(raw.output_state(-5), -CoreCode.STALE_HANDLE);
});

handles('rejects a handle of another core instance (foreign id)', async () => {
	const a = await core();
	const b = await core();
	const h = a.raw.output_create();
	a.raw.output_create();
	assert.is(b.raw.output_state(h), -CoreCode.STALE_HANDLE);
});

handles('grows past its first capacity and frees back to a flat table', async () => {
	const { raw } = await core();
	const list: number[] = [];
	for (let i = 0; i < 5000; i++) list.push(raw.output_create());
	assert.is(new Set(list).size, 5000);
	for (const h of list) raw.output_release(h);
	assert.is(raw.output_count(State.PENDING), 0);
	const bytes = raw.memory.buffer.byteLength;
	for (let round = 0; round < 20; round++) {
		const again: number[] = [];
		for (let i = 0; i < 5000; i++) again.push(raw.output_create());
		for (const h of again) raw.output_release(h);
	}
	assert.is(raw.memory.buffer.byteLength, bytes, 'no growth once slots are recycled');
});

handles.run();
