/**
 * Internals shared by `downcast` and `downcastStream`: the memory report
 * built from codecs, and the error for a value that does not fit.
 * @module
 */
import type { Data } from "apache-arrow";
import { dataBytes, typeName } from "./_arrow.ts";
import type { Codec, Misfit } from "./_codecs.ts";
import { MemoryReport } from "./memory_report.ts";

/** Builds the report from codecs and the chunks before and after. */
export function reportOf(
  codecs: Codec[],
  before: Data[][],
  after: Data[][],
  rows: number,
  warnings: string[] = [],
): MemoryReport {
  const bytes = (chunks: Data[]) => {
    const seen = new Set<unknown>();
    return chunks.reduce((s, d) => s + dataBytes(d, seen), 0);
  };
  const columns = codecs.map((c, i) => ({
    column: c.source.name,
    typeBefore: typeName(c.source.type),
    bytesBefore: bytes(before[i]),
    typeAfter: c.target(),
    bytesAfter: bytes(after[i]),
    note: c.note(),
  }));
  const unsupported = codecs.filter((c) => c.unsupported).map((c) => ({
    column: c.source.name,
    type: c.unsupported!,
  }));
  return new MemoryReport(rows, columns, unsupported, warnings);
}

/** The RangeError for a value that does not fit. */
export function misfitError(c: Codec, m: Misfit, row: number, why: string): RangeError {
  return new RangeError(
    `Cannot downcast column "${c.source.name}" to ${m.target}: value ${m.value} at row ${row} ${why}`,
  );
}
