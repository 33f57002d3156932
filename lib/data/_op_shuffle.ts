import { RecordBatch } from "apache-arrow";
import { elementBytes, gatherRows } from "./_batch.ts";
import { mulberry32, seedFrom } from "./_random.ts";
import type { Operator, StageContext } from "./_stage.ts";

/**
 * `shuffle`: rows through a buffer of `bufferRows` rows (elements for other
 * datasets), like tf.data's shuffle. With a seed each pass is reproducible;
 * with `reshuffle` each pass (epoch) gets its own order.
 */
export function shuffleOp<T>(
  bufferRows: number,
  seed: number | undefined,
  reshuffle: boolean,
): Operator<T, T> {
  let pass = 0;
  return async function* (up, ctx) {
    const s = seed === undefined
      ? seedFrom(Math.random() * 2 ** 32)
      : seedFrom(seed + (reshuffle ? pass++ * 0x9e3779b9 : 0));
    yield* shuffleRows<T>(up(ctx.signal), bufferRows, mulberry32(s), ctx);
  };
}

async function* shuffleRows<T>(
  source: AsyncIterable<T>,
  bufferRows: number,
  random: () => number,
  ctx: StageContext,
): AsyncGenerator<T> {
  // Elements other than RecordBatches: the classic element buffer.
  const items: T[] = [];
  // RecordBatches: a pool of (batch, row) references, gathered on output.
  let batches: RecordBatch[] = [];
  let live: number[] = []; // rows still referenced, per batch
  let which = new Uint32Array(1024);
  let rows = new Uint32Array(1024);
  let count = 0;
  let outRows = 1;
  let heldBytes = 0;

  const report = () => ctx.hold(heldBytes + elementBytes(items));
  const pick = (k: number): RecordBatch => {
    const w = new Uint32Array(k);
    const r = new Uint32Array(k);
    for (let i = 0; i < k; i++) {
      const j = Math.floor(random() * count);
      w[i] = which[j];
      r[i] = rows[j];
      count--;
      which[j] = which[count];
      rows[j] = rows[count];
      live[w[i]]--;
    }
    const out = gatherRows(batches, w, r);
    // Drop batches no row refers to any more, renumbering the pool.
    if (live.some((n) => n === 0)) {
      const renumber = new Int32Array(batches.length).fill(-1);
      const keptBatches: RecordBatch[] = [];
      const keptLive: number[] = [];
      heldBytes = 0;
      for (let b = 0; b < batches.length; b++) {
        if (live[b] > 0) {
          renumber[b] = keptBatches.length;
          keptBatches.push(batches[b]);
          keptLive.push(live[b]);
          heldBytes += elementBytes(batches[b]);
        }
      }
      for (let i = 0; i < count; i++) which[i] = renumber[which[i]];
      batches = keptBatches;
      live = keptLive;
    }
    // A few rows can pin many batches; compact when the pool holds far more
    // rows than it references, so memory stays proportional to bufferRows.
    let pooled = 0;
    for (const b of batches) pooled += b.numRows;
    if (pooled > 4 * (bufferRows + outRows) && count > 0) {
      const compact = gatherRows(batches, which.subarray(0, count), rows.subarray(0, count));
      batches = [compact];
      live = [count];
      for (let i = 0; i < count; i++) {
        which[i] = 0;
        rows[i] = i;
      }
      heldBytes = elementBytes(compact);
    }
    report();
    return out;
  };

  for await (const x of source) {
    if (!(x instanceof RecordBatch)) {
      if (items.length < bufferRows) items.push(x);
      else {
        const j = Math.floor(random() * items.length);
        const out = items[j];
        items[j] = x;
        yield out;
      }
      report();
      continue;
    }
    const n = x.numRows;
    if (n === 0) continue;
    outRows = n;
    if (count + n > which.length) {
      const size = Math.max(count + n, which.length * 2);
      const w = new Uint32Array(size);
      const r = new Uint32Array(size);
      w.set(which.subarray(0, count));
      r.set(rows.subarray(0, count));
      which = w;
      rows = r;
    }
    const b = batches.length;
    batches.push(x);
    live.push(n);
    heldBytes += elementBytes(x);
    for (let i = 0; i < n; i++) {
      which[count] = b;
      rows[count] = i;
      count++;
    }
    report();
    while (count >= bufferRows + outRows) yield pick(outRows) as T;
  }
  while (count > 0) yield pick(Math.min(outRows, count)) as T;
  while (items.length > 0) {
    const j = Math.floor(random() * items.length);
    const out = items[j];
    items[j] = items[items.length - 1];
    items.pop();
    yield out;
  }
  ctx.hold(0);
}
