/**
 * Mark labels that do not overlap: marks drawn closer together than a label's
 * height (labels are vertical) share one label, so the marks a notebook makes
 * in its first second (backend, dataset, model…) no longer pile up at 0 s.
 * @module
 */

/** One mark to label: its x (seconds) and its text. */
export interface MarkLabelInput {
  x: number;
  label: string;
}

/** One label to draw: where, its text, and how many marks it stands for. */
export interface MarkLabel {
  x: number;
  text: string;
  count: number;
  /** The labels merged into this one, by x. */
  labels: string[];
}

/** Options of {@linkcode mergeMarkLabels}. */
export interface MergeMarkLabelsOptions {
  /** The x axis' range in data units (seconds). */
  span: number;
  /** The plot area's width in pixels. @default {860} */
  widthPx?: number;
  /** The least distance between two labels, in pixels (a rotated label's height). @default {14} */
  minGapPx?: number;
}

/**
 * Groups marks (sorted by x) whose labels would overlap; each group gets one
 * label at its first mark: the single label, "a · b" for two or three, or
 * "a … z (n marks)" for more.
 *
 * @param marks The marks, in any order.
 * @param options The axis span and the plot's width.
 * @returns The labels to draw, by x.
 * @example
 * ```ts
 * import { mergeMarkLabels } from "./_mark_labels.ts";
 * const l = mergeMarkLabels([{ x: 0, label: "a" }, { x: 0.01, label: "b" }, { x: 5, label: "c" }], { span: 10 });
 * if (l.length !== 2 || l[0].text !== "a · b") throw new Error(JSON.stringify(l));
 * ```
 */
export function mergeMarkLabels(
  marks: readonly MarkLabelInput[],
  options: MergeMarkLabelsOptions,
): MarkLabel[] {
  const width = options.widthPx ?? 860;
  const gap = options.minGapPx ?? 14;
  const perPx = options.span > 0 ? options.span / width : 0;
  const sorted = [...marks].sort((a, b) => a.x - b.x);
  const groups: MarkLabelInput[][] = [];
  for (const m of sorted) {
    const g = groups.at(-1);
    if (g && (m.x - g[0].x) <= gap * perPx) g.push(m);
    else groups.push([m]);
  }
  return groups.map((g) => ({
    x: g[0].x,
    count: g.length,
    labels: g.map((m) => m.label),
    text: g.length === 1
      ? g[0].label
      : g.length <= 3
      ? g.map((m) => m.label).join(" · ")
      : `${g[0].label} … ${g.at(-1)!.label} (${g.length} marks)`,
  }));
}
