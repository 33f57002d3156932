/**
 * The fuzz worker process: reads one JSON job per stdin line
 * (`{"id", "format", "path"}`), reads the file with memkit and then with the
 * reference reader (DuckDB for csv, jsonl and parquet; apache-arrow's own
 * reader for arrow), and prints one JSON line per side:
 * `{"id", "side": "ours"|"ref", "ok", "rows", "error", "diff"}`; the "ref"
 * line says whether both read the same names and values (`diff` is null).
 * The parent runs it with a heap cap, watches its RSS and kills it on a
 * timeout; a line for "ours" before a hang means the reference hung.
 * @module
 */
import { tableFromIPC } from "apache-arrow";
import { arrow, csv, jsonl, parquet } from "../../mod.ts";
import type { Format } from "./_mutate.ts";

/** Canonical text of a cell, so readers with different types compare. */
export function canon(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "0" : String(v);
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) {
    return Array.from(v, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? String(x) : x));
}

/** What one side read: column names and rows of canonical cells, or the error. */
export interface Read {
  ok: boolean;
  names?: string[];
  rows?: (string | null)[][];
  error?: string;
  errorName?: string;
}

type Batch = {
  numRows: number;
  numCols: number;
  schema: { fields: { name: string; type: { typeId: number } }[] };
  getChildAt(i: number): { get(i: number): unknown } | null;
};

/** apache-arrow's `Type.Date`: `get()` gives epoch milliseconds. */
const ARROW_DATE = 8;

/**
 * Reads every batch into canonical rows. `datesAsText` spells Date columns
 * as `YYYY-MM-DD`, the way DuckDB's all-varchar CSV reference reads them.
 */
async function collect(
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  datesAsText = false,
): Promise<Read> {
  let names: string[] | undefined;
  const rows: (string | null)[][] = [];
  for await (const b of batches) {
    names ??= b.schema.fields.map((f) => f.name);
    const cols = Array.from({ length: b.numCols }, (_, j) => b.getChildAt(j)!);
    const dates = b.schema.fields.map((f) => datesAsText && f.type.typeId === ARROW_DATE);
    for (let i = 0; i < b.numRows; i++) {
      rows.push(cols.map((c, j) => {
        const v = c.get(i);
        return dates[j] && v !== null ? new Date(Number(v)).toISOString().slice(0, 10) : canon(v);
      }));
    }
  }
  return { ok: true, names: names ?? [], rows };
}

async function ours(format: Format, path: string): Promise<Read> {
  const ds = format === "csv"
    ? csv(path)
    : format === "jsonl"
    ? jsonl(path)
    : format === "arrow"
    ? arrow(path)
    : parquet(path);
  return await collect(ds as unknown as AsyncIterable<Batch>, format === "csv");
}

let duck: { run(sql: string): Promise<Read> } | null = null;

async function duckdb() {
  if (duck) return duck;
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  duck = {
    async run(sql: string): Promise<Read> {
      const reader = await connection.runAndReadAll(sql);
      const names = reader.columnNames();
      const rows = reader.getRowsJS().map((r) => r.map(canon));
      return { ok: true, names, rows };
    },
  };
  return duck;
}

const quote = (p: string) => `'${p.replaceAll("'", "''")}'`;

function csvReference(db: { run(sql: string): Promise<Read> }, path: string): Promise<Read> {
  return db.run(
    `select * from read_csv(${quote(path)}, header = true, delim = ',', quote = '"', ` +
      `escape = '"', all_varchar = true, allow_quoted_nulls = false, auto_detect = true)`,
  );
}

async function reference(format: Format, path: string): Promise<Read> {
  if (format === "arrow") {
    const table = tableFromIPC(await Deno.readFile(path));
    return await collect(table.batches as unknown as Batch[]);
  }
  const db = await duckdb();
  if (format === "csv") {
    try {
      return await csvReference(db, path);
    } catch (e) {
      // DuckDB's sniffer refuses mixed CR/LF/CRLF endings: compare with
      // DuckDB on the same bytes with every line ending made LF.
      const bytes = await Deno.readFile(path);
      if (!bytes.includes(13)) throw e;
      const lf = `${path}.lf.csv`;
      const out = new Uint8Array(bytes.length);
      let n = 0;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== 13) out[n++] = bytes[i];
        else if (bytes[i + 1] !== 10) out[n++] = 10; // CR alone → LF; CRLF → its LF
      }
      await Deno.writeFile(lf, out.subarray(0, n));
      try {
        return await csvReference(db, lf);
      } finally {
        await Deno.remove(lf);
      }
    }
  }
  if (format === "jsonl") {
    return await db.run(
      `select * from read_json(${quote(path)}, format = 'newline_delimited', records = true)`,
    );
  }
  return await db.run(`select * from read_parquet(${quote(path)})`);
}

/** Whether two canonical cells mean the same value (number formats, null vs empty, bool case). */
export function sameCell(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return (a ?? b) === "";
  if (a.trim() !== "" && b.trim() !== "") {
    const x = Number(a), y = Number(b);
    if (x === y || (Number.isNaN(x) && Number.isNaN(y) && /nan/i.test(a) && /nan/i.test(b))) {
      return true;
    }
  }
  // DuckDB's JSON reader turns "1970-01-01" into a DATE (midnight UTC).
  if (/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/.test(b) && b.startsWith(a) && a.length === 10) return true;
  if (/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/.test(a) && a.startsWith(b) && b.length === 10) return true;
  return a.toLowerCase() === b.toLowerCase() && /^(true|false)$/i.test(a);
}

/**
 * Names as DuckDB spells them: its column names are case-insensitive, so a
 * name that repeats an earlier one up to case gets `_1`, `_2`, … (JSON keys
 * `Displacement` and `DisplacemeNt` are two columns in both readers).
 */
export function duckdbNames(names?: string[]): string[] | undefined {
  if (!names) return names;
  const seen = new Set<string>();
  return names.map((name) => {
    let out = name;
    for (let k = 1; seen.has(out.toLowerCase()); k++) out = `${name}_${k}`;
    seen.add(out.toLowerCase());
    return out;
  });
}

/** The first difference between two reads (null when the same). */
export function difference(a: Read, b: Read): string | null {
  const ra = a.rows!, rb = b.rows!;
  // Without rows a reader may yield no batch, so no names to compare.
  if (ra.length === 0 && rb.length === 0) return null;
  // DuckDB cuts header names at a NUL (C strings); compare names the same way.
  const cut = (n?: string[]) => n?.map((x) => x.split("\0")[0]);
  const bNames = JSON.stringify(cut(b.names));
  if (
    JSON.stringify(cut(a.names)) !== bNames && JSON.stringify(duckdbNames(cut(a.names))) !== bNames
  ) {
    const show = (n?: string[]) => JSON.stringify(n).slice(0, 200);
    return `names ${show(a.names)} vs ${show(b.names)}`;
  }
  if (ra.length !== rb.length) return `${ra.length} rows vs ${rb.length}`;
  for (let i = 0; i < ra.length; i++) {
    for (let j = 0; j < ra[i].length; j++) {
      if (!sameCell(ra[i][j], rb[i][j])) {
        const show = (v: string | null) => JSON.stringify(v?.slice(0, 80) ?? null);
        return `row ${i} column "${a.names![j]}": ${show(ra[i][j])} vs ${show(rb[i][j])}`;
      }
    }
  }
  return null;
}

async function side(fn: () => Promise<Read>): Promise<Read> {
  try {
    return await fn();
  } catch (e) {
    const err = e as Error;
    return { ok: false, error: String(err?.message ?? e).slice(0, 2000), errorName: err?.name };
  }
}

if (import.meta.main) {
  const decoder = new TextDecoderStream();
  let buf = "";
  const out = (o: unknown) => console.log(JSON.stringify(o));
  for await (const chunk of Deno.stdin.readable.pipeThrough(decoder)) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const job = JSON.parse(line) as { id: number; format: Format; path: string };
      const a = await side(() => ours(job.format, job.path));
      const brief = (r: Read) => ({
        ok: r.ok,
        rows: r.rows?.length,
        error: r.error,
        errorName: r.errorName,
      });
      out({ id: job.id, side: "ours", ...brief(a) });
      const b = await side(() => reference(job.format, job.path));
      out({ id: job.id, side: "ref", ...brief(b), diff: a.ok && b.ok ? difference(a, b) : null });
    }
  }
}
