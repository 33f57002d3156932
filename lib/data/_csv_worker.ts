/**
 * A CSV parsing worker: gets pieces of a file that start and end at row
 * boundaries (the main thread cuts them outside quotes), parses each with
 * the same parser as the main thread and sends the typed arrays back
 * (transferred, not copied). Line numbers are relative to the piece; the
 * main thread makes them absolute, in order.
 * @module
 */
import { CsvParser, CsvRowError, type CsvType } from "./_csv_core.ts";

/** The first message: how to parse. */
export interface WorkerSetup {
  delimiter: number;
  types: (CsvType | null)[];
  names: string[];
  order: number[];
  nullValues: string[];
  skipBadRows: boolean;
}

/** A piece to parse. */
export interface WorkerPiece {
  id: number;
  bytes: Uint8Array;
}

/** What comes back for a piece. */
export interface WorkerResult {
  id: number;
  rows: number;
  /** Newlines in the piece (to number the next piece's lines). */
  newlines: number;
  columns: { values: ArrayBufferView | null; valid: Uint8Array | null }[];
  bad: { line: number; reason: string }[];
  error: { line: number; reason: string } | null;
}

let setup: WorkerSetup | null = null;

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerSetup | WorkerPiece>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (event) => {
  if (setup === null) {
    setup = event.data as WorkerSetup;
    return;
  }
  const { id, bytes } = event.data as WorkerPiece;
  const newlines = countNewlines(bytes);
  const bad: { line: number; reason: string }[] = [];
  const parser = new CsvParser({
    delimiter: setup.delimiter,
    types: setup.types,
    names: setup.names,
    order: setup.order,
    batchRows: newlines + 1,
    nullValues: new Set(setup.nullValues),
    newDictionary: () => {
      throw new TypeError("dictionary columns are parsed on the main thread");
    },
  }, setup.skipBadRows ? (e) => bad.push({ line: e.line, reason: e.reason }) : null);
  const result: WorkerResult = { id, rows: 0, newlines, columns: [], bad, error: null };
  const transfer: ArrayBuffer[] = [];
  try {
    const out: ReturnType<CsvParser["flush"]>[] = [];
    parser.parse(bytes, 0, true, out as never);
    const raw = parser.flush();
    if (raw) {
      result.rows = raw.rows;
      for (const c of raw.columns) {
        result.columns.push({ values: c.values, valid: c.valid });
        if (c.values) transfer.push(c.values.buffer as ArrayBuffer);
        if (c.valid) transfer.push(c.valid.buffer as ArrayBuffer);
      }
    }
  } catch (e) {
    if (!(e instanceof CsvRowError)) throw e;
    result.error = { line: e.line, reason: e.reason };
  }
  scope.postMessage(result, [...new Set(transfer)]);
};
