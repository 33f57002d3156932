/**
 * The categories of resident memory that `memoryBreakdown()` names. Together
 * they add up to the process RSS: "unexplained" is what is left.
 * @module
 */

/** The categories, in the order the timeline stacks them (bottom first). */
export const CATEGORIES: readonly Category[] = [
  "fileBacked",
  "v8Code",
  "v8HeapUsed",
  "v8HeapFree",
  "arrayBuffers",
  "wasmHeap",
  "gpuStaging",
  "mallocInUse",
  "mallocFree",
  "threadStacks",
  "kernelRuntime",
  "unexplained",
];

/** One category of resident memory (see `memoryBreakdown()` for what each holds). */
export type Category =
  | "fileBacked"
  | "v8Code"
  | "v8HeapUsed"
  | "v8HeapFree"
  | "arrayBuffers"
  | "wasmHeap"
  | "gpuStaging"
  | "mallocInUse"
  | "mallocFree"
  | "threadStacks"
  | "kernelRuntime"
  | "unexplained";

/** Human names, as the figure's legend, the summaries and the kernel's cell line print them. */
export const CATEGORY_LABELS: Record<Category, string> = {
  fileBacked: "file-backed (code, mapped files)",
  v8Code: "V8 code & metadata",
  v8HeapUsed: "V8 heap used",
  v8HeapFree: "V8 heap free",
  arrayBuffers: "ArrayBuffers (external)",
  wasmHeap: "wasm heap",
  gpuStaging: "GPU staging",
  mallocInUse: "native malloc in use",
  mallocFree: "malloc free but held",
  threadStacks: "thread stacks",
  kernelRuntime: "Deno kernel runtime (at engine start)",
  unexplained: "unexplained",
};

/** Short names for one-line reports. */
export const CATEGORY_SHORT: Record<Category, string> = {
  fileBacked: "file-backed",
  v8Code: "V8 code",
  v8HeapUsed: "V8 heap",
  v8HeapFree: "V8 heap free",
  arrayBuffers: "ArrayBuffers",
  wasmHeap: "wasm heap",
  gpuStaging: "GPU staging",
  mallocInUse: "malloc",
  mallocFree: "malloc free-held",
  threadStacks: "stacks",
  kernelRuntime: "kernel runtime",
  unexplained: "unexplained",
};
