import type { RecordBatch } from "apache-arrow";
import { CsvParser, CsvRowError, type CsvType, KIND, type RawBatch } from "./_csv_core.ts";
import { rawToBatch } from "./_csv_arrow.ts";
import { badRowHandler, csvOptions, type CsvPlanOptions, rowError } from "./_csv_options.ts";
import { CsvInput } from "./_csv_input.ts";
import { inferType, uniqueNames } from "./_csv_infer.ts";
import {
  lastRowBoundary,
  type SampledRows,
  sampleRows,
  sampleText,
  sampleWidth,
} from "./_csv_scan.ts";
import { parallel, RowProblem } from "./_csv_parallel.ts";
import { Dataset, type StageContext, type StageOptions } from "./dataset.ts";
import { files, type ManyFilesOptions } from "./files.ts";
import { splitOptions, wantsFiles } from "./_multi.ts";
import { sourceName } from "./_source.ts";
import { trackProgress } from "./_progress.ts";
import { PassGc } from "./_pass_gc.ts";

export type { CsvType };

/** A malformed row that `skipBadRows` skipped. */
export interface CsvBadRow {
  /** 1-based line where the row starts. */
  line: number;
  /** What was wrong, e.g. `line 7 has 3 fields, expected 4`. */
  message: string;
}

/**
 * Options for {@linkcode csv}; unknown options and wrong types are TypeErrors. With many
 * sources (a list, a folder, a glob, `s3://…/`), the many-file options apply too.
 */
export interface CsvOptions extends StageOptions, ManyFilesOptions {
  /**
   * Whether the first row names the columns (duplicates become `a`, `a_1`, with a warning).
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
   * inferred from the first `sampleRows` rows: numbers → float64 (int64 when
   * an integer is beyond ±2^53), true/false → bool, `YYYY-MM-DD` → date, ISO
   * timestamps → timestamp (µs; timestamptz, in UTC, when they carry an
   * offset), strings with few distinct values → dictionary, else string.
   * @default {inferred}
   */
  types?: CsvType | Record<string, CsvType>;
  /**
   * Unquoted field texts that mean null. A quoted empty field is null too,
   * except in string columns (where it is the empty string).
   * @default {[""]}
   */
  nullValues?: string[];
  /**
   * Rows per RecordBatch (at most).
   * @default {65536}
   */
  batchRows?: number;
  /**
   * A batch also ends once its columns hold this many bytes, so memory stays
   * bounded for wide rows and long strings (a 200-column float64 file gets
   * batches of 1,311 rows).
   * @default {2097152}
   */
  batchBytes?: number;
  /**
   * RSS growth in a pass before a full GC frees the batches the consumer dropped (V8 frees them
   * only when it collects, which a lean reader rarely triggers); at most 20% of the pass's time;
   * 0: never. The README's CSV section has its cost.
   * @default {33554432}
   */
  rssHeadroom?: number;
  /**
   * Skip malformed rows instead of throwing; a function also receives each one.
   * The count of the last pass is `dataset.skippedRows`. An unclosed quote is
   * never skipped: it swallows the rest of the file.
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
   * Worker threads that parse in parallel (0 or 1: this thread only). Used
   * when no column is a dictionary (codes come from one dictionary). Each
   * worker costs ~50 MB of RSS; on 2 shared cores 2 workers were slower than
   * one thread (README), so this is opt-in.
   * @default {0}
   */
  workers?: number;
  /**
   * Invalid UTF-8 in a string field: `"error"` names the line and column;
   * `"replace"` reads the bad bytes as U+FFFD.
   * @default {"error"}
   */
  invalidUtf8?: "error" | "replace";
  /**
   * The longest row (or header) in bytes; a longer one is an error (an
   * unclosed quote or a file without line breaks), so memory stays bounded.
   * @default {67108864}
   */
  maxLineBytes?: number;
  /**
   * The most columns a file may have.
   * @default {16384}
   */
  maxColumns?: number;
}

/** The dataset {@linkcode csv} returns: a RecordBatch dataset that counts skipped rows. */
export interface CsvDataset extends Dataset<RecordBatch> {
  /** Rows skipped as malformed during the latest pass (with `skipBadRows`). */
  readonly skippedRows: number;
}

/** What the header and the sample say. */
interface Head {
  /** Column names per field position (duplicates renamed). */
  names: string[];
  sample: SampledRows;
  /** The first data row in the sample (1 after a header). */
  firstRow: number;
  /** Line number of the first data row. */
  firstLine: number;
}

/** What to parse and how. */
interface Plan {
  kinds: number[];
  names: string[];
  order: number[];
  outNames: string[];
}

/**
 * A dataset over a CSV file, URL or byte stream, read in bounded chunks and
 * parsed straight from bytes into Arrow columns (RFC 4180: quoted fields
 * with delimiters, escaped quotes and newlines; LF, CRLF or CR endings;
 * strict UTF-8 with or without a BOM). Numbers are exact (bit-identical to
 * `Number.parseFloat`; int64 beyond 2^53 without rounding), low-cardinality
 * strings are dictionary-encoded with codes stable for the whole pass, and
 * every error names the file, line, column and text.
 *
 * @param source A path, file: or http(s) URL, or a ReadableStream of bytes.
 * @param options Header, delimiter, columns, types, nulls, batch size, bad rows, workers, caps.
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
  const opts = csvOptions(options as Record<string, unknown>, where);
  let skippedRows = 0;
  let streamUsed = false;
  const dataset = new Dataset<RecordBatch>(`csv(${base})`, async function* (ctx) {
    if (source instanceof ReadableStream) {
      if (streamUsed) throw new TypeError(`${where}: a ReadableStream can be read only once`);
      streamUsed = true;
    }
    skippedRows = 0;
    const input = await CsvInput.open(source, ctx.signal, where);
    try {
      const head = await readHead(input, opts, where);
      if (head === null) return;
      const plan = planColumns(head, opts, where);
      const counts = { skipped: 0 };
      const parse = opts.workers >= 2 && !plan.kinds.includes(KIND.dictionary)
        ? parseParallel
        : parseSerial;
      const progress = trackProgress(opts.progress, `csv ${base}`, input.size, "bytes");
      let rows = 0;
      const gc = new PassGc(opts.rssHeadroom);
      for await (const b of parse({ input, head, plan, opts, where, ctx, counts })) {
        skippedRows = counts.skipped;
        rows += b.numRows;
        progress?.update(input.read, `${rows} rows`);
        yield b;
        gc.handed(b.data.byteLength); // asked for more: the batches before are likely dropped
      }
      skippedRows = counts.skipped;
      progress?.done(`${rows} rows${skippedRows ? `, ${skippedRows} skipped` : ""}`);
    } finally {
      await input.close();
      ctx.hold(0);
    }
  }, options);
  Object.defineProperty(dataset, "skippedRows", { get: () => skippedRows });
  return dataset as CsvDataset;
}

/** Phase 1: the header and the sample rows (null for an empty input). */
async function readHead(
  input: CsvInput,
  opts: CsvPlanOptions,
  where: string,
): Promise<Head | null> {
  const want = opts.sampleRows + (opts.header ? 1 : 0);
  let sample: SampledRows;
  for (let first = true;; first = false) {
    const more = await input.pull();
    const b = input.buf;
    if (first && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) input.consume(3);
    try {
      sample = sampleRows(input.buf, opts.delimiter, want, !more, opts.maxColumns);
    } catch (e) {
      const message = `${where}: ${(e as Error).message}`;
      throw e instanceof RangeError ? new RangeError(message) : new TypeError(message);
    }
    if (!more || sample.count >= want || sample.problem) break;
    if (sample.count > (opts.header ? 1 : 0) && input.buf.length > (16 << 20)) break;
    if (sample.count === 0 && input.buf.length > opts.maxLineBytes) {
      throw new RangeError(
        `${where}: the first row is over ${opts.maxLineBytes} bytes (no line break; maxLineBytes)`,
      );
    }
  }
  if (sample.count === 0) {
    if (sample.problem) throw new TypeError(`${where}: ${sample.problem}`);
    return null;
  }
  let names: string[];
  let firstLine = 1;
  if (opts.header) {
    const header = Array.from(
      { length: sampleWidth(sample, 0) },
      (_, i) => sampleText(sample, 0, i),
    );
    names = opts.names ?? header;
    if (names.length !== header.length) {
      throw new TypeError(
        `${where}: names has ${names.length} entries, the header has ${header.length} columns`,
      );
    }
    // The header row's own lines (a quoted name may hold a line break).
    const h = sampleRows(input.buf, opts.delimiter, 1, input.final, opts.maxColumns);
    if (h.end > opts.maxLineBytes) {
      throw new RangeError(
        `${where}: the first row is over ${opts.maxLineBytes} bytes (no line break; maxLineBytes)`,
      );
    }
    if (sample.badUtf8 === 0) {
      throw new TypeError(`${where}: line 1 (the header) is not valid UTF-8`);
    }
    firstLine += h.lines;
    input.consume(h.end);
  } else {
    names = opts.names!;
    const width = sampleWidth(sample, 0);
    if (names.length !== width) {
      throw new TypeError(
        `${where}: names has ${names.length} entries, the file has ${width} columns`,
      );
    }
  }
  return { names: uniqueNames(names, where), sample, firstRow: opts.header ? 1 : 0, firstLine };
}

/** Phase 2: the columns to read and their types (declared or inferred from the sample). */
function planColumns(head: Head, opts: CsvPlanOptions, where: string): Plan {
  const { names, sample } = head;
  const selected = opts.columns ?? names;
  const order = selected.map((c) => {
    const i = names.indexOf(c);
    if (i < 0) throw new TypeError(`${where}: no column "${c}" (columns: ${names.join(", ")})`);
    return i;
  });
  const declared = opts.types;
  if (declared !== null && typeof declared === "object") {
    for (const c of Object.keys(declared)) {
      if (!names.includes(c)) {
        throw new TypeError(
          `${where}: option "types" names "${c}", which is not a column (columns: ${
            names.join(", ")
          })`,
        );
      }
    }
  }
  const encoder = new TextEncoder();
  const nulls = opts.nullValues.map((t) => encoder.encode(t));
  const kinds = names.map((n, i) => {
    if (!order.includes(i)) return KIND.skip;
    const t: CsvType = typeof declared === "string"
      ? declared
      : declared?.[n] ?? inferType(sample, head.firstRow, i, nulls);
    return KIND[t];
  });
  return { kinds, names, order, outNames: order.map((f) => names[f]) };
}

/** What phase 3 parses with: the input after the head, the plan, and where skipped rows are counted. */
interface ParseRun {
  input: CsvInput;
  head: Head;
  plan: Plan;
  opts: CsvPlanOptions;
  where: string;
  ctx: StageContext;
  counts: { skipped: number };
}

/** Phase 3a: parse on this thread. */
async function* parseSerial(run: ParseRun): AsyncGenerator<RecordBatch> {
  const { input, head, plan, opts, where, ctx, counts } = run;
  const parser = new CsvParser({
    delimiter: opts.delimiter,
    kinds: plan.kinds,
    names: plan.names,
    order: plan.order,
    batchRows: opts.batchRows,
    batchBytes: opts.batchBytes,
    nullValues: opts.nullValues,
    invalidUtf8: opts.invalidUtf8,
    maxLineBytes: opts.maxLineBytes,
  }, badRowHandler(opts));
  parser.line = head.firstLine;
  const out: RawBatch[] = [];
  while (true) {
    let pos: number;
    try {
      pos = parser.parse(input.buf, 0, input.final, out);
    } catch (e) {
      // The rows before a bad row still arrive (whole batches, then the part-filled one).
      for (const raw of [...out.splice(0), parser.flush()]) {
        if (raw) yield rawToBatch(raw, plan.outNames);
      }
      throw rowError(e, where);
    }
    counts.skipped = parser.skipped;
    input.consume(pos);
    ctx.hold(parser.heldBytes + input.heldBytes);
    for (const raw of out.splice(0)) yield rawToBatch(raw, plan.outNames);
    if (input.final) break;
    if (input.buf.length > opts.maxLineBytes) {
      throw new RangeError(
        `${where}: line ${parser.line} is over ${opts.maxLineBytes} bytes long (an unclosed quote? maxLineBytes)`,
      );
    }
    await input.pull();
  }
  const last = parser.flush();
  if (last) yield rawToBatch(last, plan.outNames);
}

/** Phase 3b: parse whole-row pieces on workers, batches in file order. */
async function* parseParallel(run: ParseRun): AsyncGenerator<RecordBatch> {
  const { input, head, plan, opts, where, ctx, counts } = run;
  const onBad = badRowHandler(opts);
  const pieces = async function* (): AsyncGenerator<Uint8Array> {
    while (true) {
      const cut = input.final ? input.buf.length : lastRowBoundary(input.buf, 0);
      if (cut > 0) {
        yield input.buf.slice(0, cut);
        input.consume(cut);
      }
      if (input.final) return;
      if (input.buf.length > opts.maxLineBytes) {
        throw new RangeError(
          `${where}: a row is over ${opts.maxLineBytes} bytes long (an unclosed quote? maxLineBytes)`,
        );
      }
      await input.pull();
    }
  };
  for await (
    const b of parallel(pieces(), {
      workers: opts.workers,
      setup: {
        delimiter: opts.delimiter,
        kinds: plan.kinds,
        names: plan.names,
        order: plan.order,
        batchRows: 1 << 30,
        batchBytes: 2 ** 31,
        nullValues: opts.nullValues,
        invalidUtf8: opts.invalidUtf8,
        maxLineBytes: opts.maxLineBytes,
      },
      skipBadRows: onBad !== null,
      names: plan.outNames,
      batchRows: opts.batchRows,
      firstLine: head.firstLine,
      signal: ctx.signal,
      hold: (bytes) => ctx.hold(bytes + input.heldBytes),
    })
  ) {
    if (b instanceof RowProblem) {
      if (!onBad || b.fatal) throw rowError(new CsvRowError(b.reason, b.line, b.fatal), where);
      counts.skipped++;
      onBad(new CsvRowError(b.reason, b.line));
      continue;
    }
    yield b;
  }
}
