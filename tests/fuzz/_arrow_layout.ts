/**
 * Where the integers of an Arrow IPC file or stream lie (footer blocks,
 * message prefixes, header types, body lengths, batch lengths, field nodes,
 * buffer regions), found with a small flatbuffer walker, so tests and the
 * fuzzer can make them lie precisely.
 * @module
 */

/** One integer field in the bytes. */
export interface IpcField {
  /** What it is, e.g. "batch 1 node 0 length". */
  name: string;
  /** Byte position. */
  pos: number;
  /** Width in bytes: 1, 4 or 8. */
  size: 1 | 4 | 8;
}

const MAGIC = "ARROW1";

class Fb {
  dv: DataView;
  constructor(readonly bytes: Uint8Array, readonly base: number) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(p: number) {
    return this.dv.getUint32(p, true);
  }
  /** A vector's length, clamped to what fits in the bytes (inputs may be corrupted). */
  count(v: number, elem: number): number {
    return Math.min(this.u32(v), Math.max(0, Math.floor((this.bytes.length - v - 4) / elem)));
  }
  root(): number {
    return this.base + this.u32(this.base);
  }
  /** Absolute position of field k of the table at t, or -1. */
  field(t: number, k: number): number {
    const vt = t - this.dv.getInt32(t, true);
    const vsize = this.dv.getUint16(vt, true);
    if (4 + 2 * k >= vsize) return -1;
    const off = this.dv.getUint16(vt + 4 + 2 * k, true);
    return off ? t + off : -1;
  }
  /** Follows an offset field to its target. */
  deref(p: number): number {
    return p + this.u32(p);
  }
}

function messageFields(bytes: Uint8Array, at: number, label: string, out: IpcField[]): number {
  // Returns the message's total length (prefix + metadata + body), or -1.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at + 8 > bytes.length) return -1;
  let prefix = 4;
  let metaLen = dv.getInt32(at, true);
  if (metaLen === -1) {
    prefix = 8;
    metaLen = dv.getInt32(at + 4, true);
    out.push({ name: `${label} metadata length`, pos: at + 4, size: 4 });
  } else {
    out.push({ name: `${label} metadata length`, pos: at, size: 4 });
  }
  if (metaLen <= 0) return prefix;
  const fb = new Fb(bytes, at + prefix);
  const m = fb.root();
  const type = fb.field(m, 1);
  if (type >= 0) out.push({ name: `${label} header type`, pos: type, size: 1 });
  const body = fb.field(m, 3);
  let bodyLength = 0;
  if (body >= 0) {
    out.push({ name: `${label} body length`, pos: body, size: 8 });
    bodyLength = Number(dv.getBigInt64(body, true));
  }
  const headerType = type >= 0 ? bytes[type] : 0;
  const h = fb.field(m, 2);
  if (h >= 0 && (headerType === 2 || headerType === 3)) {
    let rb = fb.deref(h);
    if (headerType === 2) {
      const id = fb.field(rb, 0);
      if (id >= 0) out.push({ name: `${label} dictionary id`, pos: id, size: 8 });
      const data = fb.field(rb, 1);
      if (data < 0) return prefix + metaLen + bodyLength;
      rb = fb.deref(data);
    }
    const len = fb.field(rb, 0);
    if (len >= 0) out.push({ name: `${label} length`, pos: len, size: 8 });
    const nodes = fb.field(rb, 1);
    if (nodes >= 0) {
      const v = fb.deref(nodes);
      out.push({ name: `${label} node count`, pos: v, size: 4 });
      for (let i = 0; i < fb.count(v, 16); i++) {
        out.push({ name: `${label} node ${i} length`, pos: v + 4 + 16 * i, size: 8 });
        out.push({ name: `${label} node ${i} null count`, pos: v + 4 + 16 * i + 8, size: 8 });
      }
    }
    const buffers = fb.field(rb, 2);
    if (buffers >= 0) {
      const v = fb.deref(buffers);
      out.push({ name: `${label} buffer count`, pos: v, size: 4 });
      for (let i = 0; i < fb.count(v, 16); i++) {
        out.push({ name: `${label} buffer ${i} offset`, pos: v + 4 + 16 * i, size: 8 });
        out.push({ name: `${label} buffer ${i} length`, pos: v + 4 + 16 * i + 8, size: 8 });
      }
    }
  }
  return prefix + metaLen + bodyLength;
}

/** The integer fields of an Arrow IPC file or stream (valid input expected). */
export function ipcFields(bytes: Uint8Array): IpcField[] {
  const out: IpcField[] = [];
  const text = new TextDecoder().decode(bytes.subarray(0, 6));
  const isFile = text === MAGIC;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length;
  if (isFile) {
    const footerLen = dv.getInt32(bytes.length - 10, true);
    out.push({ name: "footer length", pos: bytes.length - 10, size: 4 });
    const start = bytes.length - 10 - footerLen;
    end = start;
    const fb = new Fb(bytes, start);
    const f = fb.root();
    for (const [k, kind] of [[2, "dictionary"], [3, "batch"]] as const) {
      const p = fb.field(f, k);
      if (p < 0) continue;
      const v = fb.deref(p);
      out.push({ name: `footer ${kind} count`, pos: v, size: 4 });
      for (let i = 0; i < fb.count(v, 24); i++) {
        const b = v + 4 + 24 * i;
        out.push({ name: `footer ${kind} ${i} offset`, pos: b, size: 8 });
        out.push({ name: `footer ${kind} ${i} metadata length`, pos: b + 8, size: 4 });
        out.push({ name: `footer ${kind} ${i} body length`, pos: b + 16, size: 8 });
      }
    }
  }
  // Walk the messages front to back (after the magic in a file).
  let at = isFile ? 8 : 0;
  let batch = 0, dict = 0;
  for (let n = 0; at + 8 <= end && n < 100_000; n++) {
    const mark = out.length;
    const len = messageFields(bytes, at, `message@${at}`, out);
    if (len < 0) break;
    // Rename by kind for readable names.
    const type = out.slice(mark).find((f) => f.name.endsWith("header type"));
    const kind = type ? bytes[type.pos] : 0;
    const label = kind === 1
      ? "schema"
      : kind === 2
      ? `dictionary ${dict++}`
      : kind === 3
      ? `batch ${batch++}`
      : `message@${at}`;
    for (let i = mark; i < out.length; i++) {
      out[i].name = out[i].name.replace(`message@${at}`, label);
    }
    if (len <= 8 && dv.getInt32(at + (len === 8 ? 4 : 0), true) === 0) break; // EOS
    at += len;
  }
  return out;
}

/** Writes `value` into the field (little-endian, two's complement). */
export function setField(bytes: Uint8Array, f: IpcField, value: bigint): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.size === 1) dv.setUint8(f.pos, Number(BigInt.asUintN(8, value)));
  else if (f.size === 4) dv.setInt32(f.pos, Number(BigInt.asIntN(32, value)), true);
  else dv.setBigInt64(f.pos, BigInt.asIntN(64, value), true);
}

/** Reads the field. */
export function getField(bytes: Uint8Array, f: IpcField): bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.size === 1) return BigInt(dv.getUint8(f.pos));
  if (f.size === 4) return BigInt(dv.getInt32(f.pos, true));
  return dv.getBigInt64(f.pos, true);
}
