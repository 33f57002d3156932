/**
 * A checked Arrow IPC reader: memkit frames the file and stream formats
 * itself (footer, blocks, message prefixes, lengths) and validates every
 * length, offset and count against the real size and the format's
 * invariants before apache-arrow's VectorLoader builds vectors over the
 * bytes; the decoded data is then checked again (buffer sizes for each
 * length, offsets inside their data, dictionary indices inside the
 * dictionary, child lengths). Every failure becomes one ArrowFormatError
 * naming the file, batch and byte offset. This file holds the framing
 * (trailer, footer, blocks, message prefixes and metadata); loading and
 * decompressing bodies is in `_arrow_load.ts`, checking decoded data in
 * `_arrow_check.ts`.
 * @module
 */
import { Message, MessageHeader, type Schema } from "apache-arrow";
import { Footer } from "apache-arrow/ipc/metadata/file";
import { ArrowFormatError } from "./arrow_format_error.ts";
import { verifyFooter, verifyMessage } from "./_arrow_fb.ts";

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

export function fault(what: string, where: { offset?: number; batch?: number } = {}): never {
  throw new IpcFault(what, where);
}

export const isCount = (n: unknown): n is number =>
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
