/**
 * A CSV parsing worker: gets pieces of a file that start and end at row
 * boundaries (the main thread cuts them outside quotes, never inside a
 * CRLF), parses each with the same parser as the main thread (as the end of
 * the input, so a last row without a line break is kept) and sends the
 * arrays back, transferred. Line numbers are relative to the piece; the main
 * thread makes them absolute from each piece's line count, in order.
 * @module
 */
import { CsvParser, CsvRowError, type ParserSetup, type RawBatch } from "./_csv_core.ts";
import { countLines } from "./_csv_scan.ts";

/** The first message: how to parse. */
export interface WorkerSetup {
  setup: ParserSetup;
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
  /** Line breaks in the piece (to number the next piece's lines). */
  newlines: number;
  batch: RawBatch | null;
  bad: { line: number; reason: string }[];
  error: { line: number; reason: string; fatal: boolean } | null;
}

let setup: WorkerSetup | null = null;

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
  const bad: WorkerResult["bad"] = [];
  const parser = new CsvParser(
    setup.setup,
    setup.skipBadRows ? (e) => bad.push({ line: e.line, reason: e.reason }) : null,
  );
  const result: WorkerResult = {
    id,
    newlines: countLines(bytes, 0, bytes.length),
    batch: null,
    bad,
    error: null,
  };
  const transfer = new Set<ArrayBuffer>();
  try {
    parser.parse(bytes, 0, true, []);
    result.batch = parser.flush();
    for (const c of result.batch?.columns ?? []) {
      for (const a of [c.values, c.bitmap, c.data, c.offsets]) {
        if (a) transfer.add(a.buffer as ArrayBuffer);
      }
    }
  } catch (e) {
    if (!(e instanceof CsvRowError)) throw e;
    result.error = { line: e.line, reason: e.reason, fatal: e.fatal };
  }
  scope.postMessage(result, [...transfer]);
};
