import { Data, RecordBatch } from "apache-arrow";
import { dataBytes, makeBatch, typeName } from "./_arrow.ts";
import { type Codec, codecsFor, engineOptions, Misfit } from "./_codecs.ts";
import type { DowncastOptions } from "./downcast.ts";
import { misfitError } from "./_report.ts";
import { type ColumnMemory, MemoryReport } from "./memory_report.ts";

/** Options for {@linkcode downcastStream}: those of `downcast`, plus how to learn and widen. */
export interface DowncastStreamOptions extends DowncastOptions {
  /**
   * How many batches the types are learned from before the first is emitted.
   * @default {1}
   */
  learnBatches?: number;
  /**
   * A later value that does not fit the learned type either widens the column
   * (from that batch on, with a warning) or throws a RangeError naming the
   * column, batch, row and value. Types asked for in `options.types` always throw.
   * @default {"widen"}
   */
  onOverflow?: "widen" | "fail";
  /**
   * Called with each warning.
   * @default {console.warn}
   */
  onWarning?: (message: string) => void;
  /** Stops the stream (the source is closed) when aborted. */
  signal?: AbortSignal;
}

/** The downcast batches, re-iterable when the source is, with a running report. */
export interface DowncastStream extends AsyncIterable<RecordBatch> {
  /** Bytes per column before and after over the batches of the latest pass so far (null before the first). */
  readonly report: MemoryReport | null;
  /** The warnings given so far (columns widened). */
  readonly warnings: readonly string[];
}

/**
 * Downcasts a stream of record batches: types are learned from the first
 * `learnBatches` batches and applied to all later ones, so the schema stays
 * stable. A later value that does not fit widens its column (with a warning)
 * or fails, by option; nothing is ever silently truncated. Dictionaries grow
 * as new strings arrive (each batch carries the dictionary so far). The learned
 * types are kept across iterations (epochs).
 *
 * @param batches Any (async) iterable of RecordBatch with one schema, e.g. a memkit Dataset.
 * @param options Downcast options plus `learnBatches`, `onOverflow`, `onWarning`, `signal`.
 * @returns An async iterable of downcast batches with a running `report` and `warnings`.
 * @example
 * ```ts
 * import { downcastStream } from "memkit";
 * import { tableFromArrays } from "apache-arrow";
 * const batches = [
 *   tableFromArrays({ x: new Float64Array([1, 2, 3]) }).batches[0],
 *   tableFromArrays({ x: new Float64Array([4, 5, 1000]) }).batches[0],
 * ];
 * const types: string[] = [];
 * const stream = downcastStream(batches, { onWarning: () => {} });
 * for await (const b of stream) types.push(String(b.schema.fields[0].type));
 * if (types.join() !== "Uint8,Uint16") throw new Error(types.join());
 * if (stream.warnings.length !== 1) throw new Error("expected a widening warning");
 * ```
 */
export function downcastStream(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  options: DowncastStreamOptions = {},
): DowncastStream {
  const o = engineOptions(options);
  const learn = options.learnBatches ?? 1;
  if (!Number.isInteger(learn) || learn < 1) {
    throw new RangeError(
      `Cannot downcast a stream: options.learnBatches is ${learn}, expected an integer ≥ 1`,
    );
  }
  const onOverflow = options.onOverflow ?? "widen";
  if (onOverflow !== "widen" && onOverflow !== "fail") {
    throw new TypeError(
      `Cannot downcast a stream: options.onOverflow is "${onOverflow}", expected "widen" or "fail"`,
    );
  }
  const onWarning = options.onWarning ?? ((m: string) => console.warn(m));
  const warnings: string[] = [];
  let codecs: Codec[] | null = null;
  let rows = 0;
  let sums: { before: number; after: number; seenB: Set<unknown>; seenA: Set<unknown> }[] = [];
  let batchIndex = 0;

  function convert(b: RecordBatch): RecordBatch {
    const cs = codecs!;
    if (b.schema.fields.length !== cs.length) {
      throw new TypeError(
        `Cannot downcast a stream: batch ${batchIndex} has ${b.schema.fields.length} columns, expected ${cs.length}`,
      );
    }
    const out: Data[] = cs.map((c, i) => {
      const d = b.data.children[i];
      if (typeName(b.schema.fields[i].type) !== typeName(c.source.type)) {
        throw new TypeError(
          `Cannot downcast a stream: column "${c.source.name}" is ${
            typeName(b.schema.fields[i].type)
          } in batch ${batchIndex}, expected ${typeName(c.source.type)}`,
        );
      }
      try {
        return c.apply(d);
      } catch (e) {
        if (!(e instanceof Misfit)) throw e;
        const forced = o.types[c.source.name] !== undefined;
        if (forced || onOverflow === "fail") {
          throw misfitError(
            c,
            e,
            e.row,
            `in batch ${batchIndex} does not fit ${
              forced
                ? "the type asked by options.types"
                : `the type learned from the first ${learn === 1 ? "batch" : `${learn} batches`}`
            }`,
          );
        }
        const was = c.target();
        c.observe(d);
        c.decide();
        const message =
          `Column "${c.source.name}" widened from ${was} to ${c.target()} at batch ${batchIndex}: value ${e.value} at row ${e.row} did not fit`;
        warnings.push(message);
        onWarning(message);
        return c.apply(d);
      }
    });
    rows += b.numRows;
    out.forEach((d, i) => {
      const s = sums[i];
      s.before += dataBytes(b.data.children[i], s.seenB);
      s.after += dataBytes(d, s.seenA);
    });
    batchIndex++;
    return makeBatch(cs.map((c) => c.field()), out, undefined, b.schema.metadata);
  }

  async function* run(): AsyncGenerator<RecordBatch> {
    const signal = options.signal;
    signal?.throwIfAborted();
    batchIndex = 0;
    // The report describes the latest pass: a new epoch starts it again.
    if (codecs !== null) resetSums(codecs);
    const pending: RecordBatch[] = [];
    for await (const b of batches as AsyncIterable<RecordBatch>) {
      signal?.throwIfAborted();
      if (!(b instanceof RecordBatch)) {
        throw new TypeError(
          `Cannot downcast a stream: item ${batchIndex + pending.length} is ${
            Object.prototype.toString.call(b)
          }, expected an Arrow RecordBatch`,
        );
      }
      if (codecs === null) {
        pending.push(b);
        if (pending.length < learn) continue;
        learnFrom(pending);
        for (const p of pending.splice(0)) yield convert(p);
        continue;
      }
      yield convert(b);
    }
    if (codecs === null && pending.length) {
      learnFrom(pending);
      for (const p of pending.splice(0)) yield convert(p);
    }
  }

  function learnFrom(first: RecordBatch[]): void {
    const cs = codecsFor(first[0].schema, o, options.columns);
    cs.forEach((c, i) => {
      for (const b of first) c.observe(b.data.children[i]);
      c.decide();
    });
    codecs = cs;
    resetSums(cs);
  }

  function resetSums(cs: Codec[]): void {
    rows = 0;
    sums = cs.map(() => ({ before: 0, after: 0, seenB: new Set(), seenA: new Set() }));
  }

  return {
    [Symbol.asyncIterator]: () => run(),
    get warnings() {
      return warnings;
    },
    get report() {
      if (codecs === null) return null;
      const columns: ColumnMemory[] = codecs.map((c, i) => ({
        column: c.source.name,
        typeBefore: typeName(c.source.type),
        bytesBefore: sums[i].before,
        typeAfter: c.target(),
        bytesAfter: sums[i].after,
        note: c.note(),
      }));
      const unsupported = codecs.filter((c) => c.unsupported).map((c) => ({
        column: c.source.name,
        type: c.unsupported!,
      }));
      return new MemoryReport(rows, columns, unsupported, [...warnings]);
    },
  };
}
