import type { Operator } from "./_stage.ts";

/** `repeat`: the upstream `count` times, each a new pass. */
export function repeatOp<T>(count: number): Operator<T, T> {
  return async function* (up, ctx) {
    for (let i = 0; i < count; i++) yield* up(ctx.signal);
  };
}
