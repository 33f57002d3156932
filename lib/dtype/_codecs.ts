/**
 * The per-column engine behind downcast and downcastStream: each codec
 * observes chunks (statistics), decides the smallest exact type from what it
 * has seen, and applies that decision to chunks, throwing {@linkcode Misfit}
 * for a value the decision cannot hold exactly. Batch mode observes every
 * chunk before applying; streaming observes the first batches, and on a misfit
 * observes the offending batch and decides again (which can only widen).
 * @module
 */
import {
  Data,
  DataType,
  Dictionary,
  Field,
  Float16,
  Float32,
  Int32,
  makeData,
  makeVector,
  Schema,
  Type,
  Utf8,
  Vector,
} from "apache-arrow";
import {
  bitmapFor,
  bitsOf,
  indexTypeFor,
  type IntName,
  intNameOf,
  INTS,
  keyOf,
  numbersOf,
  smallestInt,
  typeName,
  validAt,
} from "./_arrow.ts";
import type { DowncastOptions } from "./downcast.ts";

/** A type a column can be asked for in `options.types`. */
export type DowncastTarget = IntName | "float32" | "float16" | "dictionary" | "keep";

/** The field metadata key under which a compacted timestamp records its unit and epoch. */
export const TIMESTAMP_KEY = "memkit:timestamp";

/** What the metadata under {@linkcode TIMESTAMP_KEY} holds (as JSON). */
export interface TimestampMeta {
  /** Arrow TimeUnit of the original: 0 s, 1 ms, 2 µs, 3 ns. */
  unit: number;
  timezone: string | null;
  /** The epoch, in original units, as a decimal string (exact beyond 2^53). */
  epoch: string;
  /** One count, in original units, as a decimal string. */
  step: string;
  /** Readable forms of the two, for people. */
  epochISO: string;
  stepName: string;
}

/** Options the engine reads; public option types document them. */
export interface EngineOptions {
  types: Record<string, DowncastTarget>;
  tolerance: number;
  unsigned: boolean;
  categoryRatio: number;
  timestamps: boolean;
  dictionaries: boolean;
}

/** A value that the current decision cannot hold exactly. */
export class Misfit extends Error {
  constructor(readonly row: number, readonly value: string, readonly target: string) {
    super(`value ${value} at row ${row} does not fit ${target}`);
  }
}

/** One column's statistics, decision and conversion. */
export interface Codec {
  readonly source: Field;
  /** Set when the column's type is not handled: why. */
  readonly unsupported?: string;
  observe(d: Data): void;
  decide(): void;
  apply(d: Data): Data;
  field(): Field;
  /** The output type name of the current decision. */
  target(): string;
  /** What the report says about this column (errors, epoch, reasons). */
  note(): string;
  /** Measured error of a lossy decision (float16, tolerance), else null. */
  error(): { max: number; mean: number } | null;
}

const UNIT_NAMES = ["s", "ms", "us", "ns"];
const UNITS_PER_SECOND = [1n, 1000n, 1000000n, 1000000000n];

function isoOf(v: bigint, unit: number): string {
  const ms = unit === 0 ? v * 1000n : unit === 1 ? v : v / (UNITS_PER_SECOND[unit] / 1000n);
  const n = Number(ms);
  return Math.abs(n) <= 8.64e15 ? new Date(n).toISOString() : `${v}${UNIT_NAMES[unit]}`;
}

function stepName(step: bigint, unit: number): string {
  const perSecond = UNITS_PER_SECOND[unit];
  const named: [bigint, string][] = [
    [86400n * perSecond, "day"],
    [3600n * perSecond, "hour"],
    [60n * perSecond, "minute"],
    [perSecond, "second"],
  ];
  if (unit >= 1) named.push([perSecond / 1000n, "millisecond"]);
  if (unit >= 2) named.push([perSecond / 1000000n, "microsecond"]);
  if (unit >= 3) named.push([1n, "nanosecond"]);
  for (const [size, name] of named) {
    if (step === size) return `1 ${name}`;
    if (step % size === 0n) return `${step / size} ${name}s`;
  }
  return `${step}${UNIT_NAMES[unit]}`;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function make(type: DataType, d: Data, data: ArrayBufferView, extra: Record<string, unknown> = {}) {
  return makeData(
    {
      type,
      length: d.length,
      nullCount: d.nullCount,
      nullBitmap: bitmapFor(d),
      data,
      ...extra,
    } as Parameters<typeof makeData>[0],
  );
}

function withMeta(f: Field, type: DataType, meta?: Map<string, string>): Field {
  return new Field(f.name, type, f.nullable, meta ?? f.metadata);
}

/** Integer and float columns: smallest int when integral, float32 when exact (or within tolerance), float16 on request. */
class NumericCodec implements Codec {
  min = Infinity;
  max = -Infinity;
  count = 0;
  integral = true;
  f32err = 0;
  unsafe = false;
  plan: "keep" | "float32" | "float16" | IntName = "keep";
  reason = "";
  errMax = 0;
  errSum = 0;
  errN = 0;
  readonly srcBytes: number;
  readonly isFloat: boolean;

  constructor(
    readonly source: Field,
    readonly forced: DowncastTarget | undefined,
    readonly o: EngineOptions,
  ) {
    this.isFloat = DataType.isFloat(source.type);
    const int = intNameOf(source.type);
    this.srcBytes = int ? INTS[int].bytes : [2, 4, 8][(source.type as Float32).precision];
    if (forced === "dictionary") {
      throw new TypeError(
        `Cannot downcast column "${source.name}": options.types says "dictionary", but the column is ${
          typeName(source.type)
        }; dictionaries are for strings`,
      );
    }
  }

  observe(d: Data): void {
    const { values, unsafe } = numbersOf(d);
    if (unsafe) this.unsafe = true;
    const bits = bitsOf(d);
    const f64 = this.isFloat && this.srcBytes === 8;
    let { min, max, integral, f32err, count } = this;
    for (let i = 0; i < d.length; i++) {
      if (bits !== null && !validAt(bits, d.offset, i)) continue;
      const v = values[i];
      count++;
      if (v !== v) {
        integral = false;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      if (integral && (v !== Math.trunc(v) || !Number.isFinite(v) || Object.is(v, -0))) {
        integral = false;
      }
      if (f64) {
        const e = Math.abs(Math.fround(v) - v);
        if (e > f32err) f32err = e;
      }
    }
    Object.assign(this, { min, max, integral, f32err, count });
  }

  decide(): void {
    const f = this.forced;
    if (f !== undefined) {
      this.plan = f as typeof this.plan;
      this.reason = "requested";
      return;
    }
    if (this.unsafe) {
      this.plan = "keep";
      this.reason = "values beyond ±2^53";
      return;
    }
    if (this.integral) {
      const to = this.count === 0 || this.min > this.max
        ? smallestInt(0, 0, this.o.unsigned)
        : smallestInt(this.min, this.max, this.o.unsigned);
      this.plan = INTS[to].bytes < this.srcBytes ? to : "keep";
      this.reason = this.plan === "keep" ? "already the smallest integer type" : "";
      return;
    }
    if (this.isFloat && this.srcBytes === 8 && this.f32err <= this.o.tolerance) {
      this.plan = "float32";
      this.reason = this.f32err === 0 ? "" : `within tolerance ${this.o.tolerance}`;
      return;
    }
    this.plan = "keep";
    this.reason = this.isFloat && this.srcBytes === 8
      ? `float32 would change values by up to ${+this.f32err.toPrecision(3)}`
      : "";
  }

  apply(d: Data): Data {
    const plan = this.plan;
    if (plan === "keep") return d;
    const { values, unsafe } = numbersOf(d);
    const bits = bitsOf(d);
    if (unsafe) {
      const big = d.values as BigInt64Array;
      for (let i = 0; i < d.length; i++) {
        const b = big[i];
        if (validAt(bits, d.offset, i) && (b > 2n ** 53n || b < -(2n ** 53n))) {
          throw new Misfit(i, String(b), plan);
        }
      }
    }
    if (plan === "float32" || plan === "float16") return this.applyFloat(d, values, bits, plan);
    const info = INTS[plan];
    const out = info.array(d.length);
    const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
    for (let i = 0; i < d.length; i++) {
      if (bits !== null && !validAt(bits, d.offset, i)) continue;
      const v = values[i];
      if (!(v >= info.min && v <= info.max) || v !== Math.trunc(v) || Object.is(v, -0)) {
        throw new Misfit(i, String(v), plan);
      }
      if (big) (out as BigInt64Array)[i] = BigInt(v);
      else (out as Int32Array)[i] = v;
    }
    return make(info.type(), d, out);
  }

  private applyFloat(
    d: Data,
    values: ArrayLike<number>,
    bits: Uint8Array | null,
    plan: "float32" | "float16",
  ): Data {
    if (plan === "float32") {
      const out = new Float32Array(d.length);
      const tol = this.o.tolerance;
      for (let i = 0; i < d.length; i++) {
        if (bits !== null && !validAt(bits, d.offset, i)) continue;
        const v = values[i];
        const e = Math.abs(Math.fround(v) - v);
        if (e > tol) throw new Misfit(i, String(v), "float32");
        if (e > this.errMax) this.errMax = e;
        if (e === e) {
          this.errSum += e;
          this.errN++;
        }
        out[i] = v;
      }
      return make(new Float32(), d, out);
    }
    const out = new Float16Array(d.length);
    for (let i = 0; i < d.length; i++) {
      if (bits !== null && !validAt(bits, d.offset, i)) continue;
      const v = values[i];
      out[i] = v;
      const f = out[i];
      if (Number.isFinite(v) && !Number.isFinite(f)) {
        throw new Misfit(i, String(v), "float16 (largest finite value is 65504)");
      }
      const e = Math.abs(f - v);
      if (e === e) {
        if (e > this.errMax) this.errMax = e;
        this.errSum += e;
        this.errN++;
      }
    }
    return make(new Float16(), d, new Uint16Array(out.buffer));
  }

  field(): Field {
    if (this.plan === "keep") return this.source;
    const type = this.plan === "float32"
      ? new Float32()
      : this.plan === "float16"
      ? new Float16()
      : INTS[this.plan].type();
    return withMeta(this.source, type);
  }

  target(): string {
    return this.plan === "keep" ? typeName(this.source.type) : this.plan;
  }

  error() {
    if (this.plan !== "float16" && !(this.plan === "float32" && this.errMax > 0)) return null;
    return { max: this.errMax, mean: this.errN ? this.errSum / this.errN : 0 };
  }

  note(): string {
    const e = this.error();
    if (e) {
      return `${this.plan}: max error ${+e.max.toPrecision(3)}, mean ${+e.mean.toPrecision(3)}`;
    }
    return this.reason;
  }
}

const utf8 = new TextDecoder();

/** Strings: dictionary-encoded with the smallest index type when few distinct values. */
class StringCodec implements Codec {
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
class DictionaryCodec implements Codec {
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
class TimestampCodec implements Codec {
  count = 0;
  min = 0n;
  max = 0n;
  ref: bigint | null = null;
  g = 0n;
  epoch: bigint | null = null;
  step = 1n;
  plan: "keep" | IntName = "keep";
  reason = "";
  readonly unit: number;
  readonly tz: string | null;

  constructor(
    readonly source: Field,
    readonly forced: DowncastTarget | undefined,
    readonly o: EngineOptions,
  ) {
    const t = source.type as unknown as { unit: number; timezone?: string | null };
    this.unit = t.unit;
    this.tz = t.timezone ?? null;
    if (forced !== undefined && forced !== "keep") {
      throw new TypeError(
        `Cannot downcast column "${source.name}": options.types says "${forced}", but the column is ${
          typeName(source.type)
        }; timestamps choose their own integer type, or "keep"`,
      );
    }
  }

  observe(d: Data): void {
    const v = d.values as BigInt64Array;
    const words = new Int32Array(v.buffer, v.byteOffset, d.length * 2);
    const bits = bitsOf(d);
    let safe = true;
    for (let i = 0; i < d.length; i++) {
      const hi = words[2 * i + 1];
      if ((hi >= 2097152 || hi < -2097152) && validAt(bits, d.offset, i)) {
        safe = false;
        break;
      }
    }
    if (safe) {
      // Exact in doubles: |v| < 2^53. One BigInt merge per chunk instead of per row.
      let min = Infinity, max = -Infinity, g = 0, ref = NaN, n = 0;
      for (let i = 0; i < d.length; i++) {
        if (bits !== null && !validAt(bits, d.offset, i)) continue;
        const x = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
        if (n++ === 0) ref = x;
        if (x < min) min = x;
        if (x > max) max = x;
        const delta = x - ref;
        if (g !== 1 && delta % g !== 0) g = gcd(g, Math.abs(delta));
        else if (g === 0 && delta !== 0) g = Math.abs(delta);
      }
      if (n === 0) return;
      this.merge(BigInt(min), BigInt(max), BigInt(ref), BigInt(g), n);
    } else {
      for (let i = 0; i < d.length; i++) {
        if (bits !== null && !validAt(bits, d.offset, i)) continue;
        const x = v[i];
        this.merge(x, x, x, 0n, 1);
      }
    }
  }

  private merge(min: bigint, max: bigint, ref: bigint, g: bigint, n: number): void {
    if (this.count === 0) {
      Object.assign(this, { min, max, ref, g, count: n });
      return;
    }
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.g = gcdBig(gcdBig(this.g, g), ref - this.ref!);
    this.count += n;
  }

  decide(): void {
    if (this.forced === "keep" || !this.o.timestamps || this.count === 0) {
      this.plan = "keep";
      this.reason = this.forced === "keep" ? "requested" : "";
      return;
    }
    if (this.epoch === null) this.epoch = this.min;
    this.step = this.g === 0n ? 1n : this.g;
    const lo = Number((this.min - this.epoch) / this.step);
    const hi = Number((this.max - this.epoch) / this.step);
    const to = smallestInt(lo, hi, this.o.unsigned);
    this.plan = INTS[to].bytes < 8 ? to : "keep";
    this.reason = this.plan === "keep" ? "counts need 64 bits" : "";
  }

  apply(d: Data): Data {
    if (this.plan === "keep") return d;
    const info = INTS[this.plan];
    const v = d.values as BigInt64Array;
    const words = new Int32Array(v.buffer, v.byteOffset, d.length * 2);
    const bits = bitsOf(d);
    const out = info.array(d.length) as Int32Array;
    const e = Number(this.epoch!), s = Number(this.step);
    const numeric = Number.isSafeInteger(e) && Number.isSafeInteger(s);
    for (let i = 0; i < d.length; i++) {
      if (bits !== null && !validAt(bits, d.offset, i)) continue;
      const hi = words[2 * i + 1];
      let c: number;
      if (numeric && hi < 2097152 && hi >= -2097152) {
        c = (hi * 4294967296 + (words[2 * i] >>> 0) - e) / s;
      } else {
        const delta = v[i] - this.epoch!;
        c = delta % this.step === 0n ? Number(delta / this.step) : NaN;
      }
      if (!(c >= info.min && c <= info.max) || c !== Math.trunc(c)) {
        throw new Misfit(i, isoOf(v[i], this.unit), `${this.plan} counts of ${this.stepLabel()}`);
      }
      out[i] = c;
    }
    return make(info.type(), d, out);
  }

  private stepLabel(): string {
    return `${stepName(this.step, this.unit)} from ${isoOf(this.epoch!, this.unit)}`;
  }

  field(): Field {
    if (this.plan === "keep") return this.source;
    const meta: TimestampMeta = {
      unit: this.unit,
      timezone: this.tz,
      epoch: String(this.epoch),
      step: String(this.step),
      epochISO: isoOf(this.epoch!, this.unit),
      stepName: stepName(this.step, this.unit),
    };
    const m = new Map(this.source.metadata);
    m.set(TIMESTAMP_KEY, JSON.stringify(meta));
    return withMeta(this.source, INTS[this.plan].type(), m);
  }

  target(): string {
    return this.plan === "keep" ? typeName(this.source.type) : this.plan;
  }

  note(): string {
    return this.plan === "keep" ? this.reason : `counts of ${this.stepLabel()}`;
  }

  error() {
    return null;
  }
}

/** Columns left as they are: unsupported types, already-minimal ones, and unselected ones. */
class KeepCodec implements Codec {
  constructor(readonly source: Field, readonly reason: string, readonly unsupported?: string) {}
  observe(): void {}
  decide(): void {}
  apply(d: Data): Data {
    return d;
  }
  field(): Field {
    return this.source;
  }
  target(): string {
    return typeName(this.source.type);
  }
  note(): string {
    return this.reason;
  }
  error() {
    return null;
  }
}

/** One codec per field of the schema. */
export function codecsFor(schema: Schema, o: EngineOptions, columns?: string[]): Codec[] {
  for (const name of Object.keys(o.types)) {
    if (!schema.fields.some((f) => f.name === name)) {
      throw new TypeError(
        `Cannot downcast: options.types names column "${name}", which is not in the schema (${
          schema.fields.map((f) => f.name).join(", ")
        })`,
      );
    }
  }
  return schema.fields.map((f) => {
    const forced = o.types[f.name];
    if (columns && !columns.includes(f.name)) return new KeepCodec(f, "not selected");
    const t = f.type;
    if (forced === "keep") return new KeepCodec(f, "requested");
    if (DataType.isInt(t)) return new NumericCodec(f, forced, o);
    if (DataType.isFloat(t)) {
      if ((t as Float32).precision === 0) return new KeepCodec(f, "already float16");
      return new NumericCodec(f, forced, o);
    }
    if (t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8) return new StringCodec(f, forced, o);
    if (DataType.isDictionary(t)) return new DictionaryCodec(f, forced, o);
    if (DataType.isTimestamp(t)) return new TimestampCodec(f, forced, o);
    if (forced !== undefined) {
      throw new TypeError(
        `Cannot downcast column "${f.name}" to ${forced}: its type ${typeName(t)} is not supported`,
      );
    }
    if (t.typeId === Type.Bool) return new KeepCodec(f, "bool is already 1 bit");
    return new KeepCodec(f, "unsupported type, kept", typeName(t));
  });
}

/** Fills engine options from public options (those of `downcast`) and their defaults. */
export function engineOptions(o: DowncastOptions): EngineOptions {
  const tolerance = o.tolerance ?? 0;
  if (!(tolerance >= 0)) {
    throw new RangeError(`Cannot downcast: options.tolerance is ${tolerance}, expected ≥ 0`);
  }
  const categoryRatio = o.categoryRatio ?? 0.5;
  if (!(categoryRatio > 0 && categoryRatio <= 1)) {
    throw new RangeError(
      `Cannot downcast: options.categoryRatio is ${categoryRatio}, expected in (0, 1]`,
    );
  }
  return {
    types: o.types ?? {},
    tolerance,
    unsigned: o.unsigned ?? true,
    categoryRatio,
    timestamps: o.timestamps ?? true,
    dictionaries: o.dictionaries ?? true,
  };
}
