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
