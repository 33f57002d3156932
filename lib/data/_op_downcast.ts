import type { RecordBatch } from "apache-arrow";
import { downcastStream, type DowncastStreamOptions } from "../dtype/downcast_stream.ts";
import type { MemoryReport } from "../dtype/memory_report.ts";
import { elementBytes } from "./_batch.ts";
import type { Operator } from "./_stage.ts";

/** The downcast operator and the live view of its stream's report and warnings. */
export interface DowncastParts {
  /** The operator for `Dataset.downcast`. */
  op: Operator<RecordBatch, RecordBatch>;
  /** The running report (latest pass). */
  report(): MemoryReport | null;
  /** The warnings so far, over all passes. */
  warnings(): readonly string[];
}

/**
 * `downcast`: one `downcastStream` for every pass, so the types learned on
 * the first pass are kept for every later one (epochs).
 */
export function downcastOp(options: DowncastStreamOptions): DowncastParts {
  // Each pass hands the one stream its own upstream iterator (taken
  // synchronously by the stream's first next(), so concurrent passes cannot
  // swap them).
  const upstreams: AsyncIterable<RecordBatch>[] = [];
  const source: AsyncIterable<RecordBatch> = {
    [Symbol.asyncIterator]: () => upstreams.shift()![Symbol.asyncIterator](),
  };
  const stream = downcastStream(source, options);
  const op: Operator<RecordBatch, RecordBatch> = async function* (up, ctx) {
    const mine = up(ctx.signal);
    upstreams.push(mine);
    try {
      for await (const b of stream) {
        ctx.hold(elementBytes(b));
        yield b;
      }
    } finally {
      // If the stream failed before taking it, do not hand it to a later pass.
      const i = upstreams.indexOf(mine);
      if (i >= 0) {
        upstreams.splice(i, 1);
        await mine.return(undefined);
      }
      ctx.hold(0);
    }
  };
  return { op, report: () => stream.report, warnings: () => stream.warnings };
}
