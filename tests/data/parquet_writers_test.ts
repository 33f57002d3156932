/**
 * Parquet files written at test time by arrow-rs (parquet-wasm): pages v1
 * and v2, 6 codecs, and forced encodings (PLAIN, DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, dictionary),
 * with FLOAT16, FixedSizeBinary, decimals, binary and nested columns. Every
 * value is compared with DuckDB's read of the same file.
 */
import assert from "node:assert/strict";
import * as pw from "parquet-wasm";
import pl from "nodejs-polars";
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Decimal,
  Field,
  FixedSizeBinary,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  makeData,
  makeVector,
  Struct,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Uint32,
  Uint64,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { duck, readAll } from "./_parquet_ref.ts";

const N = 3000;

function validity(nullEvery: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(N / 8));
  for (let i = 0; i < N; i++) if (i % nullEvery !== 0) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

function fixed(type: DataType, data: ArrayBufferView, nullEvery = 0): Data {
  const nullBitmap = nullEvery ? validity(nullEvery) : undefined;
  return makeData({ type, length: N, data, nullBitmap } as never) as Data;
}

/** The table: every flat type arrow-rs writes, plus list<float> and a struct. */
function table(): Table {
  const idx = Array.from({ length: N }, (_, i) => i);
  const f16 = new Float16Array(N).map((_, i) => (i % 97) / 4 - 12);
  const dec = new Uint32Array(N * 4);
  const fsb = new Uint8Array(N * 5);
  idx.forEach((i) => {
    const v = BigInt(i - 1500) * 1_000_000_007n;
    for (let w = 0; w < 4; w++) dec[i * 4 + w] = Number(BigInt.asUintN(32, v >> BigInt(32 * w)));
    for (let k = 0; k < 5; k++) fsb[i * 5 + k] = (i * 31 + k * 7) & 0xff;
  });
  const listOffsets = new Int32Array(N + 1);
  const listValues: number[] = [];
  idx.forEach((i) => {
    for (let k = 0; k < i % 4; k++) listValues.push(i + k / 8);
    listOffsets[i + 1] = listValues.length;
  });
  const listType = new List(new Field("item", new Float32(), true));
  const structType = new Struct([
    new Field("p", new Int32(), true),
    new Field("q", new Utf8(), true),
  ]);
  const columns: Record<string, Data> = {
    id: fixed(new Int32(), Int32Array.from(idx)),
    i8: fixed(new Int8(), Int8Array.from(idx, (i) => (i % 256) - 128), 7),
    i16: fixed(new Int16(), Int16Array.from(idx, (i) => i * 21 - 30000)),
    i64: fixed(
      new Int64(),
      BigInt64Array.from(idx, (i) => BigInt(i - 1500) * 3_000_000_000_017n),
      5,
    ),
    u32: fixed(new Uint32(), Uint32Array.from(idx, (i) => 4294967295 - i * 1001)),
    u64: fixed(
      new Uint64(),
      BigUint64Array.from(idx, (i) => 18446744073709551615n - BigInt(i) * 77n),
    ),
    f16: fixed(new Float16(), new Uint16Array(f16.buffer), 9),
    f32: fixed(new Float32(), Float32Array.from(idx, (i) => i / 3 - 500), 11),
    f64: fixed(new Float64(), Float64Array.from(idx, (i) => i * 1e-7 - Math.PI)),
    ts: fixed(
      new TimestampMillisecond(),
      BigInt64Array.from(idx, (i) => BigInt(i) * 86_400_123n - 10n ** 11n),
    ),
    dec: fixed(new Decimal(4, 30, 128), dec, 13),
    fsb: fixed(new FixedSizeBinary(5), fsb, 6),
    flag: vectorFromArray(idx.map((i) => (i % 5 === 0 ? null : i % 3 === 0)), new Bool()).data[0],
    txt: vectorFromArray(
      idx.map((i) => (i % 8 === 0 ? null : `v${i % 40}·${"é".repeat(i % 3)}`)),
      new Utf8(),
    ).data[0],
    bin: vectorFromArray(
      idx.map((i) => (i % 10 === 0 ? null : Uint8Array.from([0xff, i & 0xff, 0xc3]))),
      new Binary(),
    ).data[0],
    lst: makeData({
      type: listType,
      length: N,
      valueOffsets: listOffsets,
      nullBitmap: validity(10),
      child: makeData({
        type: new Float32(),
        length: listValues.length,
        data: Float32Array.from(listValues),
      }),
    }),
    st: makeData({
      type: structType,
      length: N,
      nullBitmap: validity(4),
      children: [
        makeData({
          type: new Int32(),
          length: N,
          data: Int32Array.from(idx, (i) => i % 9),
          nullBitmap: validity(3),
        }),
        vectorFromArray(idx.map((i) => `s${i % 5}`), new Utf8()).data[0],
      ],
    }) as Data,
  };
  return new Table(Object.fromEntries(Object.entries(columns).map(([k, d]) => [k, makeVector(d)])));
}

function reference(path: string): string {
  const s = (c: string) => `${c}::VARCHAR as ${c}`;
  return `select ${["id", "i8", "i16", "i64", "u32", "u64"].map(s).join(", ")}, f16, f32, f64,
    epoch_ms(ts)::VARCHAR as ts, replace(dec::VARCHAR, '.', '') as dec, hex(fsb) as fsb, flag, txt,
    hex(bin) as bin, to_json(lst)::VARCHAR as lst, to_json(st)::VARCHAR as st
    from read_parquet('${path}', file_row_number = true) order by file_row_number`;
}

type Variant = {
  name: string;
  props: (b: pw.WriterPropertiesBuilder) => pw.WriterPropertiesBuilder;
  /** Columns written in a forced encoding (checked in the file's footer). */
  forced?: Record<string, pw.Encoding>;
};

const E = pw.Encoding;
/** No dictionary, and these columns in these encodings. */
const encoded = (name: string, forced: Record<string, pw.Encoding>): Variant => ({
  name,
  forced,
  props: (b) =>
    Object.entries(forced).reduce(
      (props, [column, encoding]) => props.setColumnEncoding(column, encoding),
      b.setDictionaryEnabled(false),
    ),
});
const VARIANTS: Variant[] = [
  { name: "dictionary", props: (b) => b },
  { name: "plain", props: (b) => b.setDictionaryEnabled(false) },
  encoded("delta", {
    ...Object.fromEntries(
      ["id", "i8", "i64", "u32", "u64", "ts"].map((c) => [c, E.DELTA_BINARY_PACKED]),
    ),
    txt: E.DELTA_LENGTH_BYTE_ARRAY,
    bin: E.DELTA_BYTE_ARRAY,
    fsb: E.DELTA_BYTE_ARRAY,
  }),
  encoded(
    "byte_stream_split",
    Object.fromEntries(
      ["f32", "f64", "f16", "i16", "i64", "fsb", "dec"].map((c) => [c, E.BYTE_STREAM_SPLIT]),
    ),
  ),
];
const CODECS = ["UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "BROTLI", "LZ4_RAW", "LZ4"] as const;

Deno.test("arrow-rs (parquet-wasm) files: every value equals DuckDB's read", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-pqw-" });
  const ipc = tableToIPC(table(), "stream");
  try {
    const cases: [string, pw.WriterVersion, (typeof CODECS)[number], Variant][] = [];
    for (const v of VARIANTS) {
      for (const version of [pw.WriterVersion.V1, pw.WriterVersion.V2]) {
        cases.push([`${v.name} v${version + 1} ZSTD`, version, "ZSTD", v]);
      }
    }
    for (const codec of CODECS) {
      cases.push([`dictionary v2 ${codec}`, pw.WriterVersion.V2, codec, VARIANTS[0]]);
    }
    const plainPath = `${dir}/plain_reference.parquet`;
    const plainProps = new pw.WriterPropertiesBuilder().setDictionaryEnabled(false).build();
    await Deno.writeFile(plainPath, pw.writeParquet(pw.Table.fromIPCStream(ipc), plainProps));
    for (const [name, version, codec, variant] of cases) {
      await t.step(name, async () => {
        const props = variant.props(
          new pw.WriterPropertiesBuilder()
            .setCompression(pw.Compression[codec])
            .setWriterVersion(version)
            .setMaxRowGroupSize(1000)
            .setDataPageSizeLimit(1024),
        ).build();
        const path = `${dir}/${name.replaceAll(" ", "_")}.parquet`;
        await Deno.writeFile(path, pw.writeParquet(pw.Table.fromIPCStream(ipc), props));
        // DuckDB reads neither BYTE_STREAM_SPLIT on integers/FLBA nor Hadoop
        // LZ4: those are compared with DuckDB's read of the same table
        // written PLAIN and uncompressed.
        for (const [column, encoding] of Object.entries(variant.forced ?? {})) {
          const meta = await duck(
            `select encodings from parquet_metadata('${path}') where path_in_schema = '${column}'`,
          );
          for (const m of meta) {
            assert.match(String(m.encodings), new RegExp(E[encoding]), `${name}: ${column}`);
          }
          assert.ok(meta.length > 0, `${name}: ${column} has no column chunks`);
        }
        const own = variant.name !== "byte_stream_split" && codec !== "LZ4";
        const theirs = await duck(reference(own ? path : plainPath));
        const { rows, batches } = await readAll(path);
        assert.equal(batches.length, 3);
        assert.equal(rows.length, theirs.length);
        for (let r = 0; r < theirs.length; r++) {
          for (const [k, want] of Object.entries(theirs[r])) {
            let expected = want;
            if ((k === "lst" || k === "st") && typeof want === "string") {
              expected = JSON.parse(want);
            }
            if (k === "dec" && typeof want === "string") expected = BigInt(want).toString();
            assert.deepEqual(rows[r][k], expected, `${name}: row ${r} column ${k}`);
          }
        }
        const types = Object.fromEntries(
          batches[0].schema.fields.map((f) => [f.name, String(f.type)]),
        );
        assert.equal(types.f16, "Float16");
        assert.equal(types.fsb, "FixedSizeBinary[5]");
        assert.equal(types.bin, "Binary");
        assert.equal(types.u32, "Uint32");
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("polars files: 6 codecs, every value equals DuckDB's read", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-pqp-" });
  try {
    const idx = Array.from({ length: N }, (_, i) => i);
    const df = pl.DataFrame({
      id: pl.Series("id", idx, pl.Int32),
      x: idx.map((i) => (i % 7 === 0 ? null : i * 0.25 - 100)),
      big: pl.Series("big", idx.map((i) => i * 12_345_678_901), pl.Int64),
      s: idx.map((i) => (i % 9 === 0 ? null : `p${i % 13}✓`)),
      flag: idx.map((i) => i % 2 === 0),
      l: idx.map((i) => (i % 10 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => i + k))),
    });
    for (const codec of ["uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4"] as const) {
      await t.step(codec, async () => {
        const path = `${dir}/${codec}.parquet`;
        df.writeParquet(path, { compression: codec });
        const theirs = await duck(
          `select id::VARCHAR id, x, big::VARCHAR big, s, flag, to_json(l)::VARCHAR l
           from read_parquet('${path}', file_row_number = true) order by file_row_number`,
        );
        const { rows } = await readAll(path);
        assert.equal(rows.length, N);
        for (let r = 0; r < N; r++) {
          const want = { ...theirs[r], l: JSON.parse(theirs[r].l as string) };
          assert.deepEqual(rows[r], want, `polars ${codec}: row ${r}`);
        }
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow-rs Decimal256 (precision 60, FIXED_LEN_BYTE_ARRAY) reads back every value exactly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-pqd-" });
  try {
    const n = 500;
    const want = Array.from(
      { length: n },
      (_, i) => (BigInt(i - 250) * 10n ** 50n + BigInt(i) * 7n) * (i % 2 ? -1n : 1n),
    );
    const words = new Uint32Array(n * 8);
    want.forEach((v, i) => {
      for (let w = 0; w < 8; w++) {
        words[i * 8 + w] = Number(BigInt.asUintN(32, v >> BigInt(32 * w)));
      }
    });
    const t = new Table({
      d: makeVector(makeData({ type: new Decimal(5, 60, 256), length: n, data: words })),
    });
    const path = `${dir}/d256.parquet`;
    await Deno.writeFile(path, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, "stream"))));
    const { rows, batches } = await readAll(path);
    const type = batches[0].schema.fields[0].type as Decimal;
    assert.deepEqual([type.bitWidth, type.precision, type.scale], [256, 60, 5]);
    assert.deepEqual(rows.map((r) => r.d), want.map(String));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
