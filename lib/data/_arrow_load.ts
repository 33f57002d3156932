/**
 * Loading checked Arrow IPC bodies: VectorLoaders that refuse missing or
 * lying field nodes and buffer ranges, checked decompression (LZ4 frame,
 * ZSTD) of compressed bodies, and the decoder that builds record batches
 * and dictionaries from checked messages.
 * @module
 */
import * as zlib from "node:zlib";
import {
  compressionRegistry,
  type Data,
  type DataType,
  type Field,
  makeData,
  Message,
  MessageHeader,
  RecordBatch,
  type Schema,
  Struct,
  Vector,
} from "apache-arrow";
import {
  BufferRegion,
  type DictionaryBatch as DictionaryHeader,
  type RecordBatch as BatchHeader,
} from "apache-arrow/ipc/metadata/message";
import { CompressedVectorLoader, VectorLoader } from "apache-arrow/visitor/vectorloader";
import lz4 from "lz4js";
import { lz4Decode, registerArrowCodecs, zstdDecode } from "./_arrow_codecs.ts";
import { checkData } from "./_arrow_check.ts";
import { fault, isCount } from "./_arrow_ipc.ts";

type Zstd = {
  zstdDecompressSync?: (b: Uint8Array, o?: { maxOutputLength?: number }) => Uint8Array;
};
const zstd = (zlib as Zstd).zstdDecompressSync;

type Node = { length: number; nullCount: number };
/** The loader's state, private in apache-arrow's typings. */
type LoaderState = {
  nodes: Node[];
  buffers: BufferRegion[];
  bytes: Uint8Array;
  nodesIndex: number;
  buffersIndex: number;
};
const state = (loader: unknown) => loader as LoaderState;

/** VectorLoader that refuses missing or lying field nodes and buffer ranges. */
class CheckedLoader extends VectorLoader {
  override nextFieldNode(): Node {
    return checkedNode(super.nextFieldNode() as Node | undefined, state(this));
  }
  override nextBufferRange(): BufferRegion {
    const s = state(this);
    const range = super.nextBufferRange() as BufferRegion | undefined;
    if (!range) fault(`has ${s.buffers.length} buffers, fewer than the schema needs`);
    checkRange(range, s.bytes.length, s.buffersIndex);
    return range;
  }
}

function checkedNode(node: Node | undefined, s: LoaderState): Node {
  if (!node) fault(`has ${s.nodes.length} field nodes, fewer than the schema needs`);
  if (!isCount(node.length)) fault(`field node ${s.nodesIndex} has length ${node.length}`);
  if (!Number.isSafeInteger(node.nullCount) || node.nullCount < 0 || node.nullCount > node.length) {
    fault(
      `field node ${s.nodesIndex} has null count ${node.nullCount} for length ${node.length}`,
    );
  }
  return node;
}

/** The same over decompressed buffers (one array entry per buffer). */
class CheckedCompressedLoader extends CompressedVectorLoader {
  override nextFieldNode(): Node {
    return checkedNode(super.nextFieldNode() as Node | undefined, state(this));
  }
  override nextBufferRange(): BufferRegion {
    const range = super.nextBufferRange() as BufferRegion | undefined;
    if (!range) fault(`has ${state(this).buffers.length} buffers, fewer than the schema needs`);
    return range;
  }
}

function checkRange(range: BufferRegion, bodyLength: number, index: number) {
  const { offset, length } = range;
  if (!isCount(offset) || !isCount(length) || offset + length > bodyLength) {
    fault(
      `buffer ${index} (offset ${offset}, length ${length}) lies outside the ${bodyLength}-byte body`,
    );
  }
}

const LENGTH_NO_COMPRESSION = -1n;
const LZ4_BLOCK_MAX: Record<number, number> = { 4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22 };

/**
 * Walks an LZ4 frame's block headers as lz4js will (it trusts them: a lying
 * block size makes it loop for billions of steps): every block must fit in
 * the bytes and in the frame's block size.
 */
function checkLz4Frame(src: Uint8Array, buffer: number) {
  const bad = (what: string): never => fault(`LZ4 buffer ${buffer}: ${what}`);
  const u32 = (at: number) =>
    (src[at] | (src[at + 1] << 8) | (src[at + 2] << 16) | (src[at + 3] << 24)) >>> 0;
  if (src.length < 7 || u32(0) !== 0x184d2204) bad("not an LZ4 frame (magic)");
  const flags = src[4];
  if ((flags & 0xc0) !== 0x40) bad(`unsupported frame version (flags ${flags})`);
  const max = LZ4_BLOCK_MAX[(src[5] >> 4) & 7];
  if (!max) bad(`invalid block size code ${(src[5] >> 4) & 7}`);
  let at = 6 + (flags & 0x08 ? 8 : 0) + 1;
  while (true) {
    if (at + 4 > src.length) bad(`block header at ${at} runs past the ${src.length} bytes`);
    const size = u32(at) & 0x7fffffff;
    at += 4;
    if (size === 0) return;
    if (flags & 0x10) at += 4; // lz4js skips the block checksum here
    if (size > max || at + size > src.length) {
      bad(`block of ${size} bytes at ${at} does not fit (${src.length} bytes, blocks ≤ ${max})`);
    }
    at += size;
  }
}

function decompress(header: BatchHeader, body: Uint8Array): {
  buffers: Uint8Array[];
  regions: BufferRegion[];
} {
  const type = header.compression!.type;
  const codec = compressionRegistry.get(type);
  if (!codec?.decode) fault(`compressed with codec ${type}, which has no decoder registered`);
  const buffers: Uint8Array[] = [];
  const regions: BufferRegion[] = [];
  let at = 0;
  header.buffers.forEach((range, i) => {
    checkRange(range, body.length, i);
    if (range.length === 0) {
      buffers.push(new Uint8Array(0));
      regions.push(new BufferRegion(at, 0));
      return;
    }
    if (range.length < 8) fault(`compressed buffer ${i} is ${range.length} bytes, under 8`);
    const bytes = body.subarray(range.offset, range.offset + range.length);
    const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true);
    let out: Uint8Array;
    if (declared === LENGTH_NO_COMPRESSION) {
      out = bytes.subarray(8);
    } else {
      if (declared < 0n || declared > BigInt(Number.MAX_SAFE_INTEGER)) {
        fault(`compressed buffer ${i} declares ${declared} bytes uncompressed`);
      }
      const src = bytes.subarray(8);
      // apache-arrow's JS writer (21.x) stores the compressed length here
      // instead of the uncompressed one; then only a bound applies.
      const exact = Number(declared) !== src.length;
      const n = exact ? Number(declared) : 2 ** 31 - 1;
      if (codec.decode === lz4Decode) {
        // LZ4 expands at most ~255:1; lz4js allocates the size it is given.
        const cap = src.length * 256 + 64;
        const size = exact ? n : Math.min(lz4.decompressBound(src), cap);
        if (size > cap) {
          fault(`LZ4 buffer ${i} declares ${size} bytes from ${src.length} compressed`);
        }
        checkLz4Frame(src, i);
        out = Uint8Array.from(lz4.decompress(src, size));
      } else if (codec.decode === zstdDecode) {
        out = new Uint8Array(zstd!(src, { maxOutputLength: Math.max(n, 1) }));
      } else {
        out = codec.decode!(src);
      }
      if (exact && out.length !== n) {
        fault(`compressed buffer ${i} declares ${n} bytes but decodes to ${out.length}`);
      }
    }
    buffers.push(out);
    at += ((at + 7) & ~7) - at;
    regions.push(new BufferRegion(at, out.length));
    at += out.length;
  });
  return { buffers, regions };
}

/** Builds checked record batches and dictionaries from checked messages. */
export class IpcDecoder {
  /** The dictionaries read so far, by id. */
  readonly dictionaries = new Map<number, Vector>();
  /** @param schema The file's or stream's schema. */
  constructor(readonly schema: Schema) {
    registerArrowCodecs();
  }

  #load(header: BatchHeader, body: Uint8Array, types: (Field | DataType)[]): Data[] {
    const version = this.schema.metadataVersion;
    const counts = header.variadicBufferCounts ?? [];
    let loader: CheckedLoader | CheckedCompressedLoader;
    if (header.compression != null) {
      const { buffers, regions } = decompress(header, body);
      loader = new CheckedCompressedLoader(
        buffers,
        header.nodes,
        regions,
        this.dictionaries,
        version,
        counts,
      );
    } else {
      loader = new CheckedLoader(
        body,
        header.nodes,
        header.buffers,
        this.dictionaries,
        version,
        counts,
      );
    }
    const out = loader.visitMany(types) as Data[];
    const used = state(loader);
    if (used.nodesIndex + 1 !== header.nodes.length) {
      fault(`has ${header.nodes.length} field nodes, the schema uses ${used.nodesIndex + 1}`);
    }
    if (used.buffersIndex + 1 !== header.buffers.length) {
      fault(`has ${header.buffers.length} buffers, the schema uses ${used.buffersIndex + 1}`);
    }
    return out;
  }

  /** Reads a dictionary batch into the dictionaries. */
  dictionary(header: DictionaryHeader, body: Uint8Array): void {
    const id = header.id;
    const type = this.schema.dictionaries.get(id);
    if (!type) fault(`dictionary batch id ${id} is not in the schema`);
    if (!isCount(header.data.length)) fault(`dictionary batch length ${header.data.length}`);
    const [data] = this.#load(header.data, body, [type]);
    if (data.length !== header.data.length) {
      fault(`dictionary ${id} has ${data.length} values, its batch says ${header.data.length}`);
    }
    checkData(data, `dictionary ${id}`);
    const old = this.dictionaries.get(id);
    const vector = old && header.isDelta ? old.concat(new Vector([data])) : new Vector([data]);
    this.dictionaries.set(id, vector.memoize());
  }

  /** Reads one record batch. */
  batch(header: BatchHeader, body: Uint8Array, meta?: Map<string, string>): RecordBatch {
    const length = header.length;
    if (!isCount(length)) fault(`record batch length ${length} is invalid`);
    const fields = this.schema.fields;
    const children = this.#load(header, body, fields);
    children.forEach((c, i) => {
      if (c.length !== length) {
        fault(`column "${fields[i].name}" has ${c.length} rows, the batch says ${length}`);
      }
      checkData(c, `column "${fields[i].name}"`);
    });
    const data = makeData({ type: new Struct(fields), length, children });
    return new RecordBatch(this.schema, data, meta);
  }

  /** Reads a checked message of either kind; returns the batch for record batches. */
  message(message: Message, body: Uint8Array): RecordBatch | null {
    if (message.headerType === MessageHeader.DictionaryBatch) {
      this.dictionary(message.header() as DictionaryHeader, body);
      return null;
    }
    return this.batch(message.header() as BatchHeader, body, message.metadata);
  }
}
