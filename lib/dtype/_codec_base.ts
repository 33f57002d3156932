/**
 * What every downcast codec shares: the options, the Codec interface, Misfit, and small helpers.
 * @module
 */
import { Data, DataType, Field, makeData } from "apache-arrow";
import { bitmapFor, typeName } from "./_arrow.ts";
/** A type a column can be asked for in `options.types`. */
export type DowncastTarget =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float16"
  | "dictionary"
  | "keep";

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

export const UNIT_NAMES = ["s", "ms", "us", "ns"];
export const UNITS_PER_SECOND = [1n, 1000n, 1000000n, 1000000000n];

export function isoOf(v: bigint, unit: number): string {
  const ms = unit === 0 ? v * 1000n : unit === 1 ? v : v / (UNITS_PER_SECOND[unit] / 1000n);
  const n = Number(ms);
  return Math.abs(n) <= 8.64e15 ? new Date(n).toISOString() : `${v}${UNIT_NAMES[unit]}`;
}

export function stepName(step: bigint, unit: number): string {
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

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function make(
  type: DataType,
  d: Data,
  data: ArrayBufferView,
  extra: Record<string, unknown> = {},
) {
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

export function withMeta(f: Field, type: DataType, meta?: Map<string, string>): Field {
  return new Field(f.name, type, f.nullable, meta ?? f.metadata);
}

/** Integer and float columns: smallest int when integral, float32 when exact (or within tolerance), float16 on request. */

export class KeepCodec implements Codec {
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
