/**
 * Thrown (and used as the abort reason of `Timeline.signal`) when a
 * timeline's memory budget is exceeded. A named subclass of RangeError,
 * because callers catch it to stop a run cleanly and report.
 *
 * @example
 * ```ts
 * import { BudgetExceededError } from "memkit";
 * const e = new BudgetExceededError("host", 9e9, 8e9, "Host memory budget exceeded");
 * if (!(e instanceof RangeError) || e.kind !== "host") throw new Error("wrong class");
 * ```
 */
export class BudgetExceededError extends RangeError {
  /** Which budget: host (process RSS) or gpu (GPU bytes in use + pooled). */
  readonly kind: "host" | "gpu";
  /** Bytes in use when the budget was exceeded. */
  readonly used: number;
  /** The budget, in bytes. */
  readonly limit: number;

  /**
   * Makes the error; the timeline does this when a budget is exceeded.
   * @param kind Which budget.
   * @param used Bytes in use.
   * @param limit The budget in bytes.
   * @param message The full message.
   */
  constructor(kind: "host" | "gpu", used: number, limit: number, message: string) {
    super(message);
    this.name = "BudgetExceededError";
    this.kind = kind;
    this.used = used;
    this.limit = limit;
  }
}
