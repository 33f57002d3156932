import type { RecordBatch } from "apache-arrow";
import {
  CsvParser,
  CsvRowError,
  type CsvType,
  inferType,
  KIND,
  type RawBatch,
  sampleRows,
} from "./_csv_core.ts";
import { rawToBatch } from "./_csv_arrow.ts";
import { lastRowBoundary, parallel, RowProblem } from "./_csv_parallel.ts";
import { GrowingDictionary } from "./_batch.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { files, type ManyFilesOptions } from "./files.ts";
import { splitOptions, wantsFiles } from "./_multi.ts";
import { openByteStream, sourceName } from "./_source.ts";
import { trackProgress } from "./_progress.ts";

export type { CsvType };

/** A malformed row that `skipBadRows` skipped. */
export interface CsvBadRow {
  /** 1-based line where the row starts. */
  line: number;
  /** What was wrong, e.g. `line 7 has 3 fields, expected 4`. */
  message: string;
}

/** Options for {@linkcode csv}. */
export interface CsvOptions extends StageOptions, ManyFilesOptions {
  /**
   * Whether the first row names the columns.
   * @default {true}
   */
  header?: boolean;
  /**
   * Column names; required without a header, else they replace the header's.
   * @default {the header}
   */
  names?: string[];
  /**
   * The field delimiter, one ASCII character.
   * @default {","}
   */
  delimiter?: string;
  /**
   * Columns to read, in this order; others are skipped without parsing.
   * @default {all columns}
   */
  columns?: string[];
  /**
   * Column types: one for every column, or per column. Undeclared columns are
   * inferred from the first `sampleRows` rows: numbers → float64, true/false
   * → bool, strings with few distinct values → dictionary, else string.
   * @default {inferred}
   */
  types?: CsvType | Record<string, CsvType>;
  /**
   * Unquoted field texts that mean null (a quoted "" is an empty string).
   * @default {[""]}
   */
  nullValues?: string[];
  /**
   * Rows per RecordBatch.
   * @default {65536}
   */
  batchRows?: number;
  /**
   * Skip malformed rows instead of throwing; a function also receives each one.
   * The count of the last pass is `dataset.skippedRows`.
   * @default {false}
   */
  skipBadRows?: boolean | ((row: CsvBadRow) => void);
  /**
   * Rows read to infer undeclared types.
   * @default {1000}
   */
  sampleRows?: number;
  /**
   * Show progress (bytes, rows, rate) for sources of known size; `true` or a label.
   * @default {false}
   */
  progress?: boolean | string;
  /**
   * Worker threads that parse in parallel (0 or 1: this thread only), used
   * when every selected column is numeric (float64, float32, int32); other
   * columns always parse here, since dictionary codes must come from one
   * dictionary. Each worker costs ~50 MB of RSS and pays off only when a
   * core is idle; `"auto"` uses 2 for files of 256 MB or more on machines
   * with 4 or more cores.
   * @default {"auto"}
   */
  workers?: number | "auto";
}

const AUTO_WORKERS_BYTES = 256 << 20;

/** The dataset {@linkcode csv} returns: a RecordBatch dataset that counts skipped rows. */
export interface CsvDataset extends Dataset<RecordBatch> {
  /** Rows skipped as malformed during the latest pass (with `skipBadRows`). */
  readonly skippedRows: number;
}

/**
 * The parser's window on the input: the unparsed tail of the previous chunk
 * followed by the next chunk, in one reused buffer, so reading allocates
 * nothing per chunk (garbage ArrayBuffers are freed lazily and inflate RSS).
 */
class Window {
  #store = new Uint8Array(0);
  /** The bytes to parse. */
  view: Uint8Array = new Uint8Array(0);

  /** Keeps `view` from `from` on and appends `chunk` after it. */
  append(chunk: Uint8Array, from = 0): void {
    const carry = this.view.length - from;
    if (this.#store.length < carry + chunk.length) {
      const bigger = new Uint8Array(Math.max(carry + chunk.length, 2 * this.#store.length));
      bigger.set(this.view.subarray(from));
      this.#store = bigger;
    } else if (this.view.buffer === this.#store.buffer) {
      const start = this.view.byteOffset + from;
      this.#store.copyWithin(0, start, start + carry);
    } else this.#store.set(this.view.subarray(from));
    this.#store.set(chunk, carry);
    this.view = this.#store.subarray(0, carry + chunk.length);
  }
}

/**
 * A dataset over a CSV file, URL or byte stream, read in bounded chunks and
 * parsed straight into typed arrays (RFC 4180: quoted fields with
 * delimiters, escaped quotes and newlines; CRLF or LF; UTF-8 with or without
 * a BOM). Low-cardinality strings are dictionary-encoded with codes stable
 * for the whole pass. Malformed rows throw an error naming the file, line
 * and field, or are skipped and counted with `skipBadRows`.
 *
 * @param source A path, file: or http(s) URL, or a ReadableStream of bytes.
 * @param options Header, delimiter, columns, types, nulls, batchRows, skipBadRows, progress.
 * @returns The dataset.
 * @example
 * ```ts
 * import { csv } from "memkit";
 * const ds = csv("node_modules/vega-datasets/data/seattle-weather.csv", {
 *   columns: ["temp_max", "weather"],
 *   batchRows: 500,
 * });
 * let rows = 0;
 * for await (const b of ds) rows += b.numRows;
 * if (rows !== 1461) throw new Error(`${rows}`);
 * ```
 */
export function csv(
  source: string | URL | ReadableStream<Uint8Array> | (string | URL)[],
  options: CsvOptions = {},
): CsvDataset {
  if (Array.isArray(source) || wantsFiles(source, options)) {
    return files(source as string | URL, splitOptions("csv", { ...options }));
  }
  const name = source instanceof ReadableStream ? "stream" : sourceName(source);
  const base = name.split("/").pop() ?? name;
  const where = `Cannot read CSV "${name}"`;
  const delimiter = options.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /["\r\n]/.test(delimiter)) {
    throw new RangeError(
      `${where}: delimiter must be one ASCII character other than a quote or newline, got "${delimiter}"`,
    );
  }
  const batchRows = options.batchRows ?? 65536;
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new RangeError(`${where}: batchRows must be a positive integer, got ${batchRows}`);
  }
  const sample = options.sampleRows ?? 1000;
  const header = options.header ?? true;
  if (!header && !options.names) {
    throw new TypeError(`${where}: without a header, pass names`);
  }
  const nullValues = new Set(options.nullValues ?? [""]);
  const skip = options.skipBadRows ?? false;
  const onBad = skip === false ? null : (e: CsvRowError) => {
    if (typeof skip === "function") skip({ line: e.line, message: e.message });
  };
  const valid = new Set(["float64", "float32", "int32", "int64", "bool", "string", "dictionary"]);
  const declared = options.types;
  for (const t of typeof declared === "string" ? [declared] : Object.values(declared ?? {})) {
    if (!valid.has(t)) {
      throw new RangeError(
        `${where}: unknown type "${t}" (expected one of ${[...valid].join(", ")})`,
      );
    }
  }
  const workersOption = options.workers ?? "auto";
  if (workersOption !== "auto" && !(Number.isInteger(workersOption) && workersOption >= 0)) {
    throw new RangeError(
      `${where}: workers must be "auto" or a whole number, got ${workersOption}`,
    );
  }
  let skippedRows = 0;
  const stream = source instanceof ReadableStream ? source : null;
  let streamUsed = false;

  const dataset = new Dataset<RecordBatch>(`csv(${base})`, async function* (ctx) {
    if (stream) {
      if (streamUsed) throw new TypeError(`${where}: a ReadableStream can be read only once`);
      streamUsed = true;
    }
    skippedRows = 0;
    // Reused read buffers are safe here: every chunk is copied into the window at once.
    const bytes = await openByteStream(source, "CSV", ctx.signal, 1 << 20, true);
    const chunks = bytes.chunks();
    const progress = trackProgress(options.progress, `csv ${base}`, bytes.size, "bytes");
    let read = 0;
    const window = new Window();
    let buf: Uint8Array = window.view;
    let final = false;
    const pull = async (): Promise<boolean> => {
      const r = await chunks.next();
      if (r.done) {
        final = true;
        return false;
      }
      read += r.value.length;
      // The window keeps what is left of buf (a subarray of it, or of a
      // view the caller trimmed) and appends the chunk.
      window.view = buf;
      window.append(r.value);
      buf = window.view;
      return true;
    };
    try {
      // Header and sample rows decide names and types.
      let got: ReturnType<typeof sampleRows>;
      while (true) {
        const more = await pull();
        got = sampleRows(buf, delimiter.charCodeAt(0), sample + 1, !more);
        if (!more || got.rows.length > sample || buf.length > (32 << 20)) break;
      }
      let start = 0;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        got = sampleRows(buf, delimiter.charCodeAt(0), sample + 1, final);
      }
      if (got.rows.length === 0) return;
      let names: string[];
      let firstLine = 1;
      if (header) {
        names = options.names ?? got.rows[0];
        const h = sampleRows(buf, delimiter.charCodeAt(0), 1, final);
        start = h.end;
        firstLine = 2;
        got.rows.shift();
      } else names = options.names!;
      const width = header ? names.length : Math.max(names.length, got.rows[0]?.length ?? 0);
      if (names.length !== width) {
        throw new TypeError(
          `${where}: names has ${names.length} entries, the file has ${width} columns`,
        );
      }
      const selected = options.columns ?? names;
      const order = selected.map((c) => {
        const i = names.indexOf(c);
        if (i < 0) throw new TypeError(`${where}: no column "${c}" (columns: ${names.join(", ")})`);
        return i;
      });
      const types = names.map((n, i) => {
        if (!order.includes(i)) return null;
        if (typeof declared === "string") return declared;
        if (declared?.[n]) return declared[n];
        return inferType(got.rows.map((r) => r[i] ?? ""), nullValues);
      });
      const outNames = order.map((f) => names[f]);
      const numericOnly = types.every((t) =>
        t === null || t === "float64" || t === "float32" || t === "int32"
      );
      const cores = navigator.hardwareConcurrency ?? 1;
      const nWorkers = !numericOnly
        ? 0
        : workersOption === "auto"
        ? (bytes.size !== undefined && bytes.size >= AUTO_WORKERS_BYTES && cores >= 4 ? 2 : 0)
        : workersOption;
      if (nWorkers >= 2) {
        const counts = { rows: 0 };
        // Pieces of whole rows: cut after the last newline outside quotes.
        const pieces = async function* (): AsyncGenerator<Uint8Array> {
          let pos = start;
          while (true) {
            const cut = final ? buf.length : lastRowBoundary(buf, pos);
            if (cut > pos) {
              yield buf.slice(pos, cut);
              pos = cut;
            }
            if (final) return;
            buf = buf.subarray(pos);
            pos = 0;
            if (buf.length > (64 << 20)) {
              throw new RangeError(`${where}: a row is over 64 MiB long (an unclosed quote?)`);
            }
            await pull();
          }
        };
        for await (
          const b of parallel(pieces(), {
            workers: nWorkers,
            setup: {
              delimiter: delimiter.charCodeAt(0),
              types,
              names,
              order,
              nullValues: [...nullValues],
              skipBadRows: onBad !== null,
            },
            kinds: order.map((f) => KIND[types[f]!]),
            names: outNames,
            batchRows,
            firstLine,
            signal: ctx.signal,
            hold: (bytes) => ctx.hold(bytes + buf.length),
          })
        ) {
          if (b instanceof RowProblem) {
            if (!onBad) throw new TypeError(`${where}: ${b.message}`);
            onBad(new CsvRowError(b.reason, b.line));
            skippedRows++;
            continue;
          }
          counts.rows += b.numRows;
          progress?.update(read, `${counts.rows} rows`);
          yield b;
        }
        progress?.done(`${counts.rows} rows${skippedRows ? `, ${skippedRows} skipped` : ""}`);
        return;
      }
      const parser = new CsvParser(
        {
          delimiter: delimiter.charCodeAt(0),
          types,
          names,
          order,
          batchRows,
          nullValues,
          newDictionary: () => new GrowingDictionary(),
        },
        onBad,
      );
      parser.line = firstLine;
      const out: RawBatch[] = [];
      let pos = start;
      while (true) {
        try {
          pos = parser.parse(buf, pos, final, out);
        } catch (e) {
          if (e instanceof CsvRowError) throw new TypeError(`${where}: ${e.message}`, { cause: e });
          throw e;
        }
        skippedRows = parser.skipped;
        ctx.hold(parser.heldBytes + buf.length);
        for (const raw of out.splice(0)) {
          progress?.update(read, `${parser.rows} rows`);
          yield rawToBatch(raw, outNames);
        }
        if (final) break;
        buf = buf.subarray(pos);
        pos = 0;
        if (buf.length > (64 << 20)) {
          throw new RangeError(
            `${where}: line ${parser.line} is over 64 MiB long (an unclosed quote?)`,
          );
        }
        await pull();
      }
      const last = parser.flush();
      if (last) yield rawToBatch(last, outNames);
      progress?.done(`${parser.rows} rows${parser.skipped ? `, ${parser.skipped} skipped` : ""}`);
    } finally {
      await chunks.return(undefined);
      ctx.hold(0);
    }
  }, options);
  Object.defineProperty(dataset, "skippedRows", { get: () => skippedRows });
  return dataset as CsvDataset;
}
