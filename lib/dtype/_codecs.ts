/**
 * The per-column engine behind downcast and downcastStream: each codec
 * observes chunks (statistics), decides the smallest exact type from what it
 * has seen, and applies that decision to chunks, throwing {@linkcode Misfit}
 * for a value the decision cannot hold exactly. Batch mode observes every
 * chunk before applying; streaming observes the first batches, and on a misfit
 * observes the offending batch and decides again (which can only widen).
 * @module
 */
import { DataType, Float32, Schema, Type } from "apache-arrow";
import { typeName } from "./_arrow.ts";
import type { DowncastOptions } from "./downcast.ts";
import { type Codec, type EngineOptions, KeepCodec } from "./_codec_base.ts";
import { NumericCodec } from "./_codec_numeric.ts";
import { DictionaryCodec, StringCodec } from "./_codec_string.ts";
import { TimestampCodec } from "./_codec_timestamp.ts";

export {
  type Codec,
  type DowncastTarget,
  type EngineOptions,
  Misfit,
  TIMESTAMP_KEY,
  type TimestampMeta,
} from "./_codec_base.ts";

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
