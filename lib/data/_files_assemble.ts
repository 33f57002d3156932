/**
 * Per-pass assembly of the batches of `files()`: one column type per name
 * across files, `where` filtering, partition columns, and one growing string
 * dictionary per column so codes stay stable across files.
 * @module
 */
import { type Data, type DataType, Dictionary, type RecordBatch, Type } from "apache-arrow";
import { gatherRows, GrowingDictionary, makeBatch, packValidity } from "./_batch.ts";
import type { FileEntry, Plan } from "./_multi.ts";
import { partitionData, type TypedPartition } from "./_partitions.ts";
import { type WhereCondition, whereMask } from "./_where.ts";

type AnyData = Data<DataType>;

function typeKey(t: DataType): string {
  return t instanceof Dictionary ? `dictionary<${t.dictionary}>` : String(t);
}

/** A validity bitmap starting at bit 0, or undefined when all valid. */
function validityOf(d: AnyData): Uint8Array | undefined {
  if (d.nullCount === 0) return undefined;
  if (d.offset === 0) return d.nullBitmap ?? undefined;
  const valid = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) valid[i] = d.getValid(i) ? 1 : 0;
  return packValidity(valid, d.length);
}

/**
 * The assembler of one pass: for a file's batch, checks column types against
 * earlier files, keeps the rows that meet `fileWhere`, and returns the
 * columns `out` (else the file's then the partition columns), or null when
 * no row is kept.
 */
export function makeAssembler(
  plan: Plan,
  out: string[] | undefined,
  partNames: string[],
  fileWhere: WhereCondition[],
): (b: RecordBatch, f: FileEntry) => RecordBatch | null {
  const types = new Map<string, { type: string; file: string }>();
  const dictionaries = new Map<string, GrowingDictionary>();
  const remaps = new WeakMap<object, Int32Array>();
  return (b: RecordBatch, f: FileEntry): RecordBatch | null => {
    for (const field of b.schema.fields) {
      const t = typeKey(field.type);
      const seen = types.get(field.name);
      if (!seen) types.set(field.name, { type: t, file: f.name });
      else if (seen.type !== t) {
        throw new TypeError(
          `Cannot read "${f.name}": column "${field.name}" is ${t} here but ${seen.type} in "${seen.file}"`,
        );
      }
    }
    if (fileWhere.length > 0) {
      const mask = whereMask(b, fileWhere, f.name);
      let k = 0;
      for (let i = 0; i < mask.length; i++) k += mask[i];
      if (k === 0) return null;
      if (k < b.numRows) {
        const rows = new Uint32Array(k);
        for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) rows[j++] = i;
        b = gatherRows([b], new Uint32Array(k), rows);
      }
    }
    const n = b.numRows;
    const names = out ?? [...b.schema.fields.map((x) => x.name), ...partNames];
    const datas: AnyData[] = [];
    for (const name of names) {
      const p = partNames.indexOf(name);
      if (p >= 0) {
        datas.push(partitionData(plan.partitions[p] as TypedPartition, f.values[p], n));
        continue;
      }
      const at = b.schema.fields.findIndex((x) => x.name === name);
      if (at < 0) {
        throw new TypeError(
          `Cannot read "${f.name}": no column "${name}" (columns: ${
            [...b.schema.fields.map((x) => x.name), ...partNames].join(", ")
          })`,
        );
      }
      const d = b.data.children[at] as AnyData;
      if (!(d.type instanceof Dictionary) || d.type.dictionary.typeId !== Type.Utf8) {
        datas.push(d);
        continue;
      }
      // One dictionary per column for the whole pass, so codes stay stable across files.
      let global = dictionaries.get(name);
      if (!global) dictionaries.set(name, global = new GrowingDictionary());
      const dict = d.dictionary!;
      let remap = remaps.get(dict);
      if (!remap) {
        remap = new Int32Array(dict.length);
        for (let i = 0; i < dict.length; i++) remap[i] = global.code(dict.get(i) as string);
        remaps.set(dict, remap);
      }
      const local = d.values as Int32Array;
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = remap[local[i]] ?? 0;
      datas.push(global.data(codes, validityOf(d)));
    }
    return makeBatch(names, datas, n);
  };
}

/** `p`, or a rejection with the reason when `signal` aborts first. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
