/**
 * Decoders for Arrow IPC bodies compressed with LZ4 frames or ZSTD,
 * registered in apache-arrow's global `compressionRegistry` by the entry
 * points that read IPC (`arrow()`, `mmap()`), never at import. An
 * application's own decoder wins; an entry that has only an encoder gets
 * memkit's decoder beside it.
 * @module
 */
import * as zlib from "node:zlib";
import { compressionRegistry, CompressionType } from "apache-arrow";
import lz4 from "lz4js";

type Zstd = { zstdDecompressSync?: (b: Uint8Array) => Uint8Array };

/** memkit's LZ4-frame decoder (the IPC reader calls lz4js with a size bound instead when it finds this one registered). */
export const lz4Decode = (data: Uint8Array): Uint8Array => Uint8Array.from(lz4.decompress(data));
/** memkit's ZSTD decoder, when node:zlib has ZSTD (the IPC reader bounds its output). */
export const zstdDecode = (zlib as Zstd).zstdDecompressSync
  ? (data: Uint8Array): Uint8Array => new Uint8Array((zlib as Zstd).zstdDecompressSync!(data))
  : null;

let registered = false;

/** Registers memkit's LZ4-frame and ZSTD decoders once (idempotent). */
export function registerArrowCodecs(): void {
  if (registered) return;
  registered = true;
  const decoders: [CompressionType, ((data: Uint8Array) => Uint8Array) | null][] = [
    [CompressionType.LZ4_FRAME, lz4Decode],
    [CompressionType.ZSTD, zstdDecode],
  ];
  for (const [type, decode] of decoders) {
    const existing = compressionRegistry.get(type);
    if (decode === null || existing?.decode) continue;
    compressionRegistry.set(type, { ...existing, decode });
  }
}
