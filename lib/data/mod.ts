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
export { Dataset } from "./dataset.ts";
export type {
  BatchOf,
  BatchOptions,
  BatchRow,
  FilterOptions,
  IterateOptions,
  OpenStage,
  RowOf,
  ShuffleOptions,
  StageContext,
  StageOptions,
} from "./dataset.ts";
export type { DowncastDataset, DowncastDatasetOptions } from "./dataset.ts";
export type { TensorBatch, ToTensorsOptions } from "./dataset.ts";
export { from } from "./from.ts";
export type { FromSource } from "./from.ts";
export { arrow } from "./arrow.ts";
export type { ArrowOptions } from "./arrow.ts";
export { csv } from "./csv.ts";
export type { CsvBadRow, CsvDataset, CsvOptions, CsvType } from "./csv.ts";
export { jsonl } from "./jsonl.ts";
export type { JsonlOptions } from "./jsonl.ts";
export { parquet } from "./parquet.ts";
export type { ParquetOptions } from "./parquet.ts";
export { pool } from "./pool.ts";
export type { BatchPool, PoolOptions } from "./pool.ts";
export { mmap } from "./mmap.ts";
export type { MappedFile, MmapOptions } from "./mmap.ts";
// Types from other folders that this folder's signatures use.
export type { Tensor2D } from "../tf_types.ts";
export type { ColumnMemory, MemoryReport } from "../dtype/memory_report.ts";
