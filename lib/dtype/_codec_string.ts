/**
 * The string codecs: low-cardinality text to dictionaries, and dictionaries to the smallest index type.
 * @module
 */
import { Data, Dictionary, Field, Int32, makeData, makeVector, Utf8, Vector } from "apache-arrow";
import {
  bitsOf,
  indexTypeFor,
  type IntName,
  intNameOf,
  INTS,
  keyOf,
  typeName,
  validAt,
} from "./_arrow.ts";
import type { Codec, DowncastTarget, EngineOptions } from "./_codec_base.ts";
import { make, Misfit, withMeta } from "./_codec_base.ts";
const utf8 = new TextDecoder();

/** Strings: dictionary-encoded with the smallest index type when few distinct values. */
export class StringCodec implements Codec {
  map = new Map<string, number>();
  bytes = new Uint8Array(1024);
  used = 0;
  offsets: number[] = [0];
  rows = 0;
  srcBytes = 0;
  high = false;
  plan: "keep" | IntName = "keep";
  reason = "";
  codes = new WeakMap<Data, Int32Array>();
  dictType: Dictionary | null = null;
  snapshot: Vector | null = null;

  constructor(
    readonly source: Field,
    readonly forced: DowncastTarget | undefined,
    readonly o: EngineOptions,
  ) {
    if (forced !== undefined && forced !== "dictionary" && forced !== "keep") {
      throw new TypeError(
        `Cannot downcast column "${source.name}": options.types says "${forced}", but the column is ${
          typeName(source.type)
        }; strings can become "dictionary" or "keep"`,
      );
    }
  }

  private limit(): number {
    return Math.max(1024, this.o.categoryRatio * this.rows);
  }

  private encode(d: Data, stopWhenHigh: boolean): Int32Array | null {
    const off = d.valueOffsets as Int32Array | BigInt64Array;
    const big = off instanceof BigInt64Array;
    const b = d.values as Uint8Array;
    const bits = bitsOf(d);
    const codes = new Int32Array(d.length);
    const map = this.map;
    for (let i = 0; i < d.length; i++) {
      if (bits !== null && !validAt(bits, d.offset, i)) continue;
      const s = big ? Number(off[i]) : (off[i] as number);
      const e = big ? Number(off[i + 1]) : (off[i + 1] as number);
      const key = keyOf(b, s, e);
      let c = map.get(key);
      if (c === undefined) {
        c = map.size;
        map.set(key, c);
        this.append(b, s, e);
        if (stopWhenHigh && map.size > this.limit() + d.length) return null;
      }
      codes[i] = c;
    }
    return codes;
  }

  private append(b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(b.subarray(s, e), this.used);
    this.used += n;
    this.offsets.push(this.used);
  }

  observe(d: Data): void {
    this.rows += d.length - d.nullCount;
    this.srcBytes += (d.values as Uint8Array).byteLength + d.valueOffsets.byteLength;
    if (this.high || this.forced === "keep" || !this.o.dictionaries) return;
    const codes = this.encode(d, this.forced !== "dictionary");
    if (codes === null || (this.forced !== "dictionary" && this.map.size > this.limit())) {
      // Too many distinct values to be worth a dictionary: stop hashing.
      this.high = true;
      this.map = new Map();
      this.bytes = new Uint8Array(0);
      this.offsets = [0];
      this.used = 0;
      this.codes = new WeakMap();
      return;
    }
    this.codes.set(d, codes);
  }

  decide(): void {
    if (this.forced === "keep" || !this.o.dictionaries) {
      this.plan = "keep";
      this.reason = this.forced === "keep" ? "requested" : "";
      return;
    }
    if (this.high) {
      this.plan = "keep";
      this.reason = `more than ${this.o.categoryRatio} distinct values per row`;
      return;
    }
    const idx = indexTypeFor(this.map.size, this.o.unsigned);
    const est = this.used + 4 * this.offsets.length + this.rows * INTS[idx].bytes;
    const few = this.map.size <= this.o.categoryRatio * this.rows;
    if (this.forced === "dictionary" || (few && est < this.srcBytes)) {
      if (this.plan !== idx) this.dictType = new Dictionary(new Utf8(), INTS[idx].type() as Int32);
      this.plan = idx;
      this.reason = `${this.map.size} distinct`;
    } else {
      this.plan = "keep";
      this.reason = few
        ? "a dictionary would not be smaller"
        : `${this.map.size} distinct in ${this.rows} rows, above categoryRatio ${this.o.categoryRatio}`;
    }
  }

  private dictionary(): Vector {
    if (this.snapshot && this.snapshot.length === this.map.size) return this.snapshot;
    const data = makeData({
      type: new Utf8(),
      length: this.map.size,
      nullCount: 0,
      valueOffsets: Int32Array.from(this.offsets),
      data: this.bytes.slice(0, this.used),
    });
    this.snapshot = makeVector(data);
    return this.snapshot;
  }

  apply(d: Data): Data {
    if (this.plan === "keep") return d;
    const codes = this.codes.get(d) ?? this.encode(d, false)!;
    this.codes.delete(d);
    const info = INTS[this.plan];
    if (this.map.size - 1 > info.max) {
      const bits = bitsOf(d);
      for (let i = 0; i < d.length; i++) {
        if (validAt(bits, d.offset, i) && codes[i] > info.max) {
          const off = d.valueOffsets as Int32Array;
          const text = utf8.decode((d.values as Uint8Array).subarray(off[i], off[i + 1]));
          throw new Misfit(i, JSON.stringify(text), `a dictionary with ${this.plan} indices`);
        }
      }
    }
    const out = info.array(d.length) as Int32Array;
    out.set(codes);
    return make(this.dictType!, d, out, { dictionary: this.dictionary() });
  }

  field(): Field {
    return this.plan === "keep" ? this.source : withMeta(this.source, this.dictType!);
  }

  target(): string {
    return this.plan === "keep" ? typeName(this.source.type) : `dictionary<utf8, ${this.plan}>`;
  }

  note(): string {
    return this.reason;
  }

  error() {
    return null;
  }
}

/** Dictionary columns: the index type shrinks to fit the dictionary. */
export class DictionaryCodec implements Codec {
  size = 0;
  plan: "keep" | IntName = "keep";
  type: Dictionary | null = null;
  readonly srcIndex: IntName;

  constructor(
    readonly source: Field,
    readonly forced: DowncastTarget | undefined,
    readonly o: EngineOptions,
  ) {
    this.srcIndex = intNameOf((source.type as Dictionary).indices)!;
  }

  observe(d: Data): void {
    this.size = Math.max(this.size, d.dictionary?.length ?? 0);
  }

  decide(): void {
    const idx = indexTypeFor(this.size, this.o.unsigned);
    if (this.forced === "keep" || INTS[idx].bytes >= INTS[this.srcIndex].bytes) {
      this.plan = "keep";
      return;
    }
    if (idx !== this.plan) {
      const t = this.source.type as Dictionary;
      this.type = new Dictionary(t.dictionary, INTS[idx].type() as Int32, null, t.isOrdered);
    }
    this.plan = idx;
  }

  apply(d: Data): Data {
    if (this.plan === "keep") return d;
    const info = INTS[this.plan];
    const src = d.values as Int32Array;
    const bits = bitsOf(d);
    for (let i = 0; i < d.length; i++) {
      if (src[i] > info.max && validAt(bits, d.offset, i)) {
        throw new Misfit(i, `index ${src[i]}`, `${this.plan} indices`);
      }
    }
    const out = info.array(d.length) as Int32Array;
    out.set(src.length === d.length ? src : src.subarray(0, d.length));
    return make(this.type!, d, out, { dictionary: d.dictionary });
  }

  field(): Field {
    return this.plan === "keep" ? this.source : withMeta(this.source, this.type!);
  }

  target(): string {
    return this.plan === "keep" ? typeName(this.source.type) : typeName(this.type!);
  }

  note(): string {
    return this.plan === "keep" ? "" : `${this.size} entries`;
  }

  error() {
    return null;
  }
}

/** Timestamps: integer counts of the largest exact step from an epoch kept in field metadata. */
