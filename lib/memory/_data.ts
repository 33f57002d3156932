/**
 * The one timeline model's types: peaks, marks and the saved form. Both the
 * library's `Timeline` and the kernel's session timeline (through
 * `_kernel_protocol.ts`) produce this data, and `_figure.ts` draws it. No
 * runtime imports: the kernel's agent loads it without tfjs.
 * @module
 */
import type { SeriesName } from "./_store.ts";

/** A peak: the largest value seen, when, and after which mark. */
export interface Peak {
  /** The value (bytes, or a count for tfTensors). */
  value: number;
  /** Milliseconds since the timeline started. */
  t: number;
  /** The label of the last mark before the peak, or null before any mark. */
  mark: string | null;
}

/** A mark: a labelled moment (or interval) with the values read right then. */
export interface TimelineMark {
  /** The label given to `mark()`. */
  label: string;
  /** Milliseconds since the timeline started (the end, for an interval). */
  t: number;
  /**
   * Where an interval began, ms since the start: such a mark (a kernel cell)
   * is drawn as a band from `start` to `t`. Absent for a moment.
   */
  start?: number;
  /** Every series, read when the mark was made (NaN, or null once saved, when unknown). */
  values: Record<SeriesName, number>;
  /** Bytes per probe, read when the mark was made. */
  probes: Record<string, number>;
  /** The maximum of each series since the previous mark (or the start). */
  peak: Record<SeriesName, number>;
}

/** The saved form of a timeline (`saveJSON`, `toJSON`, `loadTimeline`). Times are ms since start. */
export interface TimelineData {
  /** Always "memkit-timeline". */
  format: "memkit-timeline";
  /** The format version, 1. */
  version: 1;
  /** Milliseconds between samples. */
  everyMs: number;
  /** When sampling started (ISO 8601). */
  startedAt: string;
  /** Raw samples per stored slot (after thinning). */
  stride: number;
  /** Raw samples taken in all. */
  total: number;
  /** The bound on stored slots. */
  maxSamples: number;
  /** Each slot's start, in ms since the start. */
  t: number[];
  /**
   * Per series, each slot's maximum and minimum; null where the series was not
   * read (the kernel reads the breakdown only at cell ends). A series never
   * read may be absent.
   */
  series: Partial<Record<SeriesName, { max: (number | null)[]; min: (number | null)[] }>>;
  /** Per probe, each slot's maximum and minimum (null before the probe existed). */
  probes: Record<string, { max: (number | null)[]; min: (number | null)[] }>;
  /** The marks, in order. */
  marks: TimelineMark[];
  /** Each series' peak (absent when never read). */
  peaks: Partial<Record<SeriesName, Peak>>;
  /** The first reading, which opens the ledger (absent in hand-made data). */
  start?: Record<SeriesName, number>;
  /** The plot's title (absent: "memory timeline"). */
  title?: string;
}
