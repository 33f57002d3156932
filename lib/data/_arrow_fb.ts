/**
 * A bounds check of Arrow IPC flatbuffers (message, schema, footer) before
 * apache-arrow decodes them. The flatbuffers runtime reads out-of-range
 * bytes as 0 instead of failing, so a vector length that lies (2^31 field
 * nodes in 400 bytes of metadata) makes a decoder loop billions of times;
 * here every table, vector and string must lie inside the bytes.
 * @module
 */

class Bad extends Error {}

type Table = { pos: number; vt: number; vsize: number; tsize: number };

class Verifier {
  dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  #need(pos: number, n: number, what: string) {
    if (!(pos >= 0 && pos + n <= this.bytes.length)) {
      throw new Bad(`${what} at ${pos} (+${n}) is outside the ${this.bytes.length} bytes`);
    }
  }
  table(pos: number, what: string): Table {
    this.#need(pos, 4, what);
    const vt = pos - this.dv.getInt32(pos, true);
    this.#need(vt, 4, `${what} vtable`);
    const vsize = this.dv.getUint16(vt, true);
    const tsize = this.dv.getUint16(vt + 2, true);
    if (vsize < 4 || vsize % 2) throw new Bad(`${what} vtable size ${vsize}`);
    this.#need(vt, vsize, `${what} vtable`);
    this.#need(pos, Math.max(tsize, 4), what);
    return { pos, vt, vsize, tsize };
  }
  /** Absolute position of field k, or -1 when absent. */
  field(t: Table, k: number, size: number, what: string): number {
    if (4 + 2 * k >= t.vsize) return -1;
    const off = this.dv.getUint16(t.vt + 4 + 2 * k, true);
    if (off === 0) return -1;
    if (off + size > t.tsize) throw new Bad(`${what} field ${k} lies outside its table`);
    return t.pos + off;
  }
  /** The target of an offset field, or -1. */
  ref(t: Table, k: number, what: string): number {
    const p = this.field(t, k, 4, what);
    if (p < 0) return -1;
    const target = p + this.dv.getUint32(p, true);
    this.#need(target, 4, what);
    return target;
  }
  child(t: Table, k: number, what: string): Table | null {
    const p = this.ref(t, k, what);
    return p < 0 ? null : this.table(p, what);
  }
  /** A vector's element count after checking it fits. */
  vector(t: Table, k: number, elem: number, what: string): { at: number; n: number } | null {
    const p = this.ref(t, k, what);
    if (p < 0) return null;
    const n = this.dv.getUint32(p, true);
    this.#need(p + 4, n * elem, `${what} (${n} elements)`);
    return { at: p + 4, n };
  }
  tables(t: Table, k: number, what: string): Table[] {
    const v = this.vector(t, k, 4, what);
    if (!v) return [];
    const out: Table[] = [];
    for (let i = 0; i < v.n; i++) {
      const p = v.at + 4 * i;
      out.push(this.table(p + this.dv.getUint32(p, true), `${what}[${i}]`));
    }
    return out;
  }
  string(t: Table, k: number, what: string) {
    this.vector(t, k, 1, what);
  }
  keyValues(t: Table, k: number, what: string) {
    for (const kv of this.tables(t, k, what)) {
      this.string(kv, 0, `${what} key`);
      this.string(kv, 1, `${what} value`);
    }
  }
}

// Field: name 0, nullable 1, type_type 2, type 3, dictionary 4, children 5, custom_metadata 6.
function field(v: Verifier, f: Table, depth: number, what: string) {
  if (depth > 64) throw new Bad(`${what}: fields nested over 64 deep`);
  v.string(f, 0, `${what} name`);
  const typeType = v.field(f, 2, 1, what) >= 0 ? v.bytes[v.field(f, 2, 1, what)] : 0;
  const type = v.child(f, 3, `${what} type`);
  // Union (type 14): typeIds vector of int at field 1.
  if (type && typeType === 14) v.vector(type, 1, 4, `${what} union type ids`);
  const dict = v.child(f, 4, `${what} dictionary`);
  if (dict) v.child(dict, 1, `${what} dictionary index type`);
  v.tables(f, 5, `${what} children`).forEach((c, i) => field(v, c, depth + 1, `${what}.${i}`));
  v.keyValues(f, 6, `${what} metadata`);
}

// Schema: endianness 0, fields 1, custom_metadata 2, features 3.
function schema(v: Verifier, s: Table) {
  v.tables(s, 1, "schema fields").forEach((f, i) => field(v, f, 0, `schema field ${i}`));
  v.keyValues(s, 2, "schema metadata");
  v.vector(s, 3, 8, "schema features");
}

// RecordBatch: length 0, nodes 1, buffers 2, compression 3, variadicBufferCounts 4.
function recordBatch(v: Verifier, rb: Table) {
  v.vector(rb, 1, 16, "field nodes");
  v.vector(rb, 2, 16, "buffers");
  v.child(rb, 3, "compression");
  v.vector(rb, 4, 8, "variadic buffer counts");
}

/**
 * Checks a message's metadata flatbuffer (Message: version 0, header_type 1,
 * header 2, bodyLength 3, custom_metadata 4). Returns null when sound, else
 * what is wrong.
 */
export function verifyMessage(meta: Uint8Array): string | null {
  try {
    const v = new Verifier(meta);
    if (meta.length < 8) throw new Bad(`${meta.length} bytes`);
    const m = v.table(v.dv.getUint32(0, true), "message");
    const tp = v.field(m, 1, 1, "message");
    const type = tp >= 0 ? meta[tp] : 0;
    v.field(m, 3, 8, "message body length");
    v.keyValues(m, 4, "message metadata");
    const h = v.child(m, 2, "message header");
    if (h && type === 1) schema(v, h);
    if (h && type === 3) recordBatch(v, h);
    if (h && type === 2) {
      const data = v.child(h, 1, "dictionary batch data");
      if (data) recordBatch(v, data);
    }
    return null;
  } catch (e) {
    if (e instanceof Bad || e instanceof RangeError) return e.message;
    throw e;
  }
}

/**
 * Checks the footer flatbuffer (Footer: version 0, schema 1, dictionaries 2,
 * recordBatches 3, custom_metadata 4). Returns null when sound.
 */
export function verifyFooter(bytes: Uint8Array): string | null {
  try {
    const v = new Verifier(bytes);
    if (bytes.length < 8) throw new Bad(`${bytes.length} bytes`);
    const f = v.table(v.dv.getUint32(0, true), "footer");
    const s = v.child(f, 1, "footer schema");
    if (s) schema(v, s);
    v.vector(f, 2, 24, "dictionary blocks");
    v.vector(f, 3, 24, "record batch blocks");
    v.keyValues(f, 4, "footer metadata");
    return null;
  } catch (e) {
    if (e instanceof Bad || e instanceof RangeError) return e.message;
    throw e;
  }
}
