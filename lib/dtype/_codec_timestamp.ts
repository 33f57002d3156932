/**
 * The timestamp codec: timestamps to 8/16/32-bit counts of a step from an epoch kept in the field metadata.
 * @module
 */
import { Data, Field } from "apache-arrow";
import { bitsOf, type IntName, INTS, smallestInt, typeName, validAt } from "./_arrow.ts";
import {
  type Codec,
  type DowncastTarget,
  type EngineOptions,
  gcd,
  gcdBig,
  isoOf,
  make,
  Misfit,
  stepName,
  TIMESTAMP_KEY,
  type TimestampMeta,
  withMeta,
} from "./_codec_base.ts";
export class TimestampCodec implements Codec {
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
