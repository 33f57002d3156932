import type { RecordBatch, Table } from "apache-arrow";
import {
  type Columnar,
  columnsOf,
  dataBytes,
  htmlTable,
  isColumnar,
  textTable,
  typeName,
} from "./_arrow.ts";
import { humanBytes } from "../plot/human_bytes.ts";

/** One column of a {@linkcode MemoryReport}. */
export interface ColumnMemory {
  /** The column name. */
  column: string;
  /** Type before (or now, for a one-sided report). */
  typeBefore: string;
  /** Exact bytes before (or now, for a one-sided report). */
  bytesBefore: number;
  /** Type after a conversion; equal to before when there was none. */
  typeAfter: string;
  /** Exact bytes after a conversion; equal to before when there was none. */
  bytesAfter: number;
  /** Why the column changed or not, and measured errors of lossy choices. */
  note: string;
}

/**
 * Bytes per column before and after, like pandas' `memory_usage(deep=True)`
 * side by side, with the total saving. Prints as a table (`toString`) and
 * renders as an HTML table in Jupyter.
 */
export class MemoryReport {
  /** Number of rows. */
  readonly rows: number;
  /** One entry per column, in schema order. */
  readonly columns: ColumnMemory[];
  /** Columns whose types are not supported (left as they are), with their types. */
  readonly unsupported: { column: string; type: string }[];
  /** Warnings raised while producing the data (e.g. columns widened mid-stream). */
  readonly warnings: string[];

  /** Use {@linkcode memoryReport} or `downcast(…).report`. */
  constructor(
    rows: number,
    columns: ColumnMemory[],
    unsupported: { column: string; type: string }[] = [],
    warnings: string[] = [],
  ) {
    this.rows = rows;
    this.columns = columns;
    this.unsupported = unsupported;
    this.warnings = warnings;
  }

  /** Total bytes before. */
  get totalBefore(): number {
    return this.columns.reduce((s, c) => s + c.bytesBefore, 0);
  }

  /** Total bytes after. */
  get totalAfter(): number {
    return this.columns.reduce((s, c) => s + c.bytesAfter, 0);
  }

  /** The fraction of bytes saved, 0…1 (negative when the data grew). */
  get saving(): number {
    return this.totalBefore === 0 ? 0 : 1 - this.totalAfter / this.totalBefore;
  }

  /** The header, one row per column and the total, as strings. */
  private table(): { rows: string[][]; right: boolean[] } {
    const rows = [["column", "type before", "bytes before", "type after", "bytes after", "note"]];
    for (const c of this.columns) {
      rows.push([
        c.column,
        c.typeBefore,
        humanBytes(c.bytesBefore),
        c.typeAfter,
        humanBytes(c.bytesAfter),
        c.note,
      ]);
    }
    rows.push([
      "total",
      "",
      humanBytes(this.totalBefore),
      "",
      humanBytes(this.totalAfter),
      `${(this.saving * 100).toFixed(1)}% saved`,
    ]);
    return { rows, right: [false, false, true, false, true, false] };
  }

  /** Rows, totals, unsupported columns and warnings, one per line. */
  private caption(): string {
    const parts = [
      `${this.rows} rows: ${humanBytes(this.totalBefore)} → ${humanBytes(this.totalAfter)} (${
        (100 * this.totalAfter / Math.max(1, this.totalBefore)).toFixed(1)
      }%)`,
    ];
    if (this.unsupported.length) {
      parts.push(
        `unsupported, kept: ${this.unsupported.map((u) => `${u.column} (${u.type})`).join(", ")}`,
      );
    }
    for (const w of this.warnings) parts.push(`warning: ${w}`);
    return parts.join("\n");
  }

  /** The report as an aligned terminal table. */
  toString(): string {
    const { rows, right } = this.table();
    return `${this.caption()}\n${textTable(rows, right)}`;
  }

  /** Deno's Jupyter kernel calls this to render the report. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const { rows, right } = this.table();
    return {
      "text/plain": this.toString(),
      "text/html": htmlTable(rows, right, this.caption()),
    };
  }
}

function measure(input: Columnar): { name: string; type: string; bytes: number }[] {
  const { schema, chunks } = columnsOf(input);
  return schema.fields.map((f, i) => {
    const seen = new Set<unknown>();
    const bytes = chunks[i].reduce((s, d) => s + dataBytes(d, seen), 0);
    return { name: f.name, type: typeName(f.type), bytes };
  });
}

/**
 * Exact bytes per column of an Arrow table or batch (values, offsets,
 * validity bitmaps and dictionaries, each dictionary counted once), like
 * pandas' `memory_usage(deep=True)`; with a second table, both side by side
 * with the saving.
 *
 * @param before The table or batch to measure.
 * @param after The same columns after a conversion, to compare with.
 * @returns The report: `columns`, `totalBefore`, `totalAfter`, `saving`; prints as a table.
 * @example
 * ```ts
 * import { memoryReport } from "memkit";
 * import { tableFromArrays } from "apache-arrow";
 * const t = tableFromArrays({ x: new Float64Array(1000), y: new Int8Array(1000) });
 * const r = memoryReport(t);
 * if (r.totalBefore !== 9000) throw new Error(String(r.totalBefore));
 * ```
 */
export function memoryReport(
  before: Table | RecordBatch,
  after?: Table | RecordBatch,
): MemoryReport {
  if (!isColumnar(before) || (after !== undefined && !isColumnar(after))) {
    throw new TypeError(
      `Cannot build a memory report: expected an Arrow Table or RecordBatch, got ${
        Object.prototype.toString.call(isColumnar(before) ? after : before)
      }`,
    );
  }
  const b = measure(before);
  const a = after ? measure(after) : b;
  const columns = b.map((c) => {
    const other = a.find((x) => x.name === c.name);
    return {
      column: c.name,
      typeBefore: c.type,
      bytesBefore: c.bytes,
      typeAfter: other?.type ?? "(dropped)",
      bytesAfter: other?.bytes ?? 0,
      note: "",
    };
  });
  return new MemoryReport(before.numRows, columns);
}
