/**
 * Parquet files written by DuckDB at test time (every codec, data pages v1
 * and v2, flat and nested types, nulls at every level), read by memkit and
 * compared value by value with DuckDB's own read of the same file.
 */
import assert from "node:assert/strict";
import { duck, readAll } from "./_parquet_ref.ts";

const N = 5000;

/** The table: flat exact types, binary, decimals, times, nested columns. */
const TABLE = `select
  i::INTEGER as id,
  case when i % 9 = 0 then null else (i % 200 - 100)::TINYINT end as i8,
  (i * 37 % 60000 - 30000)::SMALLINT as i16,
  case when i % 13 = 0 then null else (i * 7919)::INTEGER end as i32,
  (i * 1000000007 * (case when i % 2 = 0 then -1 else 1 end))::BIGINT * 1000 as i64,
  (i % 250)::UTINYINT as u8,
  (i * 13 % 65000)::USMALLINT as u16,
  (4294967295 - i * 3)::UINTEGER as u32,
  (18446744073709551615 - i * 12345)::UBIGINT as u64,
  case when i % 11 = 0 then null else (i / 7.0)::FLOAT end as f32,
  case when i % 17 = 0 then null else i * 1.25e-3 - 3 end::DOUBLE as f64,
  case when i % 5 = 0 then null else (i % 3 = 0) end as flag,
  ((i - 2500) * 0.1)::DECIMAL(4, 1) as dec4,
  case when i % 19 = 0 then null else ((i - 2500) * 1003.858)::DECIMAL(18, 3) end as dec18,
  ((i - 2500)::HUGEINT * 12345678901234567890123::HUGEINT)::DECIMAL(38, 0) as dec38,
  ((i - 2500) * 0.0000001)::DECIMAL(30, 10) as dec30,
  case when i % 7 = 0 then null else 'text ' || (i % 50)::VARCHAR || ' é漢🙂' end as txt,
  case when i % 6 = 0 then null else ('\\xFF\\xFE' || chr((65 + i % 26)::INTEGER))::BLOB end as blob,
  DATE '1900-01-01' + (i * 17)::INTEGER as day,
  TIMESTAMP '1970-01-01' + to_microseconds((i * 987654321)::BIGINT) as ts,
  (TIMESTAMP '2001-02-03' + to_milliseconds(i * 1000))::TIMESTAMP_MS as tsms,
  (TIMESTAMP '2001-02-03' + to_microseconds(i * 3))::TIMESTAMP_NS as tsns,
  (TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_seconds(i))::TIMESTAMPTZ as tstz,
  TIME '00:00:00' + to_microseconds(i * 1000003) as tod,
  case when i % 10 = 0 then null when i % 10 = 1 then []
       else [i, null, i + 1][1:(i % 4)] end::INTEGER[] as lst,
  case when i % 8 = 0 then null else ['a' || i::VARCHAR, null, 'b'] end as lstr,
  case when i % 4 = 0 then null else {'a': i % 3, 'b': case when i % 5 = 0 then null else 'x' || i::VARCHAR end} end as st,
  case when i % 9 = 0 then null else map(['k' || (i % 3)::VARCHAR, 'z'], [i, null]) end as mp,
  case when i % 12 = 0 then null else [[i, i + 1], null, [], [null]] end::INTEGER[][] as nested,
  {'x': case when i % 3 = 0 then null else [(i * 0.5)::DOUBLE, null] end, 'y': {'z': i % 7}} as deep,
  case when i % 14 = 0 then null else [{'p': i, 'q': 'v'}, null, {'p': null, 'q': null}] end as lstruct,
  null::INTEGER as allnull
from range(${N}) t(i)`;

/** DuckDB's read of a file, in the canonical forms of `canonical()`. */
function reference(path: string): string {
  const flat = (c: string) => `${c}::VARCHAR as ${c}`;
  const dec = (c: string) => `replace(${c}::VARCHAR, '.', '') as ${c}`;
  const json = (c: string) => `to_json(${c})::VARCHAR as ${c}`;
  return `select id::VARCHAR as id, ${
    ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"].map(flat).join(", ")
  }, f32, f64, flag, ${["dec4", "dec18", "dec38", "dec30"].map(dec).join(", ")},
  txt, hex(blob) as blob, (day - DATE '1970-01-01')::VARCHAR as day,
  epoch_us(ts)::VARCHAR as ts, epoch_ms(tsms)::VARCHAR as tsms, epoch_ns(tsns)::VARCHAR as tsns,
  epoch_us(tstz)::VARCHAR as tstz, epoch_us(tod)::VARCHAR as tod,
  ${["lst", "lstr", "st", "mp", "nested", "deep", "lstruct"].map(json).join(", ")},
  allnull::VARCHAR as allnull
  from read_parquet('${path}', file_row_number = true) order by file_row_number`;
}

const NESTED = new Set(["lst", "lstr", "st", "mp", "nested", "deep", "lstruct"]);

function compare(ours: Record<string, unknown>[], theirs: Record<string, unknown>[], what: string) {
  assert.equal(ours.length, theirs.length, `${what}: row count`);
  let checked = 0;
  for (let r = 0; r < theirs.length; r++) {
    for (const [k, want] of Object.entries(theirs[r])) {
      const got = ours[r][k];
      let expected = NESTED.has(k) && typeof want === "string" ? JSON.parse(want) : want;
      // Decimals: unscaled digits, compared as integers ("-0002500" is -2500).
      if (k.startsWith("dec") && typeof want === "string") expected = BigInt(want).toString();
      assert.deepEqual(got, expected, `${what}: row ${r} column ${k}`);
      checked++;
    }
  }
  return checked;
}

const CODECS = ["uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4_raw"];

Deno.test("DuckDB-written files: every value equals DuckDB's read, 6 codecs × data page v1/v2", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-pq-" });
  try {
    for (const codec of CODECS) {
      for (const version of ["V1", "V2"]) {
        await t.step(`${codec} ${version}`, async () => {
          const path = `${dir}/t_${codec}_${version}.parquet`;
          await duck(
            `copy (${TABLE})
             to '${path}' (format parquet, compression ${codec}, parquet_version ${version},
                           row_group_size 2048)`,
          );
          const theirs = await duck(reference(path));
          const { rows, batches } = await readAll(path);
          assert.ok(batches.length >= 2, "several row groups");
          const checked = compare(rows, theirs, `${codec} ${version}`);
          assert.equal(checked, N * Object.keys(theirs[0]).length);
        });
      }
    }
    await t.step(
      "projection by top-level name and by struct path; batchRows slices nested columns",
      async () => {
        const path = `${dir}/t_snappy_V2.parquet`;
        const { rows, batches } = await readAll(path, {
          columns: ["st.b", "id", "deep.y.z", "lst"],
          batchRows: 700,
        });
        assert.deepEqual(batches[0].schema.fields.map((f) => f.name), ["st", "id", "deep", "lst"]);
        assert.ok(batches.every((b) => b.numRows <= 700));
        const theirs = await duck(
          `select case when st is null then null else to_json({'b': st.b})::VARCHAR end as st,
                id::VARCHAR as id, to_json({'y': {'z': deep.y.z}})::VARCHAR as deep,
                to_json(lst)::VARCHAR as lst
         from read_parquet('${path}', file_row_number = true) order by file_row_number`,
        );
        assert.equal(rows.length, N);
        for (let r = 0; r < N; r++) {
          const want = Object.fromEntries(
            Object.entries(theirs[r]).map((
              [k, v],
            ) => [k, k === "id" || v === null ? v : JSON.parse(v as string)]),
          );
          assert.deepEqual(rows[r], want, `row ${r}`);
        }
      },
    );
    await t.step("types are exact Arrow types", async () => {
      const { batches } = await readAll(`${dir}/t_zstd_V1.parquet`);
      const types = Object.fromEntries(
        batches[0].schema.fields.map((f) => [f.name, String(f.type)]),
      );
      assert.equal(types.i8, "Int8");
      assert.equal(types.u16, "Uint16");
      assert.equal(types.u64, "Uint64");
      assert.match(types.dec18, /^Decimal/);
      assert.equal(types.blob, "Binary");
      assert.equal(types.txt, "Dictionary<Int32, Utf8>");
      assert.equal(types.tstz, "Timestamp<MICROSECOND, UTC>");
      assert.equal(types.tsns, "Timestamp<NANOSECOND>");
      assert.match(types.lst, /^List</);
      assert.match(types.mp, /^Map</);
      assert.match(types.st, /^Struct</);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("int64 dictionaries whose values are float64 NaN bit patterns stay exact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-pqn-" });
  try {
    const path = `${dir}/nan_bits.parquet`;
    // -1, -2^52 and 0x7FF0…01 are NaN patterns as float64; the second column has none.
    const nanish = "[-1, -4503599627370496, 9218868437227405313, -9223372036854775808, 42]";
    const plain = "[1, 4503599627370496, 4611686018427387904, 7]";
    await duck(
      `copy (select (${nanish}::BIGINT[])[1 + i % 5] as a, (${plain}::BIGINT[])[1 + i % 4] as b,
                    case when i % 3 = 0 then null else (${nanish}::BIGINT[])[1 + i % 5] end as c
             from range(20000) t(i))
       to '${path}' (format parquet, compression zstd)`,
    );
    const meta = await duck(`select encodings from parquet_metadata('${path}')`);
    assert.ok(meta.every((m) => String(m.encodings).includes("DICTIONARY")), "dictionary-encoded");
    const theirs = await duck(
      `select a::VARCHAR a, b::VARCHAR b, c::VARCHAR c
       from read_parquet('${path}', file_row_number = true) order by file_row_number`,
    );
    const { rows } = await readAll(path);
    assert.deepEqual(rows, theirs);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
