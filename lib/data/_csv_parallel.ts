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
import type { RawBatch } from "./_csv_core.ts";
import type { WorkerResult, WorkerSetup } from "./_csv_worker.ts";

const QUOTE = 34;
const LF = 10;

let liveWorkers = 0;

/** Workers started by {@linkcode parallel} and not yet terminated, in this process (for tests). */
export function liveCsvWorkers(): number {
  return liveWorkers;
}

/** A malformed row found by a worker, with its absolute line. */
export class RowProblem {
  /** @param line Absolute line. @param reason What is wrong. */
  constructor(readonly line: number, readonly reason: string) {}
  /** `line N reason`. */
  get message(): string {
    return `line ${this.line} ${this.reason}`;
  }
}

/**
 * The offset just after the last newline in `buf` (from `from`, a row start)
 * that is outside quotes, or -1. Without any quote byte this is one native
 * lastIndexOf; with quotes, parity is tracked from the row start (an escaped
 * quote toggles twice).
 */
export function lastRowBoundary(buf: Uint8Array, from: number): number {
  if (buf.indexOf(QUOTE, from) === -1) {
    const i = buf.lastIndexOf(LF);
    return i >= from ? i + 1 : -1;
  }
  let quoted = false;
  let last = -1;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === LF && !quoted) last = i;
  }
  return last + 1 || -1;
}

/** Options for {@linkcode parallel}. */
export interface ParallelOptions {
  workers: number;
  setup: WorkerSetup;
  /** Parser kinds of the output columns, in order. */
  kinds: number[];
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
    w.postMessage(options.setup);
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
      yield new RowProblem(base + r.error.line, r.error.reason);
      return;
    }
    if (r.rows === 0) return;
    const raw: RawBatch = {
      rows: r.rows,
      columns: r.columns.map((c, j) => ({
        kind: options.kinds[j],
        values: c.values as Float64Array | null,
        valid: c.valid,
        strings: null,
        dict: null,
      })),
    };
    const batch = rawToBatch(raw, options.names);
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
