/**
 * Progress for sources of known size, through lib/plot/progress.ts.
 * @module
 */
import { type Progress, progress } from "../plot/progress.ts";

/** A progress display when asked for (`true` or a label), else undefined. */
export function trackProgress(
  option: boolean | string | undefined,
  label: string,
  total: number | undefined,
  unit: string,
): Progress | undefined {
  if (!option) return undefined;
  return progress({ label: typeof option === "string" ? option : label, total, unit });
}
