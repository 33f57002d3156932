import { Data, RecordBatch, Table } from "apache-arrow";
import { columnsOf, isColumnar, makeBatch } from "./_arrow.ts";
import { codecsFor, type DowncastTarget, engineOptions, Misfit } from "./_codecs.ts";
import type { MemoryReport } from "./memory_report.ts";
import { misfitError, reportOf } from "./_report.ts";

export type { DowncastTarget } from "./_codecs.ts";

/** Options for {@linkcode downcast} (and {@linkcode downcastStream}). */
export interface DowncastOptions {
  /**
   * Only these columns are considered; the others are kept as they are.
   * @default {all columns}
   */
  columns?: string[];
  /**
   * Asks for a type per column: an integer type, "float32", "float16" (lossy,
   * error reported), "dictionary" or "keep". A requested type that cannot hold
   * a value exactly throws a RangeError naming the column and the value
   * (float16 is the exception: its rounding is what was asked for; its
   * overflow still throws).
   * @default {{}}
   */
  types?: Record<string, DowncastTarget>;
  /**
   * Largest absolute change allowed when float64 becomes float32 (0 = only
   * when every value round-trips exactly).
   * @default {0}
   */
  tolerance?: number;
  /**
   * Use unsigned integer types for columns with no negative values.
   * @default {true}
   */
  unsigned?: boolean;
  /**
   * A string column becomes a dictionary when its distinct values are at most
   * this fraction of its rows and the dictionary is smaller.
   * @default {0.5}
   */
  categoryRatio?: number;
  /**
   * Store timestamps as 8/16/32-bit counts of a step from an epoch (both in
   * the field's metadata; `restoreTimestamps` turns them back).
   * @default {true}
   */
  timestamps?: boolean;
  /**
   * Dictionary-encode low-cardinality strings.
   * @default {true}
   */
  dictionaries?: boolean;
}

/** What {@linkcode downcast} returns for a table. */
export interface DowncastTable {
  /** The downcast table; columns that could not shrink are the original data (zero-copy). */
  table: Table;
  /** Bytes per column before and after, notes, unsupported columns. */
  report: MemoryReport;
}

/** What {@linkcode downcast} returns for a record batch. */
export interface DowncastBatch {
  /** The downcast batch. */
  batch: RecordBatch;
  /** Bytes per column before and after, notes, unsupported columns. */
  report: MemoryReport;
}

/**
 * Converts each column of an Arrow table or batch to the smallest type that
 * holds its values exactly: integral int64/int32/float64 to int8/16/32 or
 * uint; float64 to float32 when every value round-trips (or is within
 * `tolerance`); float16 only when asked; low-cardinality strings to a
 * dictionary with the smallest index type; timestamps to 32-bit (or smaller)
 * counts of the largest exact step from an epoch stored in field metadata.
 * Unsupported types are kept and named in the report. Nothing is ever
 * silently truncated: a requested type that cannot hold a value throws a
 * RangeError naming the column and the value.
 *
 * @param input An Arrow Table or RecordBatch.
 * @param options Columns, requested types, tolerance; see {@linkcode DowncastOptions}.
 * @returns `{ table, report }` for a table, `{ batch, report }` for a batch.
 * @example
 * ```ts
 * import { downcast } from "memkit";
 * import { tableFromArrays } from "apache-arrow";
 * const t = tableFromArrays({ n: new Float64Array([1, 2, 300]), s: ["a", "b", "a"] });
 * const { table, report } = downcast(t);
 * if (String(table.schema.fields[0].type) !== "Uint16") throw new Error("n");
 * if (table.getChild("n")!.get(2) !== 300) throw new Error("value");
 * if (report.totalAfter >= report.totalBefore) throw new Error(report.toString());
 * ```
 */
export function downcast(input: Table, options?: DowncastOptions): DowncastTable;
/** Downcasts a record batch: see the table overload. */
export function downcast(input: RecordBatch, options?: DowncastOptions): DowncastBatch;
export function downcast(
  input: Table | RecordBatch,
  options: DowncastOptions = {},
): DowncastTable | DowncastBatch {
  if (!isColumnar(input)) {
    throw new TypeError(
      `Cannot downcast: expected an Arrow Table or RecordBatch, got ${
        Object.prototype.toString.call(input)
      }`,
    );
  }
  const o = engineOptions(options);
  const { schema, chunks } = columnsOf(input);
  const codecs = codecsFor(schema, o, options.columns);
  const out: Data[][] = codecs.map((c, i) => {
    for (const d of chunks[i]) c.observe(d);
    c.decide();
    let start = 0;
    return chunks[i].map((d) => {
      try {
        return c.apply(d);
      } catch (e) {
        if (e instanceof Misfit) {
          throw misfitError(c, e, start + e.row, "does not fit (asked by options.types)");
        }
        throw e;
      } finally {
        start += d.length;
      }
    });
  });
  const fields = codecs.map((c) => c.field());
  const batches = chunks.length === 0 || chunks[0].length === 0
    ? []
    : chunks[0].map((_, b) =>
      makeBatch(fields, out.map((col) => col[b]), undefined, schema.metadata)
    );
  const report = reportOf(codecs, chunks, out, input.numRows);
  if (input instanceof RecordBatch) return { batch: batches[0], report };
  return { table: batches.length ? new Table(batches) : new Table(schema), report };
}
