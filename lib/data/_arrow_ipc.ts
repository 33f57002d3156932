/**
 * A checked Arrow IPC reader: memkit frames the file and stream formats
 * itself (footer, blocks, message prefixes, lengths) and validates every
 * length, offset and count against the real size and the format's
 * invariants before apache-arrow's VectorLoader builds vectors over the
 * bytes; the decoded data is then checked again (buffer sizes for each
 * length, offsets inside their data, dictionary indices inside the
 * dictionary, child lengths). Every failure becomes one ArrowFormatError
 * naming the file, batch and byte offset.
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
  Type,
  UnionMode,
  Vector,
} from "apache-arrow";
import { Footer } from "apache-arrow/ipc/metadata/file";
import {
  BufferRegion,
  type DictionaryBatch as DictionaryHeader,
  type RecordBatch as BatchHeader,
} from "apache-arrow/ipc/metadata/message";
import { CompressedVectorLoader, VectorLoader } from "apache-arrow/visitor/vectorloader";
import lz4 from "lz4js";
import { ArrowFormatError } from "./arrow_format_error.ts";
import { lz4Decode, registerArrowCodecs, zstdDecode } from "./_arrow_codecs.ts";
import { verifyFooter, verifyMessage } from "./_arrow_fb.ts";

type Zstd = {
  zstdDecompressSync?: (b: Uint8Array, o?: { maxOutputLength?: number }) => Uint8Array;
};
const zstd = (zlib as Zstd).zstdDecompressSync;

/** "ARROW1" */
export const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
/** Largest message metadata accepted from a stream of unknown size. */
const MAX_METADATA = 256 << 20;

/** A fault found while checking; restated as ArrowFormatError with the file by the caller. */
export class IpcFault extends Error {
  /** Byte offset of the fault when known. */
  offset?: number;
  /** Batch index when known. */
  batch?: number;
  /** @param message What is wrong. @param where Offset and batch. */
  constructor(message: string, where: { offset?: number; batch?: number } = {}) {
    super(message);
    this.offset = where.offset;
    this.batch = where.batch;
  }
}

/** Restates any error as an ArrowFormatError naming the file (abort reasons pass through). */
export function restate(
  e: unknown,
  file: string,
  where: { batch?: number; offset?: number } = {},
  signal?: AbortSignal,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (e instanceof ArrowFormatError) return e;
  if (e instanceof IpcFault) {
    return new ArrowFormatError(file, e.message, {
      batch: e.batch ?? where.batch,
      offset: e.offset ?? where.offset,
    });
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new ArrowFormatError(file, `invalid data (${msg})`, { ...where, cause: e });
}

function fault(what: string, where: { offset?: number; batch?: number } = {}): never {
  throw new IpcFault(what, where);
}

const isCount = (n: unknown): n is number =>
  typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

function int32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(at, true);
}

/** Metadata of one message, decoded and checked. */
export interface IpcMessage {
  /** Schema, DictionaryBatch or RecordBatch. */
  type: MessageHeader;
  /** The decoded message. */
  message: Message;
  /** Body length in bytes. */
  bodyLength: number;
}

/**
 * Decodes a message's flatbuffer metadata and checks its type and body length.
 * @param meta The metadata bytes (after the prefix).
 * @param offset Where the message starts, for errors.
 * @param room Bytes available for the body when known.
 */
export function decodeMessage(meta: Uint8Array, offset: number, room?: number): IpcMessage {
  let message: Message;
  let type: MessageHeader;
  let bodyLength: number;
  const bad = verifyMessage(meta);
  if (bad) fault(`message metadata is malformed: ${bad}`, { offset });
  try {
    message = Message.decode(meta);
    type = message.headerType;
    bodyLength = message.bodyLength;
  } catch (e) {
    fault(`message metadata does not decode (${(e as Error).message})`, { offset });
  }
  if (
    type !== MessageHeader.Schema && type !== MessageHeader.DictionaryBatch &&
    type !== MessageHeader.RecordBatch
  ) {
    fault(`message header type ${type} is not a schema, dictionary or record batch`, { offset });
  }
  if (!isCount(bodyLength)) fault(`message body length ${bodyLength} is invalid`, { offset });
  if (room !== undefined && bodyLength > room) {
    fault(`message body length ${bodyLength} runs past the end (${room} bytes left)`, { offset });
  }
  return { type, message, bodyLength };
}

/**
 * Parses a message prefix: continuation marker and metadata length (or the
 * legacy bare length). Returns 0 for end of stream.
 */
export function prefixOf(head: Uint8Array, offset: number): { prefix: number; metaLength: number } {
  const first = int32(head, 0);
  if (first !== -1) return { prefix: 4, metaLength: checkMeta(first, offset) };
  if (head.length < 8) fault("truncated message prefix", { offset });
  return { prefix: 8, metaLength: checkMeta(int32(head, 4), offset) };
}

function checkMeta(n: number, offset: number): number {
  if (n < 0 || n > MAX_METADATA) fault(`message metadata length ${n} is invalid`, { offset });
  return n;
}

/** One block of the file footer. */
export interface Block {
  /** Where the message starts. */
  offset: number;
  /** Prefix plus metadata length. */
  metaDataLength: number;
  /** Body length. */
  bodyLength: number;
}

/** The checked footer of an IPC file. */
export interface FileLayout {
  /** The schema. */
  schema: Schema;
  /** Dictionary blocks in footer order. */
  dictionaries: Block[];
  /** Record batch blocks in footer order. */
  batches: Block[];
}

/**
 * Checks the 10-byte trailer (footer length, magic) of a file of `size` bytes
 * and returns where the footer starts and its length.
 */
export function parseTrailer(tail: Uint8Array, size: number): { start: number; length: number } {
  if (!MAGIC.every((b, i) => tail[4 + i] === b)) {
    fault("starts with the ARROW1 magic but does not end with it (truncated file?)", {
      offset: size - 6,
    });
  }
  const length = int32(tail, 0);
  if (length <= 0 || length > size - 18) {
    fault(`footer length ${length} does not fit in the file (${size} bytes)`, {
      offset: size - 10,
    });
  }
  return { start: size - 10 - length, length };
}

/**
 * Decodes the footer and checks every block: inside the data region, not
 * overlapping another block (so no block is read twice).
 */
export function parseFooter(bytes: Uint8Array, footerStart: number): FileLayout {
  let footer: ReturnType<typeof Footer.decode>;
  let schema: Schema;
  let nd: number, nb: number;
  const bad = verifyFooter(bytes);
  if (bad) fault(`footer is malformed: ${bad}`, { offset: footerStart });
  try {
    footer = Footer.decode(bytes);
    schema = footer.schema;
    nd = footer.numDictionaries;
    nb = footer.numRecordBatches;
  } catch (e) {
    fault(`footer does not decode (${(e as Error).message})`, { offset: footerStart });
  }
  if (!schema || !Array.isArray(schema.fields)) {
    fault("footer has no schema", { offset: footerStart });
  }
  if (!isCount(nd) || !isCount(nb) || (nd + nb) * 24 > bytes.length) {
    fault(`footer lists ${nb} record batches and ${nd} dictionaries, more than it can hold`, {
      offset: footerStart,
    });
  }
  const read = (get: (i: number) => unknown, n: number, what: string): Block[] => {
    const out: Block[] = [];
    for (let i = 0; i < n; i++) {
      let b: { offset: number; metaDataLength: number; bodyLength: number };
      try {
        b = get(i) as typeof b;
      } catch (e) {
        fault(`footer ${what} block ${i} does not decode (${(e as Error).message})`, {
          offset: footerStart,
        });
      }
      if (!b) fault(`footer ${what} block ${i} is missing`, { offset: footerStart });
      const { offset, metaDataLength, bodyLength } = b;
      if (!isCount(offset) || !isCount(metaDataLength) || !isCount(bodyLength)) {
        fault(
          `footer ${what} block ${i} is invalid (offset ${offset}, metadata ${metaDataLength}, body ${bodyLength})`,
          { offset: footerStart },
        );
      }
      if (offset < 8 || metaDataLength < 8 || offset + metaDataLength + bodyLength > footerStart) {
        fault(
          `footer ${what} block ${i} (offset ${offset}, metadata ${metaDataLength}, body ${bodyLength}) ` +
            `lies outside the data region [8, ${footerStart})`,
          { offset: footerStart, batch: what === "record batch" ? i : undefined },
        );
      }
      out.push({ offset, metaDataLength, bodyLength });
    }
    return out;
  };
  const dictionaries = read((i) => footer.getDictionaryBatch(i), nd, "dictionary");
  const batches = read((i) => footer.getRecordBatch(i), nb, "record batch");
  const all = [...dictionaries, ...batches].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1];
    if (all[i].offset < prev.offset + prev.metaDataLength + prev.bodyLength) {
      fault(`footer blocks at bytes ${prev.offset} and ${all[i].offset} overlap`, {
        offset: footerStart,
      });
    }
  }
  return { schema, dictionaries, batches };
}

/**
 * Checks one block's message against the block: prefix, metadata length,
 * type, body length. `bytes` holds the whole block.
 */
export function blockMessage(
  bytes: Uint8Array,
  block: Block,
  want: MessageHeader,
  batch?: number,
): { message: Message; body: Uint8Array } {
  const offset = block.offset;
  const { prefix, metaLength } = prefixOf(bytes, offset);
  if (prefix + metaLength !== block.metaDataLength) {
    fault(
      `message metadata length ${metaLength} (+${prefix} prefix) disagrees with the footer's ${block.metaDataLength}`,
      { offset, batch },
    );
  }
  const m = decodeMessage(bytes.subarray(prefix, prefix + metaLength), offset);
  const name = want === MessageHeader.RecordBatch ? "record batch" : "dictionary batch";
  if (m.type !== want) {
    fault(`the footer points at a message of type ${m.type}, not a ${name}`, { offset, batch });
  }
  if (m.bodyLength !== block.bodyLength) {
    fault(`message body length ${m.bodyLength} disagrees with the footer's ${block.bodyLength}`, {
      offset,
      batch,
    });
  }
  const start = block.metaDataLength;
  return { message: m.message, body: bytes.subarray(start, start + block.bodyLength) };
}

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

type AnyArray = ArrayLike<number | bigint> & { length: number; byteLength: number };

/** Checks decoded data (and children) against its buffers. */
export function checkData(d: Data, what: string): void {
  const len = d.offset + d.length;
  const t = d.type as DataType;
  const nullCount = (d as unknown as { _nullCount: number })._nullCount;
  const bitmap = d.nullBitmap as Uint8Array | undefined;
  if (nullCount > 0 && t.typeId !== Type.Null) {
    if (!bitmap || bitmap.length * 8 < len) {
      fault(
        `${what}: ${nullCount} nulls but a validity buffer of ${
          bitmap?.length ?? 0
        } bytes for ${len} rows`,
      );
    }
  }
  const values = d.values as AnyArray | undefined;
  const need = (n: number, have: number, unit: string) => {
    if (have < n) fault(`${what}: ${len} rows need ${n} ${unit}, the buffer has ${have}`);
  };
  switch (t.typeId) {
    case Type.Null:
      return;
    case Type.Bool:
      need(Math.ceil(len / 8), values?.byteLength ?? 0, "bytes");
      return;
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      checkOffsets(d, what, values?.length ?? 0, "data bytes");
      return;
    case Type.Utf8View:
    case Type.BinaryView:
      checkViews(d, what);
      return;
    case Type.List:
    case Type.LargeList:
    case Type.Map:
      checkOffsets(d, what, d.children[0]?.length ?? 0, "child values");
      checkData(d.children[0], `${what} values`);
      return;
    case Type.FixedSizeList: {
      const size = (t as unknown as { listSize: number }).listSize;
      need(len * size, d.children[0]?.length ?? 0, "child values");
      checkData(d.children[0], `${what} values`);
      return;
    }
    case Type.Struct:
      d.children.forEach((c, i) => {
        need(len, c.length, `rows in child ${i}`);
        checkData(c, `${what}.${(t as Struct).children[i].name}`);
      });
      return;
    case Type.Union:
      checkUnion(d, what);
      return;
    case Type.Dictionary: {
      need(len * d.stride, values?.length ?? 0, "index values");
      const dict = d.dictionary as Vector | undefined;
      if (!dict) fault(`${what}: dictionary ${(t as unknown as { id: number }).id} was never sent`);
      const n = dict.length;
      for (let i = d.offset; i < len; i++) {
        if (bitmap && bitmap.length > 0 && nullCount !== 0 && !((bitmap[i >> 3] >> (i & 7)) & 1)) {
          continue;
        }
        const k = Number(values![i]);
        if (!(k >= 0 && k < n)) {
          fault(
            `${what}: row ${
              i - d.offset
            } has dictionary index ${k}, the dictionary has ${n} values`,
          );
        }
      }
      return;
    }
    default:
      // Fixed-width: ints, floats, decimals, dates, times, timestamps, intervals, durations, fixed binary.
      need(len * d.stride, values?.length ?? 0, "values");
  }
}

function checkOffsets(d: Data, what: string, dataLength: number, unit: string) {
  const len = d.offset + d.length;
  const offsets = d.valueOffsets as AnyArray | undefined;
  if (len === 0) return;
  if (!offsets || offsets.length < len + 1) {
    fault(
      `${what}: ${d.length} rows need ${len + 1} offsets, the buffer has ${offsets?.length ?? 0}`,
    );
  }
  let prev = Number(offsets[d.offset]);
  if (prev < 0) fault(`${what}: row 0 starts at offset ${prev}`);
  for (let i = d.offset + 1; i <= len; i++) {
    const o = Number(offsets[i]);
    if (o < prev) fault(`${what}: offsets decrease at row ${i - d.offset} (${prev} then ${o})`);
    prev = o;
  }
  if (prev > dataLength) {
    fault(`${what}: offsets end at ${prev}, past the ${dataLength} ${unit}`);
  }
}

function checkViews(d: Data, what: string) {
  const len = d.offset + d.length;
  const views = d.values as Uint8Array | undefined;
  const bytes = views ? new Uint8Array(views.buffer, views.byteOffset, views.byteLength) : null;
  if (!bytes || bytes.length < len * 16) {
    fault(
      `${what}: ${d.length} rows need ${len * 16} view bytes, the buffer has ${bytes?.length ?? 0}`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const extra = d.variadicBuffers as Uint8Array[];
  for (let i = d.offset; i < len; i++) {
    const n = dv.getInt32(i * 16, true);
    if (n < 0) fault(`${what}: row ${i - d.offset} has view length ${n}`);
    if (n <= 12) continue;
    const b = dv.getInt32(i * 16 + 8, true);
    const o = dv.getInt32(i * 16 + 12, true);
    if (b < 0 || b >= extra.length || o < 0 || o + n > extra[b].byteLength) {
      fault(
        `${what}: row ${i - d.offset} views buffer ${b} bytes [${o}, ${o + n}) outside the data`,
      );
    }
  }
}

function checkUnion(d: Data, what: string) {
  const len = d.offset + d.length;
  const t = d.type as unknown as { mode: UnionMode; typeIdToChildIndex: Record<number, number> };
  const ids = d.typeIds as Int8Array | undefined;
  if (!ids || ids.length < len) fault(`${what}: ${d.length} rows need ${len} type ids`);
  const dense = t.mode === UnionMode.Dense;
  const offsets = d.valueOffsets as Int32Array | undefined;
  if (dense && (!offsets || offsets.length < len)) {
    fault(`${what}: ${d.length} rows need ${len} offsets`);
  }
  for (let i = d.offset; i < len; i++) {
    const child = d.children[t.typeIdToChildIndex[ids[i]]];
    if (!child) fault(`${what}: row ${i - d.offset} has type id ${ids[i]}, not in the union`);
    const at = dense ? offsets![i] : i;
    if (at < 0 || at >= child.length) {
      fault(`${what}: row ${i - d.offset} points at child row ${at}, past its ${child.length}`);
    }
  }
  d.children.forEach((c, i) => checkData(c, `${what} member ${i}`));
}
