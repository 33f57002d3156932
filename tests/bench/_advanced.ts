/**
 * Helpers shared by the advanced-technique benchmarks (checkpoint, sparse,
 * pool, mmap, fusion, estimate): the BENCH line and robust statistics.
 * @module
 */

/** One benchmark goal, printed as `BENCH <name> {json}`. */
export interface BenchLine {
  metric: string;
  ours: number;
  rival: number;
  ratio: number;
  goal: string;
  met: boolean;
  [extra: string]: unknown;
}

/** Prints one `BENCH <name> {…}` line. */
export function benchLine(name: string, line: BenchLine): void {
  console.log(`BENCH ${name} ${JSON.stringify(line)}`);
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Interquartile spread (q75 − q25) of a list of numbers. */
export function spread(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return q(0.75) - q(0.25);
}

/** Rounds to `digits` significant decimals for readable JSON. */
export function round(x: number, digits = 4): number {
  return Number(x.toPrecision(digits));
}

/** True when the benchmark runs at CI size. */
export const SMOKE = Deno.args.includes("--smoke");
