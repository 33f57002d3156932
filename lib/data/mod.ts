/**
 * memkit/data: Lazy datasets: `Dataset` with its operators, the sources
 * (`csv`, `parquet`, `arrow`, `jsonl`, `from`), `toTensors`, pools and mmap.
 *
 * @example
 * ```ts
 * import * as data from "memkit/data";
 * if (Object.keys(data).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export * from "./dataset.ts";
export * from "./from.ts";
export * from "./arrow.ts";
export * from "./arrow_format_error.ts";
export * from "./csv.ts";
export * from "./jsonl.ts";
export * from "./parquet.ts";
export * from "./parquet_error.ts";
export * from "./pool.ts";
export * from "./mmap.ts";
export * from "./files.ts";
export * from "./remote_read_error.ts";
// Types from other folders that this folder's signatures use.
export type { Tensor2D } from "../tf_types.ts";
export type { ColumnMemory, MemoryReport } from "../dtype/memory_report.ts";
