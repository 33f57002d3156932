/**
 * Frees the batches a consumer already dropped, within a time budget. A batch's columns are
 * ArrayBuffers: V8 frees their memory only when a full collection finds the small JS objects
 * that own them dead (measured: by then they are in the old generation, so minor collections do
 * not free them), and a reader that makes little other garbage triggers few full collections, so
 * dropped batches pile up: 50–90 MB of them on the CSV benchmark's files, the difference between
 * 120 and 210 MB of peak RSS.
 *
 * So a pass asks for a full collection when RSS has grown by a headroom since the pass began,
 * unless collections already took more than `budget` of the pass's time: in a process with a
 * large heap, where a collection is slow, it backs off on its own. `gc` is `globalThis.gc` under `--expose-gc`;
 * otherwise it is taken once, on the first pass that needs it, from a fresh `node:vm` context
 * after setting V8's `--expose-gc` flag (Deno's `gc` there is a low-memory notification: two
 * full collections). The global scope is never changed.
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => unknown) | null | undefined;

function getGc(): (() => unknown) | null {
  if (gc !== undefined) return gc;
  const own = (globalThis as { gc?: () => unknown }).gc;
  if (typeof own === "function") return gc = own;
  try {
    setFlagsFromString("--expose-gc");
    const found = runInNewContext("typeof gc === 'function' ? gc : null") as (() => unknown) | null;
    gc = typeof found === "function" ? found : null;
  } catch {
    gc = null; // another runtime: batches are freed when V8 decides
  }
  return gc;
}

/**
 * Watches a pass: every 8 MiB it hands out, reads RSS; when RSS has grown `headroom` bytes over
 * its level at the pass's start, collects, unless collections already took `budget` of the
 * pass's time. After a collection it reads RSS again only after another `headroom / 2` bytes:
 * V8 frees the backing stores of dead ArrayBuffers on a background thread, so RSS right after
 * `gc()` still counts them (measured: reading it then and raising the bar to it let the bar climb
 * 113 → 190 MB over a 1 GB file).
 */
export class PassGc {
  #since = 0;
  #spent = 0;
  #wait = CHECK_EVERY;
  readonly #trigger: number;
  readonly #started = performance.now();
  /** How many collections this pass ran, and how many it skipped for the budget. */
  collections = 0;
  skipped = 0;

  /**
   * @param headroom Bytes of RSS growth allowed before a collection (0: never collect).
   * @param budget The largest share of the pass's time spent collecting (0.2: at 0.1, with tfjs
   *   loaded (8 MB more heap, so each collection is slower) the text file skipped 5–11
   *   collections and peaked at 146–168 MB; at 0.2 it skipped none and peaked at 114–142 MB).
   */
  constructor(readonly headroom: number, readonly budget = 0.2) {
    this.#trigger = headroom > 0 ? Deno.memoryUsage().rss + headroom : Infinity;
  }

  /** `bytes` more were handed to the consumer; collects when due and within budget. */
  handed(bytes: number): void {
    if (this.headroom <= 0) return;
    this.#since += bytes;
    if (this.#since < this.#wait) return;
    this.#since = 0;
    this.#wait = CHECK_EVERY;
    if (Deno.memoryUsage().rss < this.#trigger) return;
    const t = performance.now();
    if (this.#spent > this.budget * (t - this.#started)) {
      this.skipped++;
      return;
    }
    const collect = getGc();
    if (!collect) return;
    collect();
    this.#spent += performance.now() - t;
    this.collections++;
    this.#wait = Math.max(CHECK_EVERY, this.headroom / 2);
  }
}

const CHECK_EVERY = 8 << 20;
