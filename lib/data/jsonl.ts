import { type Data, type DataType, Float64, type RecordBatch, vectorFromArray } from "apache-arrow";
import { boolData, fixedData, GrowingDictionary, makeBatch, packValidity } from "./_batch.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { openByteStream, sourceName } from "./_source.ts";
import { trackProgress } from "./_progress.ts";

/** Options for {@linkcode jsonl}. */
export interface JsonlOptions extends StageOptions {
  /**
   * Fields to read, in this order.
   * @default {the first object's keys}
   */
  columns?: string[];
  /**
   * Rows per RecordBatch.
   * @default {65536}
   */
  batchRows?: number;
  /**
   * Show progress (bytes, rate) for sources of known size; `true` or a label.
   * @default {false}
   */
  progress?: boolean | string;
}

type Kind = "number" | "bool" | "string" | "other";

function kindOf(v: unknown): Kind | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  return "other";
}

/**
 * A dataset over JSON Lines (one JSON object per line) from a file, URL or
 * byte stream, read in bounded chunks. Column types come from the first
 * batch: numbers → float64, booleans → bool, strings → dictionary (codes
 * stable for the pass), anything else → Arrow's inferred type. A later value
 * of another type throws, naming the line and field.
 *
 * @param source A path, file: or http(s) URL, or a ReadableStream of bytes.
 * @param options Columns, batchRows, progress and the signal.
 * @returns The dataset.
 * @example
 * ```ts
 * import { jsonl } from "memkit";
 * const bytes = new TextEncoder().encode('{"a":1,"b":"x"}\n{"a":2.5,"b":"y"}\n');
 * let sum = 0;
 * for await (const b of jsonl(new Blob([bytes]).stream())) {
 *   for (const v of b.getChild("a")!.toArray() as Float64Array) sum += v;
 * }
 * if (sum !== 3.5) throw new Error(`${sum}`);
 * ```
 */
export function jsonl(
  source: string | URL | ReadableStream<Uint8Array>,
  options: JsonlOptions = {},
): Dataset<RecordBatch> {
  const name = source instanceof ReadableStream ? "stream" : sourceName(source);
  const base = name.split("/").pop() ?? name;
  const where = `Cannot read JSONL "${name}"`;
  const batchRows = options.batchRows ?? 65536;
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new RangeError(`${where}: batchRows must be a positive integer, got ${batchRows}`);
  }
  let streamUsed = false;
  return new Dataset<RecordBatch>(`jsonl(${base})`, async function* (ctx) {
    if (source instanceof ReadableStream) {
      if (streamUsed) throw new TypeError(`${where}: a ReadableStream can be read only once`);
      streamUsed = true;
    }
    const stream = await openByteStream(source, "JSONL", ctx.signal);
    const chunks = stream.chunks();
    const progress = trackProgress(options.progress, `jsonl ${base}`, stream.size, "bytes");
    const decoder = new TextDecoder();
    let columns = options.columns ?? null;
    let kinds: (Kind | null)[] = [];
    let dictionaries: (GrowingDictionary | null)[] = [];
    let rows: Record<string, unknown>[] = [];
    let rowLines: number[] = [];
    let line = 0;
    let read = 0;

    const build = (): RecordBatch => {
      if (columns === null) columns = Object.keys(rows[0] ?? {});
      if (kinds.length === 0) {
        kinds = columns.map((c) => {
          for (const r of rows) {
            const k = kindOf(r[c]);
            if (k) return k;
          }
          return null;
        });
        dictionaries = kinds.map((k) => (k === "string" ? new GrowingDictionary() : null));
      }
      const n = rows.length;
      const data: Data<DataType>[] = columns.map((c, j) => {
        const kind = kinds[j];
        const valid = new Uint8Array(n);
        const check = (i: number, v: unknown) => {
          const k = kindOf(v);
          if (k === null) return false;
          if (k !== kind) {
            throw new TypeError(
              `${where}: line ${rowLines[i]} field "${c}": ${JSON.stringify(v)} is not a ${kind}`,
            );
          }
          valid[i] = 1;
          return true;
        };
        if (kind === "number") {
          const out = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const v = rows[i][c];
            if (check(i, v)) out[i] = v as number;
          }
          return fixedData(new Float64(), out, packValidity(valid, n));
        }
        if (kind === "bool") {
          // check() must see every row (it records validity) before the bitmap is packed.
          const set = new Uint8Array(n);
          for (let i = 0; i < n; i++) {
            const v = rows[i][c];
            if (check(i, v) && v) set[i] = 1;
          }
          return boolData(n, (i) => set[i], packValidity(valid, n));
        }
        if (kind === "string") {
          const codes = new Int32Array(n);
          const dict = dictionaries[j]!;
          for (let i = 0; i < n; i++) {
            const v = rows[i][c];
            if (check(i, v)) codes[i] = dict.code(v as string);
          }
          return dict.data(codes, packValidity(valid, n));
        }
        return vectorFromArray(rows.map((r) => r[c] ?? null)).data[0] as Data<DataType>;
      });
      const batch = makeBatch(columns, data, n);
      rows = [];
      rowLines = [];
      return batch;
    };

    let carry = "";
    try {
      for await (const chunk of chunks) {
        read += chunk.length;
        const text = carry + decoder.decode(chunk, { stream: true });
        const lines = text.split("\n");
        carry = lines.pop()!;
        for (const l of lines) {
          line++;
          if (l.trim() === "") continue;
          rows.push(parseLine(l, line, where));
          rowLines.push(line);
          if (rows.length === batchRows) {
            const b = build();
            ctx.hold(carry.length * 2);
            progress?.update(read);
            yield b;
          }
        }
      }
      carry += decoder.decode();
      if (carry.trim() !== "") {
        line++;
        rows.push(parseLine(carry, line, where));
        rowLines.push(line);
      }
      if (rows.length > 0) yield build();
      progress?.done();
    } finally {
      await chunks.return(undefined);
      ctx.hold(0);
    }
  }, options);
}

function parseLine(text: string, line: number, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${where}: line ${line}: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError(`${where}: line ${line} is not a JSON object`);
  }
  return v as Record<string, unknown>;
}
