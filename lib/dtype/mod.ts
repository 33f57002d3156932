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
export { profile } from "./profile.ts";
export type { ColumnProfile, ProfileArray, ProfileOptions } from "./profile.ts";
export { Profile } from "./profile.ts";
export { downcast } from "./downcast.ts";
export type { DowncastBatch, DowncastOptions, DowncastTable, DowncastTarget } from "./downcast.ts";
export { downcastStream } from "./downcast_stream.ts";
export type { DowncastStream, DowncastStreamOptions } from "./downcast_stream.ts";
export { restoreTimestamps } from "./restore_timestamps.ts";
export { memoryReport } from "./memory_report.ts";
export type { ColumnMemory } from "./memory_report.ts";
export { MemoryReport } from "./memory_report.ts";
export { quantize } from "./quantize.ts";
export type { QuantizeOptions } from "./quantize.ts";
export { QuantizedTensor } from "./quantize.ts";
export { toFloat16 } from "./to_float16.ts";
export { Float16Tensor } from "./to_float16.ts";
export { quantizeWeights } from "./quantize_weights.ts";
export type { QuantizedWeight, QuantizeWeightsOptions } from "./quantize_weights.ts";
export { QuantizedWeights } from "./quantize_weights.ts";
export { saveQuantizedModel } from "./save_quantized_model.ts";
export type { SavedQuantizedModel, SaveQuantizedModelOptions } from "./save_quantized_model.ts";
export { loadQuantizedModel } from "./load_quantized_model.ts";
export { dtypeBytes } from "./dtype_bytes.ts";
// Types from other folders that this folder's signatures use.
export type { LayersModel, Tensor } from "../tf_types.ts";
