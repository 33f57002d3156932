/**
 * Definition/repetition levels to Arrow nesting: each leaf's entries are
 * split into the instances of every node above it (rows, list elements),
 * giving List and Map offsets and validity at every level; leaves are
 * gathered from their dense values.
 * @module
 */
import { type Data, type DataType, Field, List, makeData, Map_, Struct } from "apache-arrow";
import { countNulls, type GrowingDictionary, packValidity } from "./_batch.ts";
import { ParquetCorrupt } from "./_parquet_pages.ts";
import type { LeafChunk } from "./_parquet_column.ts";
import { type SchemaNode, type Shape, shapeLeaves } from "./_parquet_schema.ts";
import { gather } from "./_parquet_arrow.ts";

type AnyData = Data<DataType>;

/** Instances of a node, per leaf: entry ranges [start, end). */
interface Ranges {
  start: Int32Array;
  end: Int32Array;
}

/** Per-leaf state for one row group. */
export interface LeafState {
  chunk: LeafChunk;
  dense: AnyData;
  /** For each entry: its value index, or −1. */
  valueIndex: Int32Array | null;
}

function valueIndexOf(s: LeafState, maxDef: number): Int32Array {
  if (s.valueIndex) return s.valueIndex;
  const { def, entries } = s.chunk;
  const out = new Int32Array(entries);
  let k = 0;
  for (let i = 0; i < entries; i++) out[i] = def === null || def[i] === maxDef ? k++ : -1;
  s.valueIndex = out;
  return out;
}

/** Top-level ranges (one per row) of a leaf. */
function rowRanges(chunk: LeafChunk, rows: number, leaf: SchemaNode): Ranges {
  const start = new Int32Array(rows);
  const end = new Int32Array(rows);
  if (chunk.rep === null) {
    for (let i = 0; i < rows; i++) {
      start[i] = i;
      end[i] = i + 1;
    }
    return { start, end };
  }
  const rep = chunk.rep;
  let r = -1;
  for (let i = 0; i < chunk.entries; i++) {
    if (rep[i] === 0) {
      if (++r >= rows) break;
      if (r > 0) end[r - 1] = i;
      start[r] = i;
    }
  }
  let found = r + 1;
  if (found > rows) {
    found = rows;
    for (let i = start[rows - 1] + 1; i < chunk.entries; i++) if (rep[i] === 0) found++;
  }
  if (found !== rows) {
    throw new ParquetCorrupt(`leaf "${leaf.path.join(".")}" holds ${found} rows, expected ${rows}`);
  }
  if (rows > 0) end[rows - 1] = chunk.entries;
  return { start, end };
}

function validity(s: LeafState, ranges: Ranges, level: number): Uint8Array | null {
  const def = s.chunk.def;
  if (def === null) return null;
  const n = ranges.start.length;
  const valid = new Uint8Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = def[ranges.start[i]] >= level ? 1 : 0;
    valid[i] = v;
    nulls += v ^ 1;
  }
  return nulls === 0 ? null : valid;
}

/**
 * Builds the Arrow column of a shape for one row group of `rows` rows from
 * its leaves' states.
 */
export function assemble(
  shape: Shape,
  leaves: Map<SchemaNode, LeafState>,
  rows: number,
): AnyData {
  const ranges = new Map<SchemaNode, Ranges>();
  for (const leaf of shapeLeaves(shape)) {
    const s = leaves.get(leaf)!;
    const found = s.chunk.rep === null ? s.chunk.entries : -1;
    if (found >= 0 && found !== rows) {
      throw new ParquetCorrupt(
        `leaf "${leaf.path.join(".")}" holds ${found} rows, expected ${rows}`,
      );
    }
    ranges.set(leaf, rowRanges(s.chunk, rows, leaf));
  }
  return build(shape, leaves, ranges);
}

function contiguous(idx: Int32Array): boolean {
  for (let i = 1; i < idx.length; i++) if (idx[i] !== idx[i - 1] + 1) return false;
  return true;
}

function build(
  shape: Shape,
  leaves: Map<SchemaNode, LeafState>,
  ranges: Map<SchemaNode, Ranges>,
): AnyData {
  const first = shapeLeaves(shape)[0];
  const firstRanges = ranges.get(first)!;
  const n = firstRanges.start.length;
  const valid = shape.nullable ? validity(leaves.get(first)!, firstRanges, shape.node.def) : null;
  const bitmap = valid ? packValidity(valid, n) : undefined;
  if (shape.kind === "leaf") {
    const s = leaves.get(shape.node)!;
    // Every entry present and an instance: the instances are the entries, in order.
    if (s.dense.length === n && n === s.chunk.entries) return s.dense;
    const vi = valueIndexOf(s, shape.node.def);
    const idx = new Int32Array(n);
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      idx[i] = vi[firstRanges.start[i]];
      if (idx[i] < 0) nulls++;
    }
    if (nulls === 0 && n > 0 && idx[n - 1] - idx[0] === n - 1 && contiguous(idx)) {
      return idx[0] === 0 && n === s.dense.length ? s.dense : s.dense.slice(idx[0], n);
    }
    if (n === 0) return s.dense.slice(0, 0);
    let v: Uint8Array | null = null;
    if (nulls > 0) {
      v = new Uint8Array(n);
      for (let i = 0; i < n; i++) v[i] = idx[i] >= 0 ? 1 : 0;
    }
    return gather(s.dense, idx, v);
  }
  if (shape.kind === "struct") {
    const children = shape.children.map((c) => build(c, leaves, ranges));
    const fields = shape.children.map((c, i) =>
      new Field(c.node.name, children[i].type, c.nullable)
    );
    return makeData({
      type: new Struct(fields),
      length: n,
      nullBitmap: bitmap,
      nullCount: countNulls(bitmap, n),
      children,
    } as never) as AnyData;
  }
  // list or map: split each instance into its elements, per leaf.
  const r = shape.repeated;
  const inner = new Map<SchemaNode, Ranges>();
  let offsets: Int32Array | null = null;
  for (const leaf of shapeLeaves(shape.element)) {
    const { chunk } = leaves.get(leaf)!;
    const rg = ranges.get(leaf)!;
    const def = chunk.def!;
    const rep = chunk.rep!;
    const offs = new Int32Array(n + 1);
    const start = new Int32Array(chunk.entries);
    const end = new Int32Array(chunk.entries);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const s = rg.start[i];
      const e = rg.end[i];
      if (def[s] >= r.def) {
        start[m++] = s;
        for (let p = s + 1; p < e; p++) {
          const rp = rep[p];
          if (rp === r.rep) {
            end[m - 1] = p;
            start[m++] = p;
          } else if (rp < r.rep) throw new ParquetCorrupt("repetition levels out of order");
        }
        end[m - 1] = e;
      }
      offs[i + 1] = m;
    }
    if (offsets === null) offsets = offs;
    else if (offs[n] !== offsets[n]) {
      throw new ParquetCorrupt(
        `the leaves of "${shape.node.path.join(".")}" disagree on its elements`,
      );
    }
    inner.set(leaf, { start: start.subarray(0, m), end: end.subarray(0, m) });
  }
  const child = build(shape.element, leaves, inner);
  const elementName = shape.element.node === r ? r.name : shape.element.node.name;
  const type = shape.kind === "map"
    ? new Map_(new Field("entries", child.type as Struct, false) as never, false)
    : new List(new Field(elementName, child.type, shape.element.nullable));
  return makeData({
    type,
    length: n,
    nullBitmap: bitmap,
    nullCount: countNulls(bitmap, n),
    valueOffsets: offsets!,
    child,
  } as never) as AnyData;
}

/** Encodes a flat text leaf into a growing dictionary (codes stable across batches). */
export function dictionaryLeaf(
  s: LeafState,
  maxDef: number,
  dict: GrowingDictionary,
): AnyData {
  const vi = valueIndexOf(s, maxDef);
  const dense = s.dense;
  const offs = dense.valueOffsets as Int32Array;
  const src = dense.values as Uint8Array;
  const text = new TextDecoder();
  const codes = new Int32Array(vi.length);
  const valueCodes = new Int32Array(dense.length);
  for (let k = 0; k < dense.length; k++) {
    valueCodes[k] = dict.code(text.decode(src.subarray(offs[k], offs[k + 1])));
  }
  let valid: Uint8Array | null = null;
  for (let i = 0; i < vi.length; i++) {
    const k = vi[i];
    if (k < 0) {
      valid ??= new Uint8Array(vi.length).fill(1);
      valid[i] = 0;
    } else codes[i] = valueCodes[k];
  }
  return dict.data(codes, valid ? packValidity(valid, vi.length) : undefined);
}
