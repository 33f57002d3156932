import { elementBytes } from "./_batch.ts";
import type { Operator, StageContext } from "./_stage.ts";

/**
 * `prefetch`: reads up to `n` elements ahead in the background, then waits
 * (backpressure): never more than `n` held.
 */
export function prefetchOp<T>(n: number): Operator<T, T> {
  return (up, ctx) => prefetchFrom(up(ctx.signal), n, ctx);
}

async function* prefetchFrom<T>(
  source: AsyncGenerator<T>,
  n: number,
  ctx: StageContext,
): AsyncGenerator<T> {
  const queue: IteratorResult<T>[] = [];
  let failure: { error: unknown } | null = null;
  let stopped = false;
  let wakeConsumer = null as (() => void) | null;
  let wakePump = null as (() => void) | null;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  const report = () => {
    let b = 0;
    for (const r of queue) if (!r.done) b += elementBytes(r.value);
    ctx.hold(b);
  };
  const onAbort = () => {
    stopped = true;
    wake();
    wakePump?.();
  };
  ctx.signal?.addEventListener("abort", onAbort);

  const pump = (async () => {
    try {
      while (!stopped) {
        if (queue.length >= n) {
          await new Promise<void>((resolve) => (wakePump = resolve));
          wakePump = null;
          continue;
        }
        const r = await source.next();
        queue.push(r);
        report();
        wake();
        if (r.done) return;
      }
    } catch (error) {
      failure = { error };
      wake();
    }
  })();

  try {
    while (true) {
      ctx.signal?.throwIfAborted();
      if (queue.length === 0) {
        if (failure) throw (failure as { error: unknown }).error;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
        continue;
      }
      const r = queue.shift()!;
      report();
      wakePump?.();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    stopped = true;
    ctx.signal?.removeEventListener("abort", onAbort);
    wakePump?.();
    await pump;
    queue.length = 0;
    ctx.hold(0);
    // Closing the source runs its finally blocks (file handles, probes).
    await source.return(undefined);
  }
}
