/**
 * Parquet pages, checked before use: the page header (thrift, parsed by
 * hyparquet) is validated against the bytes of its column chunk before any
 * allocation, the stored CRC is verified, and pages decompress into buffers
 * sized by the data actually produced (never by a header's claim alone).
 * @module
 */
import * as zlib from "node:zlib";
import type { CompressionCodec, PageHeader } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { compressors as fallback } from "hyparquet-compressors";

/**
 * A problem found below the file level (a page, an encoding, a value); the
 * reader restates it as a ParquetError naming file, row group and column.
 */
export class ParquetCorrupt extends Error {
  /**
   * @param message The problem.
   * @param rowInGroup The row inside the row group, if one row is at fault.
   */
  constructor(message: string, readonly rowInGroup?: number) {
    super(message);
    this.name = "ParquetCorrupt";
  }
}

const I32_MAX = 2 ** 31 - 1;

/**
 * A copy of bytes [start, end) that owns its buffer. Node Buffers' slice()
 * is a view, so this goes through Uint8Array's own slice.
 */
export function copy(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): Uint8Array<ArrayBuffer> {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}
const PAGE_TYPES = new Set(["DATA_PAGE", "DATA_PAGE_V2", "DICTIONARY_PAGE", "INDEX_PAGE"]);
const ENCODINGS = new Set([
  "PLAIN",
  "PLAIN_DICTIONARY",
  "RLE",
  "BIT_PACKED",
  "DELTA_BINARY_PACKED",
  "DELTA_LENGTH_BYTE_ARRAY",
  "DELTA_BYTE_ARRAY",
  "RLE_DICTIONARY",
  "BYTE_STREAM_SPLIT",
]);

function count(name: string, v: unknown, max = I32_MAX): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new ParquetCorrupt(`page header ${name} is ${String(v)}`);
  }
  return v;
}

/** One page: its header and its (still compressed) body, a view into the chunk. */
export interface RawPage {
  header: PageHeader;
  body: Uint8Array;
}

/**
 * Reads the page header at `offset` of a column chunk's bytes and checks it:
 * known page type and encodings, sizes that fit the chunk, the CRC when one
 * is stored and `verify` is on. Returns the page and the next offset.
 */
export function readPage(
  bytes: Uint8Array,
  offset: number,
  verify: boolean,
): { page: RawPage; next: number } {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset };
  let header: PageHeader;
  try {
    header = parquetHeader(reader);
  } catch (e) {
    throw new ParquetCorrupt(
      `unreadable page header at byte ${offset} of the column chunk (${(e as Error).message})`,
    );
  }
  if (reader.offset > bytes.length) {
    throw new ParquetCorrupt(`page header at byte ${offset} runs past the column chunk`);
  }
  if (!PAGE_TYPES.has(header.type)) {
    throw new ParquetCorrupt(`unknown page type ${String(header.type)}`);
  }
  const size = count("compressed_page_size", header.compressed_page_size);
  count("uncompressed_page_size", header.uncompressed_page_size);
  if (reader.offset + size > bytes.length) {
    throw new ParquetCorrupt(
      `page of ${size} bytes at byte ${reader.offset} runs past the column chunk's ${bytes.length} bytes`,
    );
  }
  const h = header.data_page_header ?? header.data_page_header_v2 ?? header.dictionary_page_header;
  if (header.type !== "INDEX_PAGE") {
    if (!h) throw new ParquetCorrupt(`${header.type} without its header`);
    count("num_values", h.num_values);
    if (!ENCODINGS.has(h.encoding)) {
      throw new ParquetCorrupt(`unknown encoding ${String(h.encoding)} in a ${header.type}`);
    }
  }
  if (header.type === "DICTIONARY_PAGE" && !/^PLAIN(_DICTIONARY)?$/.test(h!.encoding)) {
    throw new ParquetCorrupt(`dictionary page encoded as ${h!.encoding} (only PLAIN is valid)`);
  }
  const body = bytes.subarray(reader.offset, reader.offset + size);
  if (verify && typeof header.crc === "number") {
    const crc = (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(body) | 0;
    if (crc !== header.crc) {
      throw new ParquetCorrupt(
        `page CRC mismatch at byte ${offset} of the column chunk (stored ${
          header.crc >>> 0
        }, computed ${crc >>> 0}); the page is corrupt`,
      );
    }
  }
  return { page: { header, body }, next: reader.offset + size };
}

type Native = (b: Uint8Array, o: { maxOutputLength: number; chunkSize: number }) => Uint8Array;
const z = zlib as unknown as Record<string, Native | undefined>;
const NATIVE: Partial<Record<CompressionCodec, Native | undefined>> = {
  GZIP: z.gunzipSync,
  ZSTD: z.zstdDecompressSync,
  BROTLI: z.brotliDecompressSync,
};

/** Snappy's declared length (its leading varint). */
function snappyLength(input: Uint8Array): number {
  let v = 0;
  for (let i = 0, shift = 0; i < 5 && i < input.length; i++, shift += 7) {
    v += (input[i] & 0x7f) * 2 ** shift;
    if (!(input[i] & 0x80)) return v;
  }
  return -1;
}

/**
 * Decompresses one page body into exactly `size` bytes. Natively decoded
 * codecs stop at `size` (`maxOutputLength`), so a lying header cannot make
 * them allocate more than the data produces; the others (Snappy, LZ4) first
 * check `size` against their largest possible expansion.
 */
export function decompress(codec: CompressionCodec, input: Uint8Array, size: number): Uint8Array {
  if (codec === "UNCOMPRESSED") {
    if (input.length !== size) {
      throw new ParquetCorrupt(
        `uncompressed page holds ${input.length} bytes but its header says ${size}`,
      );
    }
    return input;
  }
  if (size === 0 && input.length === 0) return input;
  let out: Uint8Array;
  const native = NATIVE[codec];
  try {
    if (native) {
      // One output chunk of the declared size (capped at 8 MiB, so a lying
      // header cannot make it allocate more): no concatenation of 16 KiB pieces.
      out = native(input, {
        maxOutputLength: Math.max(size, 1),
        chunkSize: Math.min(Math.max(size, 64), 8 << 20),
      });
    } else {
      const fn = fallback[codec];
      if (!fn) throw new ParquetCorrupt(`compression codec ${codec} is not supported`);
      // Snappy expands at most 64 bytes per 3-byte copy; LZ4 at most ~255× per byte.
      const limit = codec === "SNAPPY" ? input.length * 22 + 64 : input.length * 256 + 64;
      if (size > limit || (codec === "SNAPPY" && snappyLength(input) !== size)) {
        throw new ParquetCorrupt(
          `${codec} page of ${input.length} bytes cannot hold the ${size} bytes its header declares`,
        );
      }
      out = fn(input, size);
    }
  } catch (e) {
    if (e instanceof ParquetCorrupt) throw e;
    throw new ParquetCorrupt(
      `${codec} page of ${input.length} bytes does not decompress to the ${size} bytes ` +
        `its header declares (${(e as Error).message})`,
    );
  }
  if (out.length !== size) {
    throw new ParquetCorrupt(
      `${codec} page decompressed to ${out.length} bytes, its header declares ${size}`,
    );
  }
  // Node Buffers may be views into a shared pool: own the bytes (a Buffer's
  // own slice() is a view, so copy through the Uint8Array constructor).
  if (out.byteOffset !== 0 || out.buffer.byteLength !== out.length) out = new Uint8Array(out);
  return out;
}

/**
 * Unpacks bit-packed values [i, stop) of `width` ≤ 24 bits from `pos`. Its own
 * function, called per run: V8 optimises it by call count instead of
 * on-stack replacement, which deoptimises on every exit of an inner loop.
 */
function unpack(
  bytes: Uint8Array,
  pos: number,
  width: number,
  mask: number,
  out: Int32Array | Uint8Array,
  i: number,
  stop: number,
): void {
  let p = pos;
  if (width === 1) {
    // Levels of optional and repeated fields: eight values per byte, unrolled.
    for (; i + 8 <= stop; i += 8) {
      const b = bytes[p++];
      out[i] = b & 1;
      out[i + 1] = (b >> 1) & 1;
      out[i + 2] = (b >> 2) & 1;
      out[i + 3] = (b >> 3) & 1;
      out[i + 4] = (b >> 4) & 1;
      out[i + 5] = (b >> 5) & 1;
      out[i + 6] = (b >> 6) & 1;
      out[i + 7] = b >> 7;
    }
  } else {
    // Dictionary indices: each group of 8 values is `width` bytes; read each
    // value from one 32-bit little-endian window (no branches), while the
    // window stays inside the array (V8 must never read past it).
    const limit = bytes.length - width - 3;
    for (; i + 8 <= stop && p <= limit; i += 8, p += width) {
      for (let j = 0, bit = 0; j < 8; j++, bit += width) {
        const b = p + (bit >> 3);
        const w = bytes[b] | (bytes[b + 1] << 8) | (bytes[b + 2] << 16) | (bytes[b + 3] << 24);
        out[i + j] = (w >>> (bit & 7)) & mask;
      }
    }
  }
  let buf = 0;
  let bits = 0;
  while (i < stop) {
    if (bits < width) {
      buf |= bytes[p++] << bits;
      bits += 8;
      if (bits < width) {
        buf |= bytes[p++] << bits;
        bits += 8;
        if (bits < width) {
          buf |= bytes[p++] << bits;
          bits += 8;
        }
      }
    }
    out[i++] = buf & mask;
    buf >>>= width;
    bits -= width;
  }
}

/** Unpacks values wider than 24 bits, which overflow a 32-bit bit buffer. */
function unpackWide(
  bytes: Uint8Array,
  pos: number,
  width: number,
  out: Int32Array | Uint8Array,
  i: number,
  stop: number,
): void {
  let bitPos = pos * 8;
  while (i < stop) {
    let v = 0;
    for (let bit = 0; bit < width; bit++, bitPos++) {
      if ((bytes[bitPos >> 3] >> (bitPos & 7)) & 1) v += 2 ** bit;
    }
    out[i++] = v;
  }
}

/**
 * Decodes parquet's RLE / bit-packed hybrid into `out` (count = out.length)
 * straight from bytes [pos, end); returns the position after it. Running out
 * of bytes before `out` is full is an error (never silent zeros).
 */
export function hybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Int32Array | Uint8Array,
): number {
  const count = out.length;
  if (width > 32) throw new ParquetCorrupt(`bit width ${width} is over 32`);
  const mask = width === 32 ? -1 : (1 << width) - 1;
  const byteWidth = (width + 7) >> 3;
  let i = 0;
  while (i < count) {
    if (pos >= end) {
      throw new ParquetCorrupt(`RLE/bit-packed data ends after ${i} of ${count} values`);
    }
    let header = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[pos++];
      header |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (header & 1) {
      const groups = header >>> 1;
      const stop = Math.min(count, i + groups * 8);
      if (pos + Math.ceil((stop - i) * width / 8) > end) {
        throw new ParquetCorrupt(`bit-packed run runs past its data (${end - pos} bytes left)`);
      }
      if (width > 24) unpackWide(bytes, pos, width, out, i, stop);
      else unpack(bytes, pos, width, mask, out, i, stop);
      i = stop;
      pos += groups * width;
    } else {
      const run = header >>> 1;
      if (pos + byteWidth > end) throw new ParquetCorrupt("RLE run runs past its data");
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v |= bytes[pos++] << (8 * k);
      const stop = Math.min(count, i + run);
      out.fill(v, i, stop);
      i = stop;
    }
  }
  return pos;
}

/** The bit width of levels up to `max`. */
export function levelWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}
