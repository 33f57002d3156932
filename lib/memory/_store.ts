/**
 * A bounded, columnar store of samples. When it is full it halves itself by
 * merging neighbouring pairs (keeping each series' max and min over the
 * pair), and from then on merges that many raw samples into each slot, so a
 * run of any length keeps at most `capacity` slots, evenly spaced in time.
 * @module
 */

import { CATEGORIES, type Category } from "./_categories.ts";
import type { TimelineData } from "./_data.ts";

const INITIAL = 256;

/** The fixed series every sample has: the counters, then one per breakdown category. */
export const SERIES: readonly SeriesName[] = [
  "rss",
  "heapUsed",
  "heapTotal",
  "external",
  "tfBytes",
  "tfTensors",
  "gpuInUse",
  "gpuPooled",
  "wasmHeap",
  "probes",
  ...CATEGORIES.map((c) => `rss.${c}` as const),
];

/**
 * One of the fixed series: bytes, except tfTensors (a count). `rss.<category>`
 * are the parts of RSS that `memoryBreakdown()` names; they add up to `rss`.
 */
export type SeriesName =
  | "rss"
  | "heapUsed"
  | "heapTotal"
  | "external"
  | "tfBytes"
  | "tfTensors"
  | "gpuInUse"
  | "gpuPooled"
  | "wasmHeap"
  | "probes"
  | `rss.${Category}`;

/** One raw sample: fixed series plus bytes per probe. */
export interface RawSample {
  t: number;
  values: Record<SeriesName, number>;
  probes: Record<string, number>;
}

interface Column {
  max: Float64Array;
  min: Float64Array;
}

function column(capacity: number, fill = 0): Column {
  return { max: new Float64Array(capacity).fill(fill), min: new Float64Array(capacity).fill(fill) };
}

/** Columns of slots; each slot summarises `stride` raw samples (or fewer, for the last). */
export class SampleStore {
  readonly capacity: number;
  /** Raw samples per slot; doubles each time the store thins. */
  stride = 1;
  /** Filled slots. */
  length = 0;
  /** Raw samples seen in all. */
  total = 0;
  t: Float64Array;
  cols: Record<SeriesName, Column>;
  probes = new Map<string, Column>();
  #pending = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 16 || capacity % 2 !== 0) {
      throw new RangeError(
        `timeline: options.maxSamples must be an even integer ≥ 16, got ${capacity}`,
      );
    }
    this.capacity = capacity;
    // Columns start small and double up to `capacity`: a short timeline (a cell, a
    // test, a benchmark run) then costs kilobytes, not the full bound.
    const size = Math.min(capacity, INITIAL);
    this.t = new Float64Array(size);
    this.cols = Object.fromEntries(SERIES.map((s) => [s, column(size)])) as Record<
      SeriesName,
      Column
    >;
  }

  /** Makes room for `n` slots at once (for loading saved data). */
  reserve(n: number): void {
    while (this.t.length < Math.min(n, this.capacity)) this.#grow();
  }

  #grow(): void {
    const size = Math.min(this.capacity, this.t.length * 2);
    const grow = (a: Float64Array, fill: number) => {
      const b = new Float64Array(size).fill(fill);
      b.set(a);
      return b;
    };
    this.t = grow(this.t, 0);
    for (const c of Object.values(this.cols)) {
      c.max = grow(c.max, 0);
      c.min = grow(c.min, 0);
    }
    for (const c of this.probes.values()) {
      c.max = grow(c.max, NaN);
      c.min = grow(c.min, NaN);
    }
  }

  /** Bytes held by the store's arrays. */
  get bytes(): number {
    let n = this.t.byteLength;
    for (const c of Object.values(this.cols)) n += c.max.byteLength + c.min.byteLength;
    for (const [name, c] of this.probes) n += c.max.byteLength + c.min.byteLength + name.length * 2;
    return n;
  }

  push(sample: RawSample): void {
    this.total++;
    if (this.#pending === 0) {
      if (this.length === this.capacity) this.#thin();
      else if (this.length === this.t.length) this.#grow();
      const i = this.length++;
      this.t[i] = sample.t;
      for (const s of SERIES) {
        const c = this.cols[s];
        c.max[i] = c.min[i] = sample.values[s];
      }
      for (const [name, c] of this.probes) c.max[i] = c.min[i] = sample.probes[name] ?? NaN;
      for (const name in sample.probes) {
        if (this.probes.has(name)) continue;
        // A probe registered mid-run has no values before it existed: NaN, drawn as a gap.
        const c = column(this.t.length, NaN);
        c.max[i] = c.min[i] = sample.probes[name];
        this.probes.set(name, c);
      }
    } else {
      const i = this.length - 1;
      for (const s of SERIES) merge(this.cols[s], i, sample.values[s]);
      for (const [name, c] of this.probes) merge(c, i, sample.probes[name] ?? NaN);
    }
    this.#pending = (this.#pending + 1) % this.stride;
  }

  #thin(): void {
    const half = this.length >> 1;
    for (let i = 0; i < half; i++) this.t[i] = this.t[2 * i];
    for (const c of [...Object.values(this.cols), ...this.probes.values()]) {
      for (let i = 0; i < half; i++) {
        c.max[i] = maxOf(c.max[2 * i], c.max[2 * i + 1]);
        c.min[i] = minOf(c.min[2 * i], c.min[2 * i + 1]);
      }
      c.max.fill(NaN, half);
      c.min.fill(NaN, half);
    }
    this.length = half;
    this.stride *= 2;
  }
}

/** A column's first `n` values for JSON: NaN (not read) becomes null. */
function nullable(a: Float64Array, n: number): (number | null)[] {
  return Array.from(a.subarray(0, n), (v) => (Number.isNaN(v) ? null : v));
}

/** The store's series and probes in the saved form; series never read are left out. */
export function storeData(s: SampleStore): Pick<TimelineData, "series" | "probes"> {
  const series: TimelineData["series"] = {};
  for (const k of SERIES) {
    const max = nullable(s.cols[k].max, s.length);
    if (max.every((v) => v === null)) continue;
    series[k] = { max, min: nullable(s.cols[k].min, s.length) };
  }
  const probes: TimelineData["probes"] = {};
  for (const [k, c] of s.probes) {
    probes[k] = { max: nullable(c.max, s.length), min: nullable(c.min, s.length) };
  }
  return { series, probes };
}

/** Fills an empty store from saved data (null and absent series read as NaN: not read). */
export function restoreStore(s: SampleStore, data: TimelineData): void {
  const n = data.t.length;
  if (n > s.capacity) {
    throw new RangeError(`loadTimeline: ${n} samples exceed maxSamples ${s.capacity}`);
  }
  s.reserve(n);
  s.t.set(data.t);
  const nan = (v: number | null) => v ?? NaN;
  for (const k of SERIES) {
    const col = data.series[k];
    if (!col) {
      s.cols[k].max.fill(NaN);
      s.cols[k].min.fill(NaN);
      continue;
    }
    if (col.max.length !== n || col.min.length !== n) {
      throw new TypeError(`loadTimeline: series "${k}" must have ${n} max and min values`);
    }
    s.cols[k].max.set(col.max.map(nan));
    s.cols[k].min.set(col.min.map(nan));
  }
  for (const [name, col] of Object.entries(data.probes ?? {})) {
    const c = column(s.t.length, NaN);
    c.max.set(col.max.map(nan));
    c.min.set(col.min.map(nan));
    s.probes.set(name, c);
  }
  s.length = n;
  s.stride = data.stride;
  s.total = data.total;
}

function maxOf(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : a > b ? a : b;
}

function minOf(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : a < b ? a : b;
}

function merge(c: Column, i: number, v: number): void {
  c.max[i] = maxOf(c.max[i], v);
  c.min[i] = minOf(c.min[i], v);
}
