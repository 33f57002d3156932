/** Options for {@linkcode lttb}. */
export interface LttbOptions {
  /**
   * Indices that must survive (e.g. the peak of every series): they are added
   * to the chosen set, so the result may hold a few more than `threshold`.
   * @default {[]}
   */
  keep?: ArrayLike<number>;
}

/** Numbers by index: an Array or any typed array. */
export type NumberArray = ArrayLike<number>;

/**
 * Largest-triangle-three-buckets decimation: picks about `threshold` indices
 * of a series so that its visual shape survives (Steinarsson 2013). Returns
 * indices rather than points so that several series sampled at the same
 * times can share one x axis (stacked areas need identical x).
 *
 * @param x Ascending x values (e.g. seconds).
 * @param y The values that steer the choice (e.g. RSS).
 * @param threshold The number of points wanted (≥ 3); at most `x.length`.
 * @param options Indices to keep in any case.
 * @returns Ascending, unique indices into `x`/`y`.
 * @example
 * ```ts
 * import { lttb } from "memkit";
 * const x = Float64Array.from({ length: 10_000 }, (_, i) => i);
 * const y = x.map((i) => (i === 7777 ? 100 : Math.sin(i / 100)));
 * const idx = lttb(x, y, 200);
 * if (idx.length !== 200 || !idx.includes(7777)) throw new Error("spike lost");
 * ```
 */
export function lttb(
  x: NumberArray,
  y: NumberArray,
  threshold: number,
  options: LttbOptions = {},
): Uint32Array {
  const n = Math.min(x.length, y.length);
  if (!Number.isInteger(threshold) || threshold < 3) {
    throw new RangeError(`lttb: threshold must be an integer ≥ 3, got ${threshold}`);
  }
  let chosen: Uint32Array;
  if (n <= threshold) {
    chosen = new Uint32Array(n);
    for (let i = 0; i < n; i++) chosen[i] = i;
  } else {
    chosen = new Uint32Array(threshold);
    const every = (n - 2) / (threshold - 2);
    let a = 0;
    chosen[0] = 0;
    for (let bucket = 0; bucket < threshold - 2; bucket++) {
      // The average of the next bucket is the third corner of the triangle.
      const nextStart = Math.floor((bucket + 1) * every) + 1;
      const nextEnd = Math.min(Math.floor((bucket + 2) * every) + 1, n);
      let avgX = 0;
      let avgY = 0;
      for (let j = nextStart; j < nextEnd; j++) {
        avgX += x[j];
        avgY += y[j];
      }
      const count = nextEnd - nextStart || 1;
      avgX /= count;
      avgY /= count;
      const start = Math.floor(bucket * every) + 1;
      const end = Math.floor((bucket + 1) * every) + 1;
      const ax = x[a];
      const ay = y[a];
      let best = start;
      let bestArea = -1;
      for (let j = start; j < end; j++) {
        const area = Math.abs((ax - avgX) * (y[j] - ay) - (ax - x[j]) * (avgY - ay));
        if (area > bestArea) {
          bestArea = area;
          best = j;
        }
      }
      chosen[bucket + 1] = best;
      a = best;
    }
    chosen[threshold - 1] = n - 1;
  }
  const keep = options.keep;
  if (!keep || keep.length === 0) return chosen;
  const set = new Set<number>(chosen);
  for (let i = 0; i < keep.length; i++) {
    const k = keep[i];
    if (Number.isInteger(k) && k >= 0 && k < n) set.add(k);
  }
  return Uint32Array.from(set).sort();
}
