/**
 * Shared look of memkit's memory plots, so that the library timeline and the
 * kernel's session timeline read the same: series colours and byte hover.
 * @module
 */

/** Hover text for byte series: SI units and the exact count. */
export const BYTES_HOVER = "%{y:.4~s}B (%{y:,.0f} bytes)";

/** One colour per memory series, used by every memkit timeline. */
export const SERIES_COLORS = {
  heapUsed: "#1f77b4",
  heapFree: "#aec7e8",
  external: "#ff7f0e",
  rest: "#c7c7c7",
  rss: "#222222",
  tf: "#d62728",
  wasm: "#9467bd",
  tensors: "#7f7f7f",
  gpuInUse: "#2ca02c",
  gpuPooled: "#98df8a",
} as const;

/**
 * One colour per part of RSS (lib/memory's breakdown categories), stacked
 * bottom to top in this order; "unexplained" stays the grey of "the rest".
 */
export const CATEGORY_COLORS = {
  fileBacked: "#c5b0d5",
  v8Code: "#17becf",
  v8HeapUsed: "#1f77b4",
  v8HeapFree: "#aec7e8",
  arrayBuffers: "#ff7f0e",
  wasmHeap: "#9467bd",
  gpuStaging: "#2ca02c",
  mallocInUse: "#8c564b",
  mallocFree: "#e7ba52",
  threadStacks: "#bcbd22",
  kernelRuntime: "#7f7f7f",
  unexplained: "#c7c7c7",
} as const;
