/**
 * memkit/dtype: Smaller data types: profile, downcast (tables and streams),
 * memory reports, quantization and float16.
 *
 * @example
 * ```ts
 * import * as dtype from "memkit/dtype";
 * if (Object.keys(dtype).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export * from "./profile.ts";
export * from "./downcast.ts";
export * from "./downcast_stream.ts";
export * from "./restore_timestamps.ts";
export * from "./memory_report.ts";
export * from "./quantize.ts";
export * from "./to_float16.ts";
export * from "./quantize_weights.ts";
export * from "./save_quantized_model.ts";
export * from "./load_quantized_model.ts";
export * from "./dtype_bytes.ts";
// Types from other folders that this folder's signatures use.
export type { LayersModel, Tensor } from "../tf_types.ts";
