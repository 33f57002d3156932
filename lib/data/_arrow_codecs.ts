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

let registered = false;

/** Registers memkit's LZ4-frame and ZSTD decoders once (idempotent). */
export function registerArrowCodecs(): void {
  if (registered) return;
  registered = true;
  const decoders: [CompressionType, ((data: Uint8Array) => Uint8Array) | null][] = [
    [CompressionType.LZ4_FRAME, (data) => Uint8Array.from(lz4.decompress(data))],
    [
      CompressionType.ZSTD,
      (zlib as Zstd).zstdDecompressSync
        ? (data) => new Uint8Array((zlib as Zstd).zstdDecompressSync!(data))
        : null,
    ],
  ];
  for (const [type, decode] of decoders) {
    const existing = compressionRegistry.get(type);
    if (decode === null || existing?.decode) continue;
    compressionRegistry.set(type, { ...existing, decode });
  }
}
