import { Dataset, type StageOptions } from "./dataset.ts";

/** What {@linkcode from} accepts: an iterable, an async iterable, or a function returning one. */
export type FromSource<T> =
  | Iterable<T>
  | AsyncIterable<T>
  | (() => Iterable<T> | AsyncIterable<T>);

/**
 * A dataset over in-memory values or a generator. A generator function is
 * called again for every pass, so the dataset stays re-iterable; a one-shot
 * iterator (an already-started generator) can be read only once and a second
 * pass over it throws.
 *
 * @param source An array, iterable, async iterable or (async) generator function.
 * @param options The signal.
 * @returns The dataset.
 * @example
 * ```ts
 * import { from } from "memkit";
 * const ds = from(function* () {
 *   for (let i = 0; i < 3; i++) yield i;
 * });
 * let sum = 0;
 * for await (const x of ds.repeat(2)) sum += x;
 * if (sum !== 6) throw new Error(`${sum}`);
 * ```
 */
export function from<T>(source: FromSource<T>, options: StageOptions = {}): Dataset<T> {
  const isIterable = (x: unknown): boolean =>
    x !== null && typeof x === "object" &&
    (Symbol.iterator in (x as object) || Symbol.asyncIterator in (x as object));
  if (typeof source !== "function" && !isIterable(source)) {
    throw new TypeError(
      `Cannot make a dataset from ${typeof source}: expected an iterable, an async iterable or a generator function`,
    );
  }
  let used = false;
  const oneShot = typeof source !== "function" &&
    typeof (source as unknown as Iterator<T>).next === "function";
  return new Dataset<T>("from", async function* (ctx) {
    if (oneShot) {
      if (used) {
        throw new TypeError(
          "Cannot read a one-shot iterator twice: pass a generator function to from() to read it again",
        );
      }
      used = true;
    }
    const it = typeof source === "function" ? source() : source;
    for await (const x of it as AsyncIterable<T>) {
      ctx.signal?.throwIfAborted();
      yield x;
    }
  }, options);
}
