/**
 * csv()'s options checked up front: an unknown option or a wrong type is a
 * TypeError naming it (and the file); values out of range are RangeErrors.
 * @module
 */
import { CSV_TYPES, type CsvType } from "./_csv_column.ts";
import { CsvRowError } from "./_csv_text.ts";

/** The options as the phases use them, every default applied. */
export interface CsvPlanOptions {
  header: boolean;
  names: string[] | null;
  delimiter: number;
  columns: string[] | null;
  types: CsvType | Record<string, CsvType> | null;
  nullValues: string[];
  batchRows: number;
  batchBytes: number;
  rssHeadroom: number;
  skipBadRows: boolean | ((row: { line: number; message: string }) => void);
  sampleRows: number;
  progress: boolean | string;
  workers: number;
  invalidUtf8: "error" | "replace";
  maxLineBytes: number;
  maxColumns: number;
}

const SHAPES: Record<string, string> = {
  header: "boolean",
  names: "string[]",
  delimiter: "string",
  columns: "string[]",
  types: "type",
  nullValues: "string[]",
  batchRows: "integer",
  batchBytes: "integer",
  rssHeadroom: "integer",
  skipBadRows: "boolean|function",
  sampleRows: "integer",
  progress: "boolean|string",
  workers: "integer",
  invalidUtf8: "mode",
  maxLineBytes: "integer",
  maxColumns: "integer",
  // StageOptions, checked by Dataset.
  signal: "any",
};

function fits(shape: string, v: unknown): boolean {
  switch (shape) {
    case "boolean":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    case "string[]":
      return Array.isArray(v) && v.every((s) => typeof s === "string");
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean|function":
      return typeof v === "boolean" || typeof v === "function";
    case "boolean|string":
      return typeof v === "boolean" || typeof v === "string";
    case "mode":
      return v === "error" || v === "replace";
    case "type":
      return typeof v === "string" || (typeof v === "object" && v !== null && !Array.isArray(v));
    default:
      return true;
  }
}

/** Checks `options` and applies the defaults; `where` starts every message. */
export function csvOptions(options: Record<string, unknown>, where: string): CsvPlanOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: options must be an object`);
  }
  for (const [k, v] of Object.entries(options)) {
    const shape = SHAPES[k];
    if (shape === undefined) {
      throw new TypeError(
        `${where}: unknown option "${k}" (options: ${Object.keys(SHAPES).join(", ")})`,
      );
    }
    if (v !== undefined && !fits(shape, v)) {
      throw new TypeError(
        `${where}: option "${k}" must be ${
          shape === "mode" ? '"error" or "replace"' : `a ${shape}`
        }, got ${typeof v === "string" ? `"${v}"` : String(v)}`,
      );
    }
  }
  const o = options as Partial<Record<keyof CsvPlanOptions, unknown>>;
  const positive = (k: keyof CsvPlanOptions, d: number, min = 1): number => {
    const v = (o[k] as number | undefined) ?? d;
    if (v < min) throw new RangeError(`${where}: option "${k}" must be ≥ ${min}, got ${v}`);
    return v;
  };
  const delimiter = (o.delimiter as string | undefined) ?? ",";
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /["\r\n]/.test(delimiter)) {
    throw new RangeError(
      `${where}: option "delimiter" must be one ASCII character other than a quote or newline, got "${delimiter}"`,
    );
  }
  const types = (o.types as CsvPlanOptions["types"] | undefined) ?? null;
  for (const t of typeof types === "string" ? [types] : Object.values(types ?? {})) {
    if (!CSV_TYPES.includes(t)) {
      throw new TypeError(
        `${where}: option "types": unknown type "${t}" (expected one of ${CSV_TYPES.join(", ")})`,
      );
    }
  }
  const header = (o.header as boolean | undefined) ?? true;
  const names = (o.names as string[] | undefined) ?? null;
  if (!header && !names) throw new TypeError(`${where}: without a header, pass names`);
  return {
    header,
    names,
    delimiter: delimiter.charCodeAt(0),
    columns: (o.columns as string[] | undefined) ?? null,
    types,
    nullValues: (o.nullValues as string[] | undefined) ?? [""],
    batchRows: positive("batchRows", 65536),
    batchBytes: positive("batchBytes", 2 << 20, 1024),
    rssHeadroom: positive("rssHeadroom", 32 << 20, 0),
    skipBadRows: (o.skipBadRows as CsvPlanOptions["skipBadRows"] | undefined) ?? false,
    sampleRows: positive("sampleRows", 1000),
    progress: (o.progress as boolean | string | undefined) ?? false,
    workers: positive("workers", 0, 0),
    invalidUtf8: (o.invalidUtf8 as "error" | "replace" | undefined) ?? "error",
    maxLineBytes: positive("maxLineBytes", 64 << 20, 1024),
    maxColumns: positive("maxColumns", 16384),
  };
}

/** The user's skipBadRows callback (or a no-op), or null when bad rows throw. */
export function badRowHandler(opts: CsvPlanOptions): ((e: CsvRowError) => void) | null {
  const skip = opts.skipBadRows;
  if (skip === false) return null;
  return (e) => {
    if (typeof skip === "function") skip({ line: e.line, message: e.message });
  };
}

/** A row error restated with the file; other errors as they are. */
export function rowError(e: unknown, where: string): unknown {
  if (!(e instanceof CsvRowError)) return e;
  // A row over maxLineBytes is a limit (RangeError); anything else is bad input.
  const Kind = e.reason.includes("maxLineBytes") ? RangeError : TypeError;
  return new Kind(`${where}: ${e.message}`, { cause: e });
}
