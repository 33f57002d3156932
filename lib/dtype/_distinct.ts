/**
 * Distinct counting for profile: exact with a Set up to a row budget, then a
 * HyperLogLog sketch (2^14 registers, about 0.8% standard error).
 * @module
 */

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const P = 14;
const M = 1 << P;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Counts distinct keys (numbers or strings), exactly until `exactLimit` keys, then approximately. */
export class DistinctCounter {
  private set: Set<number | string> | null = new Set();
  private reg: Uint8Array | null = null;

  constructor(private readonly exactLimit: number) {}

  /** True once the count is an estimate. */
  get approximate(): boolean {
    return this.set === null;
  }

  private hash(key: number | string): number {
    if (typeof key === "number") {
      f64[0] = key === 0 ? 0 : key; // -0 and 0 are one value, as in a Set
      return fmix32(u32[0] ^ fmix32(u32[1] ^ 0x9e3779b9));
    }
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return fmix32(h);
  }

  private addHll(key: number | string): void {
    const h = this.hash(key);
    const idx = h >>> (32 - P);
    const rank = Math.clz32(((h << P) | (1 << (P - 1))) >>> 0) + 1;
    if (rank > this.reg![idx]) this.reg![idx] = rank;
  }

  add(key: number | string): void {
    if (this.set !== null) {
      this.set.add(key);
      if (this.set.size > this.exactLimit) {
        this.reg = new Uint8Array(M);
        for (const k of this.set) this.addHll(k);
        this.set = null;
      }
      return;
    }
    this.addHll(key);
  }

  /** The count (an estimate when `approximate`). */
  count(): number {
    if (this.set !== null) return this.set.size;
    const reg = this.reg!;
    let sum = 0, zeros = 0;
    for (let i = 0; i < M; i++) {
      sum += 2 ** -reg[i];
      if (reg[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / M);
    const e = (alpha * M * M) / sum;
    return Math.round(e <= 2.5 * M && zeros > 0 ? M * Math.log(M / zeros) : e);
  }
}
