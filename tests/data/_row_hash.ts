/**
 * A 52-bit hash per row of a RecordBatch, over every column's value as text:
 * equal multisets of row hashes mean the same rows, each as often.
 * @module
 */
import type { RecordBatch } from "apache-arrow";

/** Appends one hash per row of `b` to `out` (no spread: batches can be large). */
export function addRowHashes(out: number[], b: RecordBatch): void {
  for (const h of rowHashes(b)) out.push(h);
}

/** One hash per row (FNV-1a over the row's values, 52 bits, exact in a double). */
export function rowHashes(b: RecordBatch): number[] {
  const cols = b.schema.fields.map((f) => b.getChild(f.name)!);
  const out = new Array<number>(b.numRows);
  for (let i = 0; i < b.numRows; i++) {
    let h1 = 0x811c9dc5, h2 = 0x01000193;
    for (const c of cols) {
      const s = String(c.get(i)) + "\u0001";
      for (let k = 0; k < s.length; k++) {
        const x = s.charCodeAt(k);
        h1 = Math.imul(h1 ^ x, 0x01000193) >>> 0;
        h2 = Math.imul(h2 ^ x, 0x5bd1e995) >>> 0;
      }
    }
    out[i] = (h1 * 2 ** 20) + (h2 >>> 12);
  }
  return out;
}
