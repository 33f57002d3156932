/**
 * The Parquet footer, read and validated against the file before anything
 * is allocated from it: magic bytes, metadata length, the schema tree, and
 * every column chunk's path, type, codec, offsets and sizes.
 * @module
 */
import type { ColumnMetaData, FileMetaData } from "hyparquet";
import { parquetMetadata } from "hyparquet";
import type { RandomAccess } from "./_source.ts";
import { ParquetError } from "./parquet_error.ts";
import { ParquetCorrupt } from "./_parquet_pages.ts";
import { leavesOf, type SchemaNode, schemaTree } from "./_parquet_schema.ts";

const CODECS = new Set([
  "UNCOMPRESSED",
  "SNAPPY",
  "GZIP",
  "LZO",
  "BROTLI",
  "LZ4",
  "ZSTD",
  "LZ4_RAW",
]);

/** A validated footer. */
export interface Footer {
  metadata: FileMetaData;
  /** Top-level schema nodes. */
  top: SchemaNode[];
  /** Leaves in column order. */
  leaves: SchemaNode[];
  /** Rows in each row group. */
  groupRows: number[];
}

function int(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new ParquetCorrupt(`${what} is ${String(v)}`);
  }
  return n;
}

/** The byte range [start, end) of a column chunk, checked to lie in the data part of the file. */
export function chunkRange(meta: ColumnMetaData, dataEnd: number): [number, number] {
  const data = int(meta.data_page_offset, "data_page_offset", dataEnd);
  const dict = meta.dictionary_page_offset === undefined
    ? 0
    : int(meta.dictionary_page_offset, "dictionary_page_offset", dataEnd);
  const start = dict > 0 && dict < data ? dict : data;
  const size = int(meta.total_compressed_size, "total_compressed_size", dataEnd);
  const empty = size === 0 && Number(meta.num_values) === 0;
  if (start < 4 || (size === 0 && !empty) || start + size > dataEnd) {
    throw new ParquetCorrupt(
      `column chunk at bytes ${start}–${start + size} (total_compressed_size ${size}) ` +
        `lies outside the file's data (bytes 4–${dataEnd})`,
    );
  }
  return [start, start + size];
}

/**
 * Reads and validates the footer of an open file. `given`: footer metadata
 * already read (a many-file dataset passes it with only the row groups to
 * read); it is validated the same way, against this file's size.
 */
export async function readFooter(
  file: RandomAccess,
  name: string,
  given?: FileMetaData,
): Promise<Footer> {
  const size = file.byteLength;
  const fail = (problem: string, where: { rowGroup?: number; column?: string } = {}, e?: unknown) =>
    new ParquetError(name, problem, where, e);
  let metadata: FileMetaData;
  let dataEnd: number;
  if (given) {
    metadata = given;
    const length = Number(given.metadata_length);
    if (!(Number.isInteger(length) && length > 0 && length <= size - 12)) {
      throw fail(
        `the given footer declares ${length} bytes of metadata in a file of ${size} bytes`,
      );
    }
    dataEnd = size - 8 - length;
  } else {
    if (size < 12) {
      throw fail(`the file has ${size} bytes; a Parquet file needs at least 12 (PAR1 … PAR1)`);
    }
    const tail = await file.read(size - 8, size);
    const head = await file.read(0, 4);
    const magic = (b: Uint8Array) => String.fromCharCode(...b);
    if (magic(tail.subarray(4)) !== "PAR1" || magic(head) !== "PAR1") {
      const m = magic(tail.subarray(4)) === "PARE" ? " (encrypted footers are not supported)" : "";
      throw fail(`not a Parquet file: no PAR1 magic at its start and end${m}`);
    }
    const length = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
    if (length === 0 || length > size - 12) {
      throw fail(`the footer declares ${length} bytes of metadata in a file of ${size} bytes`);
    }
    dataEnd = size - 8 - length;
    const bytes = await file.read(dataEnd, size);
    try {
      metadata = parquetMetadata(bytes, { geoparquet: false });
    } catch (e) {
      throw fail(`the footer metadata is corrupt (${(e as Error).message})`, {}, e);
    }
  }
  let top: SchemaNode[];
  try {
    top = schemaTree(metadata.schema);
  } catch (e) {
    throw fail((e as Error).message, {}, e);
  }
  const leaves = top.flatMap(leavesOf);
  const groupRows: number[] = [];
  let total = 0;
  for (let g = 0; g < (metadata.row_groups ?? []).length; g++) {
    const group = metadata.row_groups[g];
    let column: string | undefined;
    try {
      const rows = int(group.num_rows, "the row group's num_rows");
      if (group.columns.length !== leaves.length) {
        throw new ParquetCorrupt(
          `the row group has ${group.columns.length} column chunks, the schema ${leaves.length} leaves`,
        );
      }
      for (let c = 0; c < leaves.length; c++) {
        const leaf = leaves[c];
        column = leaf.path.join(".");
        const meta = group.columns[c].meta_data;
        if (group.columns[c].file_path) {
          throw new ParquetCorrupt(`column data in another file ("${group.columns[c].file_path}")`);
        }
        if (!meta) throw new ParquetCorrupt("the column chunk has no metadata");
        const path = (meta.path_in_schema ?? []).join(".");
        if (path !== column) {
          throw new ParquetCorrupt(
            `the column chunk's path_in_schema is "${path}", the schema's leaf is "${column}"`,
          );
        }
        if (meta.type !== leaf.el.type) {
          throw new ParquetCorrupt(
            `the column chunk's type ${meta.type} differs from the schema's ${leaf.el.type}`,
          );
        }
        if (!CODECS.has(meta.codec)) {
          throw new ParquetCorrupt(`unknown compression codec ${String(meta.codec)}`);
        }
        const values = int(meta.num_values, "num_values");
        if (rows === 0 && values > 0) {
          throw new ParquetCorrupt(
            `the row group declares 0 rows but the column chunk holds ${values} values`,
          );
        }
        if (leaf.rep === 0 && values !== rows) {
          throw new ParquetCorrupt(
            `the column chunk holds ${values} values, the row group declares ${rows} rows`,
          );
        }
        chunkRange(meta, dataEnd);
      }
      groupRows.push(rows);
      total += rows;
    } catch (e) {
      throw fail((e as Error).message, { rowGroup: g, column }, e);
    }
  }
  let declared: number;
  try {
    declared = int(metadata.num_rows, "the file's num_rows");
  } catch (e) {
    throw fail((e as Error).message, {}, e);
  }
  // A given footer may keep only some row groups.
  if (declared !== total && !given) {
    throw fail(`the footer declares ${declared} rows, its row groups hold ${total}`);
  }
  return { metadata, top, leaves, groupRows };
}
