import { type Data, type DataType, Float64, type RecordBatch, vectorFromArray } from "apache-arrow";
import { boolData, fixedData, GrowingDictionary, makeBatch, packValidity } from "./_batch.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { sourceName } from "./_source.ts";
import { CsvInput } from "./_csv_input.ts";
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
  /**
   * Invalid UTF-8 in a line: `"error"` names the line; `"replace"` reads the bad bytes as U+FFFD.
   * @default {"error"}
   */
  invalidUtf8?: "error" | "replace";
}

const OPTIONS: Record<string, (v: unknown) => boolean> = {
  columns: (v) => Array.isArray(v) && v.every((s) => typeof s === "string"),
  batchRows: (v) => Number.isInteger(v) && (v as number) >= 1,
  progress: (v) => typeof v === "boolean" || typeof v === "string",
  invalidUtf8: (v) => v === "error" || v === "replace",
  signal: () => true,
};

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
  for (const [k, v] of Object.entries(options)) {
    if (!(k in OPTIONS)) {
      throw new TypeError(
        `${where}: unknown option "${k}" (options: ${Object.keys(OPTIONS).join(", ")})`,
      );
    }
    if (v !== undefined && !OPTIONS[k](v)) {
      throw new TypeError(`${where}: option "${k}" has a wrong type or value: ${String(v)}`);
    }
  }
  const batchRows = options.batchRows ?? 65536;
  const decoder = new TextDecoder("utf-8", {
    fatal: (options.invalidUtf8 ?? "error") === "error",
    ignoreBOM: true,
  });
  let streamUsed = false;
  return new Dataset<RecordBatch>(`jsonl(${base})`, async function* (ctx) {
    if (source instanceof ReadableStream) {
      if (streamUsed) throw new TypeError(`${where}: a ReadableStream can be read only once`);
      streamUsed = true;
    }
    const input = await CsvInput.open(source, ctx.signal, where, "JSONL");
    const progress = trackProgress(options.progress, `jsonl ${base}`, input.size, "bytes");
    let columns = options.columns ?? null;
    let kinds: (Kind | null)[] = [];
    let dictionaries: (GrowingDictionary | null)[] = [];
    let rows: Record<string, unknown>[] = [];
    let rowLines: number[] = [];
    let line = 0;
    let known: Set<string> | null = null;
    const add = (text: string) => {
      const row = parseLine(text, line, where);
      if (known !== null) {
        for (const k in row) {
          if (!known.has(k)) {
            throw new TypeError(
              `${where}: line ${line} has the key "${k}", which the first ${batchRows} rows did not have; pass columns to read it (or to leave it out)`,
            );
          }
        }
      }
      rows.push(row);
      rowLines.push(line);
    };

    const build = (): RecordBatch => {
      if (columns === null) {
        // The schema: every key of the first batch, in first-seen order.
        const keys = new Set<string>();
        for (const r of rows) for (const k in r) keys.add(k);
        columns = [...keys];
        known = keys;
      }
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

    try {
      let scanned = 0; // bytes of buf already searched for a line break
      while (true) {
        const more = await input.pull();
        let buf = input.buf;
        let start = 0;
        for (let nl = buf.indexOf(10, scanned); nl !== -1 || !more; nl = buf.indexOf(10, start)) {
          const stop = nl === -1 ? buf.length : nl;
          if (stop === start && nl === -1) break;
          line++;
          let text: string;
          try {
            text = decoder.decode(buf.subarray(start, stop));
          } catch {
            throw new TypeError(
              `${where}: line ${line} is not valid UTF-8 (invalidUtf8: "replace" reads it with U+FFFD)`,
            );
          }
          start = stop + 1;
          if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          if (text.trim() !== "") add(text);
          if (rows.length === batchRows) {
            const b = build();
            ctx.hold(input.heldBytes);
            progress?.update(input.read);
            yield b;
            buf = input.buf;
          }
          if (nl === -1) break;
        }
        if (!more) break;
        input.consume(start);
        // Only the new bytes are searched next time: a long line costs linear time.
        scanned = input.buf.length;
      }
      if (rows.length > 0) yield build();
      progress?.done();
    } finally {
      await input.close();
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
