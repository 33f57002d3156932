/**
 * The numeric codec: integers and floats to the smallest exact type (float16 on request).
 * @module
 */
import { Data, DataType, Field, Float16, Float32 } from "apache-arrow";
import {
  bitsOf,
  type IntName,
  intNameOf,
  INTS,
  numbersOf,
  smallestInt,
  typeName,
  validAt,
} from "./_arrow.ts";
import type { Codec, DowncastTarget, EngineOptions } from "./_codec_base.ts";
import { make, Misfit, withMeta } from "./_codec_base.ts";
export class NumericCodec implements Codec {
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
