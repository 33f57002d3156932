/**
 * A tiny Parquet writer for hand-crafted test files: thrift compact
 * encoding of the footer and page headers, RLE/bit-packed levels, PLAIN
 * values, optional CRCs, and a hook to corrupt any footer field. Used to
 * make what no library here writes (Spark-style INT96, legacy 2-level lists,
 * stored CRCs) and every fault of issue 17.
 * @module
 */
import * as zlib from "node:zlib";

/** A thrift value: [compact type, value]. Structs are objects keyed by field id. */
export type T =
  | ["i32" | "i64", number | bigint]
  | ["bool", boolean]
  | ["bin", Uint8Array | string]
  | ["list", "i32" | "bin" | "struct", unknown[]]
  | ["struct", TStruct];
/** A thrift struct: field id → value. */
export type TStruct = Record<number, T>;

const TYPE = { bool: 1, i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const;

class Out {
  bytes: number[] = [];
  varint(v: bigint) {
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  zigzag(v: number | bigint) {
    const b = BigInt(v);
    this.varint(b >= 0n ? b << 1n : ((-b) << 1n) - 1n);
  }
  value(t: T) {
    switch (t[0]) {
      case "i32":
      case "i64":
        return this.zigzag(t[1]);
      case "bin": {
        const b = typeof t[1] === "string" ? new TextEncoder().encode(t[1]) : t[1];
        this.varint(BigInt(b.length));
        this.bytes.push(...b);
        return;
      }
      case "list": {
        const [, elem, items] = t;
        const et = elem === "bin" ? TYPE.bin : elem === "i32" ? TYPE.i32 : TYPE.struct;
        if (items.length < 15) this.bytes.push((items.length << 4) | et);
        else {
          this.bytes.push(0xf0 | et);
          this.varint(BigInt(items.length));
        }
        for (const it of items) {
          if (elem === "struct") this.struct(it as TStruct);
          else this.value([elem, it] as T);
        }
        return;
      }
      case "struct":
        return this.struct(t[1]);
      case "bool":
        throw new Error("bool is written in its field header");
    }
  }
  struct(s: TStruct) {
    let last = 0;
    for (const id of Object.keys(s).map(Number).sort((a, b) => a - b)) {
      const t = s[id];
      const type = t[0] === "bool" ? (t[1] ? 1 : 2) : TYPE[t[0]];
      if (id - last > 0 && id - last <= 15) this.bytes.push(((id - last) << 4) | type);
      else {
        this.bytes.push(type);
        this.zigzag(id);
      }
      last = id;
      if (t[0] !== "bool") this.value(t);
    }
    this.bytes.push(0);
  }
}

/** Thrift compact bytes of a struct. */
export function thrift(s: TStruct): Uint8Array {
  const o = new Out();
  o.struct(s);
  return Uint8Array.from(o.bytes);
}

/** RLE/bit-packed hybrid of levels (one bit-packed run), without a length prefix. */
export function levels(values: number[], width: number): Uint8Array {
  const groups = Math.ceil(values.length / 8);
  const o = new Out();
  o.varint(BigInt((groups << 1) | 1));
  const packed = new Uint8Array(groups * width);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) {
      if ((v >> b) & 1) packed[(i * width + b) >> 3] |= 1 << ((i * width + b) & 7);
    }
  });
  return Uint8Array.from([...o.bytes, ...packed]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** PLAIN bytes of int32 / int64 / double values, or of byte arrays. */
export const plainOf = {
  i32: (v: number[]) => new Uint8Array(Int32Array.from(v).buffer),
  i64: (v: bigint[]) => new Uint8Array(BigInt64Array.from(v).buffer),
  bytes: (v: (string | Uint8Array)[]) =>
    concat(
      ...v.flatMap((s) => {
        const b = typeof s === "string" ? new TextEncoder().encode(s) : s;
        return [u32(b.length), b];
      }),
    ),
};

/** One page to write. */
export interface PageSpec {
  kind?: "data" | "v2" | "dict";
  /** Entries (values incl. nulls) of a data page, entries of a dictionary page. */
  count: number;
  /** PLAIN (or already encoded) value bytes. */
  values: Uint8Array;
  def?: { levels: number[]; width: number };
  rep?: { levels: number[]; width: number };
  /** Encoding id (default PLAIN = 0). */
  encoding?: number;
  /** Store a CRC: true = the right one, a number = that value. */
  crc?: boolean | number;
  /** Override the header's uncompressed_page_size. */
  uncompressedSize?: number;
  /** Compress the body with this codec id (0 none, 6 ZSTD). */
  codec?: number;
}

/** The bytes of one page (header + body). */
export function page(p: PageSpec): Uint8Array {
  const kind = p.kind ?? "data";
  const codec = p.codec ?? 0;
  const compress = (b: Uint8Array) =>
    codec === 6
      ? new Uint8Array(
        (zlib as unknown as { zstdCompressSync(b: Uint8Array): Uint8Array }).zstdCompressSync(b),
      )
      : b;
  let body: Uint8Array;
  let uncompressed: number;
  const header: TStruct = {};
  const enc = p.encoding ?? 0;
  if (kind === "v2") {
    const rep = p.rep ? levels(p.rep.levels, p.rep.width) : new Uint8Array(0);
    const def = p.def ? levels(p.def.levels, p.def.width) : new Uint8Array(0);
    const values = compress(p.values);
    body = concat(rep, def, values);
    uncompressed = rep.length + def.length + p.values.length;
    const nulls = p.def ? p.def.levels.filter((l) => l < Math.max(...p.def!.levels, 0)).length : 0;
    const rows = p.rep ? p.rep.levels.filter((l) => l === 0).length : p.count;
    header[1] = ["i32", 3];
    header[8] = ["struct", {
      1: ["i32", p.count],
      2: ["i32", nulls],
      3: ["i32", rows],
      4: ["i32", enc],
      5: ["i32", def.length],
      6: ["i32", rep.length],
    }];
  } else {
    const lv = (l?: { levels: number[]; width: number }) => {
      if (!l) return new Uint8Array(0);
      const b = levels(l.levels, l.width);
      return concat(u32(b.length), b);
    };
    const raw = kind === "dict" ? p.values : concat(lv(p.rep), lv(p.def), p.values);
    body = compress(raw);
    uncompressed = raw.length;
    if (kind === "dict") {
      header[1] = ["i32", 2];
      header[7] = ["struct", { 1: ["i32", p.count], 2: ["i32", enc] }];
    } else {
      header[1] = ["i32", 0];
      header[5] = ["struct", {
        1: ["i32", p.count],
        2: ["i32", enc],
        3: ["i32", 3],
        4: ["i32", 3],
      }];
    }
  }
  header[2] = ["i32", p.uncompressedSize ?? uncompressed];
  header[3] = ["i32", body.length];
  if (p.crc !== undefined && p.crc !== false) {
    const crc = p.crc === true
      ? (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(body) | 0
      : p.crc;
    header[4] = ["i32", crc];
  }
  return concat(thrift(header), body);
}

/** A schema element. */
export interface SchemaSpec {
  name: string;
  type?: number;
  repetition?: number;
  children?: number;
  converted?: number;
  typeLength?: number;
  logical?: TStruct;
}

/** A column chunk of a row group. */
export interface ChunkSpec {
  path: string[];
  type: number;
  numValues: number;
  pages: PageSpec[];
  codec?: number;
}

/** Writes a file; `tweak` may change the footer's thrift struct before encoding. */
export function craft(
  schema: SchemaSpec[],
  groups: { rows: number; chunks: ChunkSpec[] }[],
  tweak?: (meta: TStruct) => void,
): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode("PAR1")];
  let at = 4;
  const rowGroups: TStruct[] = [];
  let total = 0;
  for (const g of groups) {
    const columns: TStruct[] = [];
    for (const c of g.chunks) {
      const start = at;
      let dict: number | undefined;
      let data: number | undefined;
      for (const p of c.pages) {
        const bytes = page({ ...p, codec: p.codec ?? c.codec });
        if (p.kind === "dict") dict ??= at;
        else data ??= at;
        parts.push(bytes);
        at += bytes.length;
      }
      const meta: TStruct = {
        1: ["i32", c.type],
        2: ["list", "i32", [0, 3]],
        3: ["list", "bin", c.path],
        4: ["i32", c.codec ?? 0],
        5: ["i64", c.numValues],
        6: ["i64", at - start],
        7: ["i64", at - start],
        9: ["i64", data ?? start],
      };
      if (dict !== undefined) meta[11] = ["i64", dict];
      columns.push({ 2: ["i64", start], 3: ["struct", meta] });
    }
    rowGroups.push({ 1: ["list", "struct", columns], 2: ["i64", 0], 3: ["i64", g.rows] });
    total += g.rows;
  }
  const meta: TStruct = {
    1: ["i32", 1],
    2: [
      "list",
      "struct",
      schema.map((s) => {
        const el: TStruct = { 4: ["bin", s.name] };
        if (s.type !== undefined) el[1] = ["i32", s.type];
        if (s.typeLength !== undefined) el[2] = ["i32", s.typeLength];
        if (s.repetition !== undefined) el[3] = ["i32", s.repetition];
        if (s.children !== undefined) el[5] = ["i32", s.children];
        if (s.converted !== undefined) el[6] = ["i32", s.converted];
        if (s.logical !== undefined) el[10] = ["struct", s.logical];
        return el;
      }),
    ],
    3: ["i64", total],
    4: ["list", "struct", rowGroups],
    6: ["bin", "memkit test craft"],
  };
  tweak?.(meta);
  const footer = thrift(meta);
  parts.push(footer, u32(footer.length), new TextEncoder().encode("PAR1"));
  return concat(...parts);
}
