/**
 * Decompressors for parquet pages: native zlib (ZSTD, gzip, Brotli) where
 * the runtime has it, hyparquet-compressors (pure JS / wasm) otherwise and
 * for Snappy and LZ4.
 * @module
 */
import * as zlib from "node:zlib";
import type { Compressors } from "hyparquet";
import { compressors as fallback } from "hyparquet-compressors";

type Decompress = (input: Uint8Array) => Uint8Array;
const z = zlib as unknown as { zstdDecompressSync?: Decompress };

type Codec = (input: Uint8Array, outputLength: number) => Uint8Array;

function native(fn: Decompress | undefined, backup: Codec | undefined): Codec | undefined {
  if (!fn) return backup;
  return (input: Uint8Array, outputLength: number): Uint8Array => {
    let out = fn(input);
    if (out.length !== outputLength) return backup ? backup(input, outputLength) : out;
    // Small Buffers can be views into a shared pool that is reused later, and
    // plain pages may be kept as zero-copy views: own the bytes.
    if (out.byteOffset !== 0 || out.buffer.byteLength !== out.length) out = out.slice();
    return out;
  };
}

/** Page decompressors keyed by parquet codec name. */
export const codecs: Compressors = {
  ...fallback,
  ZSTD: native(z.zstdDecompressSync, fallback.ZSTD),
  GZIP: native(zlib.gunzipSync as Decompress, fallback.GZIP),
  BROTLI: native(zlib.brotliDecompressSync as Decompress, fallback.BROTLI),
};
