/**
 * Waiting for remote reads: timeouts on a promise, the backoff sleep and a
 * counting semaphore that bounds requests in flight.
 * @module
 */

/** A timeout from {@linkcode bounded}; its message says what did not come. */
export class Timeout extends Error {}

/** Resolves or rejects with `p`, or rejects when `ms` pass or `signal` aborts. */
export function bounded<T>(
  p: Promise<T>,
  ms: number,
  signal: AbortSignal,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(signal.reason));
    const timer = setTimeout(() => finish(() => reject(new Timeout(what))), ms);
    let settled = false;
    function finish(f: () => void) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      f();
    }
    p.then((v) => finish(() => resolve(v)), (e) => finish(() => reject(e)));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits `ms` milliseconds; rejects with the reason when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A counting semaphore. */
export class Slots {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await f();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
