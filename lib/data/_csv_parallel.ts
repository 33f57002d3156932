/**
 * Parallel CSV parsing for numeric columns: pieces of whole rows go round
 * robin to workers (at most two in flight per worker, so memory stays
 * bounded), results come back in any order and are emitted in file order,
 * re-chunked to exact batchRows. Line numbers in errors are made absolute
 * here, from each earlier piece's newline count.
 * @module
 */
import type { RecordBatch } from "apache-arrow";
import { concatBatches } from "./_batch.ts";
import { rawToBatch } from "./_csv_arrow.ts";
import type { ParserSetup, RawBatch } from "./_csv_core.ts";
import type { WorkerResult } from "./_csv_worker.ts";

let liveWorkers = 0;

/** Workers started by {@linkcode parallel} and not yet terminated, in this process (for tests). */
export function liveCsvWorkers(): number {
  return liveWorkers;
}

/** A malformed row found by a worker, with its absolute line. */
export class RowProblem {
  /** @param line Absolute line. @param reason What is wrong. @param fatal Not skippable. */
  constructor(readonly line: number, readonly reason: string, readonly fatal = false) {}
  /** `line N reason`. */
  get message(): string {
    return `line ${this.line}${this.reason.startsWith(",") ? "" : " "}${this.reason}`;
  }
}

/** Options for {@linkcode parallel}. */
export interface ParallelOptions {
  workers: number;
  setup: ParserSetup;
  skipBadRows: boolean;
  names: string[];
  batchRows: number;
  /** Line number of the first piece's first row. */
  firstLine: number;
  signal?: AbortSignal;
  hold(bytes: number): void;
}
/** Parses pieces of whole rows on workers; yields batches and row problems in file order. */
export async function* parallel(
  pieces: AsyncIterable<Uint8Array>,
  options: ParallelOptions,
): AsyncGenerator<RecordBatch | RowProblem> {
  const pool: Worker[] = [];
  const results = new Map<number, WorkerResult>();
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const onAbort = () => notify();
  options.signal?.addEventListener("abort", onAbort);
  for (let i = 0; i < options.workers; i++) {
    const w = new Worker(new URL("./_csv_worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<WorkerResult>) => {
      results.set(e.data.id, e.data);
      notify();
    };
    w.onerror = (e) => {
      e.preventDefault();
      failure = new Error(`CSV worker failed: ${e.message}`);
      notify();
    };
    w.postMessage({ setup: options.setup, skipBadRows: options.skipBadRows });
    pool.push(w);
    liveWorkers++;
  }
  let sent = 0;
  let emitted = 0;
  let inFlightBytes = 0;
  const sizes = new Map<number, number>();
  let line = options.firstLine;
  const pending: RecordBatch[] = [];
  let pendingRows = 0;
  const maxInFlight = 2 * options.workers;

  const waitFor = async (id: number): Promise<WorkerResult> => {
    while (!results.has(id)) {
      options.signal?.throwIfAborted();
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    const r = results.get(id)!;
    results.delete(id);
    inFlightBytes -= sizes.get(id) ?? 0;
    sizes.delete(id);
    return r;
  };

  // Turns one piece's result into problems and exact-size batches, in order.
  function* emit(r: WorkerResult): Generator<RecordBatch | RowProblem> {
    const base = line - 1;
    line += r.newlines;
    for (const b of r.bad) yield new RowProblem(base + b.line, b.reason);
    if (r.error) {
      yield new RowProblem(base + r.error.line, r.error.reason, r.error.fatal);
      return;
    }
    if (r.batch === null) return;
    const batch = rawToBatch(r.batch as RawBatch, options.names);
    let off = 0;
    const n = options.batchRows;
    while (off < batch.numRows) {
      if (pendingRows === 0 && batch.numRows - off >= n) {
        yield batch.slice(off, off + n);
        off += n;
        continue;
      }
      const take = Math.min(n - pendingRows, batch.numRows - off);
      pending.push(batch.slice(off, off + take));
      pendingRows += take;
      off += take;
      if (pendingRows === n) {
        pendingRows = 0;
        yield concatBatches(pending.splice(0));
      }
    }
  }

  try {
    for await (const piece of pieces) {
      options.signal?.throwIfAborted();
      const id = sent++;
      sizes.set(id, piece.length);
      inFlightBytes += piece.length;
      pool[id % pool.length].postMessage({ id, bytes: piece }, [piece.buffer as ArrayBuffer]);
      options.hold(inFlightBytes);
      while (sent - emitted >= maxInFlight || results.has(emitted)) {
        const r = await waitFor(emitted++);
        options.hold(inFlightBytes);
        for (const x of emit(r)) {
          yield x;
          if (x instanceof RowProblem && r.error) return;
        }
      }
    }
    while (emitted < sent) {
      const r = await waitFor(emitted++);
      for (const x of emit(r)) {
        yield x;
        if (x instanceof RowProblem && r.error) return;
      }
    }
    if (pendingRows > 0) yield concatBatches(pending.splice(0));
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    for (const w of pool) w.terminate();
    liveWorkers -= pool.length;
    options.hold(0);
  }
}
