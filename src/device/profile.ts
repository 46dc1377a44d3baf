import { InvalidArgumentError } from '../errors.js';
import { expectNumber, expectOptions, invalid } from '../validate.js';

/**
 * Device profiles: the numbers the simulated device runs on, each with where it comes from.
 *
 * Bandwidths are in GB/s with GB = 1e9 bytes (as CUPTI and nvbandwidth report them); times are
 * in nanoseconds. A copy takes `copyLatencyNs + bytes / bandwidth`. Each API call costs the
 * host a fixed time; a host wait ends at the completion it waited for plus a wake-up latency.
 */
export interface DeviceProfile {
	/** Short id: 'h200', 'h100-sxm', 'h100-pcie', 'a100', 'rtx4090', or a user's own. */
	readonly id: string;
	/** The GPU, as drivers name it. */
	readonly gpu: string;
	/** Substrings of `deviceProperties[].name` in profiler traces that this profile matches. */
	readonly matches: readonly string[];
	readonly h2dPinnedGBps: number;
	readonly d2hPinnedGBps: number;
	readonly h2dPageableGBps: number;
	readonly d2hPageableGBps: number;
	readonly copyLatencyNs: number;
	/** Pageable copies are staged through a pinned buffer in chunks of this many bytes. */
	readonly pageableChunkBytes: number;
	/** Device memory bandwidth (memsets). */
	readonly memoryGBps: number;
	/** Host time of a launch call (kernel, copy, memset, host function). */
	readonly launchNs: number;
	/** From a kernel launch call's return to the kernel's start on an idle stream. */
	readonly submitNs: number;
	/** The same for copies and memsets. */
	readonly copySubmitNs: number;
	/** The least time between two operations of one stream when the second was queued. */
	readonly opGapNs: number;
	/** Host time of an event record, a stream wait, a query. */
	readonly lightCallNs: number;
	/** From a host function's turn in the stream to its return (driver thread hand-off). */
	readonly hostFuncNs: number;
	/** From a completion to the return of a blocking (sleeping) host wait. */
	readonly wakeBlockingNs: number;
	/** From a completion to the return of a spinning host wait. */
	readonly wakeSpinNs: number;
	/** Where each figure comes from, by field name. */
	readonly sources: Readonly<Record<string, string>>;
}

const NVB24 =
	'nvbandwidth issue #24 (H100 cluster): device_to_host_memcpy_sm 52.77 GB/s, host_to_device_memcpy_sm 35.2 GB/s, https://github.com/NVIDIA/nvbandwidth/issues/24';
const NVB42 =
	'nvbandwidth issue #42 (A100-SXM4-40GB): host_to_device_memcpy_sm 25.13 GB/s at 512 MiB, https://github.com/NVIDIA/nvbandwidth/issues/42';
const NVB53 =
	'nvbandwidth issue #53 (8x A100, PCIe 4.0): D2H about 25 GB/s, https://github.com/NVIDIA/nvbandwidth/issues/53';
const NVB15 =
	'nvbandwidth issue #15 (RTX 4090): host_to_device_memcpy_ce 26.3 GB/s, device_to_host_memcpy_ce 27.1 GB/s (best of 8), https://github.com/NVIDIA/nvbandwidth/issues/15';
const ALEXNET =
	'measured in shared/traces/hta_alexnet_a100.json: the three largest pageable HtoD copies (16-151 MB) ran at 4.33-4.45 GB/s; median cudaLaunchKernel 9 us (79 calls); median cudaEventRecord 2 us';
const BERT =
	'measured in shared/traces/tracelens_h100_bert_small.json: median cudaLaunchKernel 4.47 us (34 calls); a 1-byte pinned DtoH copy took 2.24 us';
const SUBMIT_A100 =
	'measured in the three hta_* A100 traces of shared/traces: median start of a kernel on an idle stream 1 us after its launch call returns (31 kernels), of a copy or memset 4-5 us after (22 ops)';
const SUBMIT_H100 =
	'measured in shared/traces/tracelens_h100_bert_small.json: kernels start a median 1.67 us after their launch call returns (60 kernels, range 0.93-2.13 us); the one copy 1.68 us';
const GAP =
	'measured in shared/traces/hta_alexnet_a100.json: 56 ops queued behind the previous op of their stream started a median 1 us (p10 1, p90 2) after it ended';
const PAGEABLE_RATIO =
	'assumption: pageable at the pinned rate times 4.34/25.13 (the pageable-to-pinned ratio measured on A100, see a100), as no public pageable figure was found for this GPU';
const WAKE =
	'CUDA.jl PR #896: a small op plus synchronize() took 7.1 us blocking vs 4.7 us spinning (https://github.com/JuliaGPU/CUDA.jl/pull/896); a condition-variable wake-up measured 3.7 us one-way in scitix/InstantTensor #18';
const HOST_FUNC =
	'assumption: one hand-off to the driver thread and back, taken as two wake-ups (no public figure found)';

function pageable(pinned: number): number {
	return Math.round(((pinned * 4.34) / 25.13) * 100) / 100;
}

const DATASHEET = 'NVIDIA datasheet peak memory bandwidth';
const CHUNK =
	'assumption: 1 MiB, fitted to shared/traces/hta_alexnet_a100.json, where every pageable HtoD copy of 1.2 MB or more starts its DMA 253-264 us after its cudaMemcpyAsync begins (1 MiB at 4.34 GB/s is 242 us, plus the 9 us launch)';
const PAGEABLE_CHUNK = 1 << 20;

const H100_LINK = {
	memoryGBps: 3350,
	pageableChunkBytes: PAGEABLE_CHUNK,
	h2dPinnedGBps: 35.2,
	d2hPinnedGBps: 52.77,
	h2dPageableGBps: pageable(35.2),
	d2hPageableGBps: pageable(52.77),
	copyLatencyNs: 2240,
	launchNs: 4470,
	submitNs: 1670,
	copySubmitNs: 1680,
	opGapNs: 1000,
	lightCallNs: 2000,
	hostFuncNs: 7000,
	wakeBlockingNs: 3500,
	wakeSpinNs: 1000,
};

const H100_SOURCES = {
	pageableChunkBytes: CHUNK,
	memoryGBps: `${DATASHEET} (H100 SXM 3.35 TB/s)`,
	h2dPinnedGBps: NVB24,
	d2hPinnedGBps: NVB24,
	h2dPageableGBps: PAGEABLE_RATIO,
	d2hPageableGBps: PAGEABLE_RATIO,
	copyLatencyNs: BERT,
	launchNs: BERT,
	submitNs: SUBMIT_H100,
	copySubmitNs: SUBMIT_H100,
	opGapNs: `assumption: as A100 (${GAP})`,
	lightCallNs: ALEXNET,
	hostFuncNs: HOST_FUNC,
	wakeBlockingNs: WAKE,
	wakeSpinNs: WAKE,
};

/** The built-in profiles. The H200 default shares the H100's PCIe Gen5 x16 host link. */
export const PROFILES: Readonly<Record<string, DeviceProfile>> = {
	h200: {
		id: 'h200',
		gpu: 'NVIDIA H200',
		matches: ['H200'],
		...H100_LINK,
		memoryGBps: 4800,
		sources: {
			...H100_SOURCES,
			memoryGBps: `${DATASHEET} (H200 4.8 TB/s)`,
			note: 'H200 SXM has the same PCIe Gen5 x16 host interface as H100 SXM, so the H100 link figures are used',
		},
	},
	'h100-sxm': {
		id: 'h100-sxm',
		gpu: 'NVIDIA H100 80GB HBM3',
		matches: ['H100 80GB HBM3', 'H100 SXM', 'H800'],
		...H100_LINK,
		sources: H100_SOURCES,
	},
	'h100-pcie': {
		id: 'h100-pcie',
		gpu: 'NVIDIA H100 PCIe',
		matches: ['H100 PCIe', 'H100'],
		...H100_LINK,
		memoryGBps: 2000,
		sources: {
			...H100_SOURCES,
			memoryGBps: `${DATASHEET} (H100 PCIe 2 TB/s)`,
			note: 'H100 PCIe has a PCIe Gen5 x16 host link like H100 SXM, so the same figures are used',
		},
	},
	a100: {
		id: 'a100',
		gpu: 'NVIDIA A100',
		matches: ['A100'],
		memoryGBps: 1555,
		pageableChunkBytes: PAGEABLE_CHUNK,
		h2dPinnedGBps: 25.13,
		d2hPinnedGBps: 25,
		h2dPageableGBps: 4.34,
		d2hPageableGBps: pageable(25),
		copyLatencyNs: 2000,
		launchNs: 9000,
		submitNs: 1000,
		copySubmitNs: 4500,
		opGapNs: 1000,
		lightCallNs: 2000,
		hostFuncNs: 7000,
		wakeBlockingNs: 3500,
		wakeSpinNs: 1000,
		sources: {
			memoryGBps: `${DATASHEET} (A100 40GB 1.555 TB/s)`,
			pageableChunkBytes: CHUNK,
			h2dPinnedGBps: NVB42,
			d2hPinnedGBps: NVB53,
			h2dPageableGBps: ALEXNET,
			d2hPageableGBps: PAGEABLE_RATIO,
			copyLatencyNs:
				'measured in shared/traces/hta_cuda_event_sync.json: a 1-byte pageable DtoH copy on A100 took 2 us',
			launchNs: ALEXNET,
			submitNs: SUBMIT_A100,
			copySubmitNs: SUBMIT_A100,
			opGapNs: GAP,
			lightCallNs: ALEXNET,
			hostFuncNs: HOST_FUNC,
			wakeBlockingNs: WAKE,
			wakeSpinNs: WAKE,
		},
	},
	rtx4090: {
		id: 'rtx4090',
		gpu: 'NVIDIA GeForce RTX 4090',
		matches: ['RTX 4090'],
		memoryGBps: 1008,
		pageableChunkBytes: PAGEABLE_CHUNK,
		h2dPinnedGBps: 26.3,
		d2hPinnedGBps: 27.1,
		h2dPageableGBps: pageable(26.3),
		d2hPageableGBps: pageable(27.1),
		copyLatencyNs: 2000,
		launchNs: 4470,
		submitNs: 1670,
		copySubmitNs: 1680,
		opGapNs: 1000,
		lightCallNs: 2000,
		hostFuncNs: 7000,
		wakeBlockingNs: 3500,
		wakeSpinNs: 1000,
		sources: {
			memoryGBps: `${DATASHEET} (RTX 4090 1.008 TB/s)`,
			pageableChunkBytes: CHUNK,
			h2dPinnedGBps: NVB15,
			d2hPinnedGBps: NVB15,
			h2dPageableGBps: PAGEABLE_RATIO,
			d2hPageableGBps: PAGEABLE_RATIO,
			copyLatencyNs: 'assumption: as A100 (2 us)',
			launchNs: 'assumption: as H100 (4.47 us)',
			submitNs: 'assumption: as H100',
			copySubmitNs: 'assumption: as H100',
			opGapNs: `assumption: as A100 (${GAP})`,
			lightCallNs: ALEXNET,
			hostFuncNs: HOST_FUNC,
			wakeBlockingNs: WAKE,
			wakeSpinNs: WAKE,
		},
	},
};

/** The default profile of the simulated device. */
export const DEFAULT_PROFILE = PROFILES.h200 as DeviceProfile;

const NUMERIC_FIELDS = [
	'h2dPinnedGBps',
	'd2hPinnedGBps',
	'h2dPageableGBps',
	'd2hPageableGBps',
	'copyLatencyNs',
	'memoryGBps',
	'pageableChunkBytes',
	'launchNs',
	'submitNs',
	'copySubmitNs',
	'opGapNs',
	'lightCallNs',
	'hostFuncNs',
	'wakeBlockingNs',
	'wakeSpinNs',
] as const;

/**
 * Resolves a profile: an id of a built-in one, or an object that overrides fields of a base
 * (`{ base: 'a100', launchNs: 5000 }`). Bandwidths must be > 0, times >= 0.
 */
export function resolveProfile(
	spec: string | (Partial<DeviceProfile> & { base?: string }) | undefined,
): DeviceProfile {
	if (spec === undefined) return DEFAULT_PROFILE;
	if (typeof spec === 'string') {
		const found = PROFILES[spec];
		if (found === undefined) {
			throw invalid(`a profile id (${Object.keys(PROFILES).join(', ')})`, 'profile', spec);
		}
		return found;
	}
	const options = expectOptions('profile', spec);
	const base = resolveProfile(options.base ?? 'h200');
	const merged = { ...base, ...options, sources: { ...base.sources, ...(options.sources ?? {}) } };
	for (const field of NUMERIC_FIELDS) {
		const value = expectNumber(`profile.${field}`, merged[field], 0);
		if (field.endsWith('GBps') && value === 0) {
			throw new InvalidArgumentError(
				`Expected a bandwidth > 0 for profile.${field}, got 0 (number)`,
			);
		}
	}
	return { ...merged, id: options.id ?? `${base.id}-custom` };
}

/** The built-in profile whose `matches` names a GPU, or undefined. */
export function profileForGpu(name: string): DeviceProfile | undefined {
	for (const profile of Object.values(PROFILES)) {
		if (profile.matches.some((m) => name.includes(m))) return profile;
	}
	return undefined;
}

/** Nanoseconds for a copy of `bytes` at `gbps`, with the profile's latency. */
export function copyNs(profile: DeviceProfile, bytes: number, gbps: number): number {
	return Math.round(profile.copyLatencyNs + bytes / gbps);
}
