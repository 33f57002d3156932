import type { Operator } from "./_stage.ts";

/** `concatenate`: the upstream, then every element of `other`. */
export function concatenateOp<T>(
  other: { iterate(options: { signal?: AbortSignal }): AsyncIterable<T> },
): Operator<T, T> {
  return async function* (up, ctx) {
    yield* up(ctx.signal);
    yield* other.iterate({ signal: ctx.signal });
  };
}
