import type { Operator } from "./_stage.ts";

/** `map`: each element through `fn`, with its index over the whole pass. */
export function mapOp<T, U>(fn: (x: T, index: number) => U | Promise<U>): Operator<T, U> {
  return async function* (up, ctx) {
    let i = 0;
    for await (const x of up(ctx.signal)) yield await fn(x, i++);
  };
}
