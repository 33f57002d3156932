/**
 * Hand-crafted Parquet files (tests/data/_parquet_craft.ts): what no writer
 * here produces (Spark-style INT96, legacy 2-level lists, stored page CRCs,
 * a dictionary page at offset 0, empty and all-null pages), compared with
 * DuckDB, and every fault of issue 17 — each an error naming the file, row
 * group and column.
 */
import assert from "node:assert/strict";
import { parquet, ParquetError, type ParquetOptions } from "../../mod.ts";
import { craft, type PageSpec, plainOf, type SchemaSpec, type TStruct } from "./_parquet_craft.ts";
import { duck, readAll } from "./_parquet_ref.ts";

const INT32 = 1, INT96 = 3, BYTE_ARRAY = 6;
const REQUIRED = 0, OPTIONAL = 1, REPEATED = 2;
const UTF8 = 0, LIST = 3;
const RLE_DICTIONARY = 8, DELTA_BINARY_PACKED = 5;

const dir = await Deno.makeTempDir({ prefix: "memkit-pqf-" });
let n = 0;
async function write(bytes: Uint8Array): Promise<string> {
  const path = `${dir}/f${n++}.parquet`;
  await Deno.writeFile(path, bytes);
  return path;
}

const SCHEMA: SchemaSpec[] = [
  { name: "schema", children: 2 },
  { name: "a", type: INT32, repetition: OPTIONAL },
  { name: "b", type: BYTE_ARRAY, repetition: REQUIRED, converted: UTF8 },
];

/** Two row groups of 3 rows: a = [7, null, 9], b = x y z; `aPage` overrides a's page in group 1. */
function base(aPage: Partial<PageSpec> = {}, tweak?: (m: TStruct) => void): Uint8Array {
  const group = (extra: Partial<PageSpec>) => ({
    rows: 3,
    chunks: [
      {
        path: ["a"],
        type: INT32,
        numValues: 3,
        pages: [{
          count: 3,
          values: plainOf.i32([7, 9]),
          def: { levels: [1, 0, 1], width: 1 },
          ...extra,
        }],
      },
      {
        path: ["b"],
        type: BYTE_ARRAY,
        numValues: 3,
        pages: [{ count: 3, values: plainOf.bytes(["x", "y", "z"]) }],
      },
    ],
  });
  return craft(SCHEMA, [group({}), group(aPage)], tweak);
}

async function rejects(
  path: string,
  where: { rowGroup?: number; column?: string },
  problem: RegExp,
  options: ParquetOptions = {},
) {
  await assert.rejects(
    async () => {
      for await (const _ of parquet(path, options)) { /* read all */ }
    },
    (e: unknown) => {
      assert.ok(e instanceof ParquetError, `expected a ParquetError, got ${e}`);
      assert.equal(e.file, path);
      assert.equal(e.rowGroup, where.rowGroup, `row group in: ${e.message}`);
      assert.equal(e.column, where.column, `column in: ${e.message}`);
      assert.match(e.message, problem);
      assert.ok(e.message.includes(path));
      return true;
    },
  );
}

/** Footer helpers: the ColumnMetaData struct of row group g, column c. */
function chunkMeta(m: TStruct, g: number, c: number): TStruct {
  const groups = m[4][2] as TStruct[];
  const cols = groups[g][1][2] as TStruct[];
  return cols[c][3][1] as TStruct;
}

/**
 * Columns a (INT32: a dictionary [7, 9], then a 3-row page of `codes` with a null in the middle)
 * and b (x, y, z); `fix` edits the footer; `dictionaryEncoding` labels the dictionary page.
 */
function dictionaryFile(
  codes: Uint8Array,
  fix?: Parameters<typeof craft>[2],
  dictionaryEncoding?: number,
) {
  return craft(SCHEMA, [{
    rows: 3,
    chunks: [
      {
        path: ["a"],
        type: INT32,
        numValues: 3,
        pages: [
          {
            kind: "dict",
            count: 2,
            values: plainOf.i32([7, 9]),
            ...(dictionaryEncoding === undefined ? {} : { encoding: dictionaryEncoding }),
          },
          {
            count: 3,
            values: codes,
            def: { levels: [1, 0, 1], width: 1 },
            encoding: RLE_DICTIONARY,
          },
        ],
      },
      {
        path: ["b"],
        type: BYTE_ARRAY,
        numValues: 3,
        pages: [{ count: 3, values: plainOf.bytes(["x", "y", "z"]) }],
      },
    ],
  }], fix);
}

Deno.test("hand-crafted base file reads as DuckDB reads it (the writer is sound)", async () => {
  const path = await write(base());
  const { rows } = await readAll(path);
  const theirs = await duck(
    `select a::VARCHAR a, b from read_parquet('${path}', file_row_number=true) order by file_row_number`,
  );
  assert.deepEqual(rows, theirs);
  assert.deepEqual(rows.map((r) => r.a), ["7", null, "9", "7", null, "9"]);
});

Deno.test("page CRCs: stored and right passes, a flipped byte is an error, verifyChecksums: false skips", async () => {
  assert.equal((await readAll(await write(base({ crc: true })))).rows.length, 6);
  const good = base({ crc: true });
  // Flip a byte of a's value 9 in group 1 (its last 4 value bytes end the page).
  const bad = good.slice();
  const at = findLast(bad, plainOf.i32([7, 9]));
  bad[at + 4] ^= 0x01;
  const path = await write(bad);
  await rejects(path, { rowGroup: 1, column: "a" }, /page CRC mismatch/);
  const { rows } = await readAll(path, { verifyChecksums: false });
  assert.equal(rows[5].a, "8", "unchecked, the corrupted value comes through");
});

function findLast(hay: Uint8Array, needle: Uint8Array): number {
  for (let i = hay.length - needle.length; i >= 0; i--) {
    if (needle.every((b, k) => hay[i + k] === b)) return i;
  }
  throw new Error("not found");
}

Deno.test("issue 17 faults: each is a ParquetError naming file, row group and column", async (t) => {
  await t.step(
    "uncompressed_page_size 2^31−1 does not allocate (UNCOMPRESSED and ZSTD)",
    async () => {
      const before = Deno.memoryUsage().rss;
      await rejects(await write(base({ uncompressedSize: 2 ** 31 - 1 })), {
        rowGroup: 1,
        column: "a",
      }, /2147483647/);
      const zstd = craft(SCHEMA, [{
        rows: 3,
        chunks: [
          {
            path: ["a"],
            type: INT32,
            numValues: 3,
            codec: 6,
            pages: [{
              count: 3,
              values: plainOf.i32([7, 9]),
              def: { levels: [1, 0, 1], width: 1 },
              uncompressedSize: 2 ** 31 - 1,
            }],
          },
          {
            path: ["b"],
            type: BYTE_ARRAY,
            numValues: 3,
            pages: [{ count: 3, values: plainOf.bytes(["x", "y", "z"]) }],
          },
        ],
      }]);
      await rejects(await write(zstd), { rowGroup: 0, column: "a" }, /ZSTD page .*2147483647/);
      assert.ok(Deno.memoryUsage().rss - before < 256e6, "RSS grew by less than 256 MB");
    },
  );
  await t.step("total_compressed_size 2^40 and −1", async () => {
    for (const size of [2n ** 40n, -1n]) {
      const path = await write(base({}, (m) => {
        chunkMeta(m, 1, 1)[7] = ["i64", size];
      }));
      await rejects(path, { rowGroup: 1, column: "b" }, /total_compressed_size/);
    }
  });
  await t.step("num_rows = 0 in a row group that holds values", async () => {
    const path = await write(base({}, (m) => {
      (m[4][2] as TStruct[])[1][3] = ["i64", 0];
      m[3] = ["i64", 3];
    }));
    await rejects(
      path,
      { rowGroup: 1, column: "a" },
      /declares 0 rows but the column chunk holds 3 values/,
    );
  });
  await t.step("a renamed path_in_schema", async () => {
    const path = await write(base({}, (m) => {
      chunkMeta(m, 0, 1)[3] = ["list", "bin", ["renamed"]];
    }));
    await rejects(path, { rowGroup: 0, column: "b" }, /path_in_schema is "renamed"/);
  });
  await t.step("a duplicated schema name", async () => {
    const path = await write(base({}, (m) => {
      (m[2][2] as TStruct[])[2][4] = ["bin", "a"];
    }));
    await rejects(path, {}, /names "a" twice/);
  });
  await t.step("a dictionary page labelled DELTA_BINARY_PACKED", async () => {
    const path = await write(
      dictionaryFile(Uint8Array.from([1, 3, 0b10]), undefined, DELTA_BINARY_PACKED),
    );
    await rejects(
      path,
      { rowGroup: 0, column: "a" },
      /dictionary page encoded as DELTA_BINARY_PACKED/,
    );
  });
  await t.step("an empty file, 1 byte, and a footer length past the start", async () => {
    await rejects(await write(new Uint8Array(0)), {}, /has 0 bytes/);
    await rejects(await write(new Uint8Array(1)), {}, /has 1 bytes/);
    const lying = base();
    new DataView(lying.buffer).setUint32(lying.length - 8, lying.length, true);
    await rejects(await write(lying), {}, /declares \d+ bytes of metadata/);
  });
  await t.step("invalid UTF-8 in a string column (flat and inside a list)", async () => {
    const bad = craft(SCHEMA, [{
      rows: 3,
      chunks: [
        {
          path: ["a"],
          type: INT32,
          numValues: 3,
          pages: [{ count: 3, values: plainOf.i32([7, 9]), def: { levels: [1, 0, 1], width: 1 } }],
        },
        {
          path: ["b"],
          type: BYTE_ARRAY,
          numValues: 3,
          pages: [{
            count: 3,
            values: plainOf.bytes(["x", Uint8Array.from([0xff, 0xfe, 0x01]), "z"]),
          }],
        },
      ],
    }]);
    await rejects(await write(bad), { rowGroup: 0, column: "b" }, /not valid UTF-8/);
    const listed = craft([
      { name: "schema", children: 1 },
      { name: "l", repetition: OPTIONAL, converted: LIST, children: 1 },
      { name: "list", repetition: REPEATED, children: 1 },
      { name: "element", type: BYTE_ARRAY, repetition: OPTIONAL, converted: UTF8 },
    ], [{
      rows: 1,
      chunks: [{
        path: ["l", "list", "element"],
        type: BYTE_ARRAY,
        numValues: 2,
        pages: [{
          count: 2,
          values: plainOf.bytes(["ok", Uint8Array.from([0xc3, 0x28])]),
          def: { levels: [3, 3], width: 2 },
          rep: { levels: [0, 1], width: 1 },
        }],
      }],
    }]);
    await rejects(
      await write(listed),
      { rowGroup: 0, column: "l.list.element" },
      /string value 1 is not valid UTF-8 \(bytes c3 28/,
    );
  });
  await t.step("a dictionary index past the dictionary", async () => {
    // bit width 3, one RLE run of 2 × code 5
    const path = await write(dictionaryFile(Uint8Array.from([3, 4, 5])));
    await rejects(
      path,
      { rowGroup: 0, column: "a" },
      /dictionary index 5 is out of range \(2 entries\)/,
    );
  });
  await t.step("a page that holds more values than its row group", async () => {
    const path = await write(
      base({ count: 4, def: { levels: [1, 0, 1, 1], width: 1 }, values: plainOf.i32([7, 9, 1]) }),
    );
    await rejects(path, { rowGroup: 1, column: "a" }, /4 values, past the row group's 3 rows/);
  });
});

Deno.test("dictionary page at offset 0, all-null page, empty v2 page", async () => {
  // bit width 1, one bit-packed group: codes 0, 1
  const dict = dictionaryFile(Uint8Array.from([1, 3, 0b10]), (m) => {
    const meta = chunkMeta(m, 0, 0);
    meta[9] = meta[11]; // data_page_offset points at the dictionary page
    meta[11] = ["i64", 0];
  });
  const path = await write(dict);
  const theirs = await duck(
    `select a::VARCHAR a, b from read_parquet('${path}', file_row_number=true) order by file_row_number`,
  );
  assert.deepEqual((await readAll(path)).rows, theirs);
  assert.deepEqual(theirs.map((r) => r.a), ["7", null, "9"]);

  const pages = craft(SCHEMA, [{
    rows: 4,
    chunks: [
      {
        path: ["a"],
        type: INT32,
        numValues: 4,
        pages: [
          { kind: "v2", count: 0, values: new Uint8Array(0), def: { levels: [], width: 1 } },
          { count: 2, values: new Uint8Array(0), def: { levels: [0, 0], width: 1 } },
          { kind: "v2", count: 2, values: plainOf.i32([5]), def: { levels: [0, 1], width: 1 } },
        ],
      },
      {
        path: ["b"],
        type: BYTE_ARRAY,
        numValues: 4,
        pages: [{ count: 4, values: plainOf.bytes(["p", "q", "r", "s"]) }],
      },
    ],
  }]);
  const p2 = await write(pages);
  const theirs2 = await duck(
    `select a::VARCHAR a, b from read_parquet('${p2}', file_row_number=true) order by file_row_number`,
  );
  assert.deepEqual((await readAll(p2)).rows, theirs2);
  assert.deepEqual(theirs2.map((r) => r.a), [null, null, null, "5"]);
});

function int96(day: number, nanos: bigint): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, nanos, true);
  v.setInt32(8, day, true);
  return b;
}

Deno.test('Spark-style INT96 → Timestamp(ns) equal to DuckDB; out of range names row and column; int96: "us"', async () => {
  const JD = 2440588; // 1970-01-01
  const schema: SchemaSpec[] = [{ name: "spark_schema", children: 1 }, {
    name: "t",
    type: INT96,
    repetition: OPTIONAL,
  }];
  const values = [
    int96(JD, 43_200_000_000_000n),
    int96(JD - 36525, 1_000n),
    int96(JD + 20000, 86_399_999_999_000n),
  ];
  const file = (vals: Uint8Array[], defs: number[]) =>
    craft(schema, [{
      rows: defs.length,
      chunks: [{
        path: ["t"],
        type: INT96,
        numValues: defs.length,
        pages: [{
          count: defs.length,
          values: Uint8Array.from(vals.flatMap((v) => [...v])),
          def: { levels: defs, width: 1 },
        }],
      }],
    }]);
  const path = await write(file(values, [1, 0, 1, 1]));
  const { rows, batches } = await readAll(path);
  assert.equal(String(batches[0].schema.fields[0].type), "Timestamp<NANOSECOND>");
  const theirs = await duck(
    `select epoch_ns(t)::VARCHAR t from read_parquet('${path}', file_row_number=true) order by file_row_number`,
  );
  assert.deepEqual(rows, theirs);
  assert.deepEqual(rows.map((r) => r.t), [
    "43200000000000",
    null,
    "-3155759999999999000",
    "1728086399999999000",
  ]);

  const far = await write(file([values[0], int96(JD + 200_000, 0n)], [1, 1, 0]));
  await assert.rejects(async () => {
    for await (const _ of parquet(far)) { /* */ }
  }, (e: unknown) => {
    assert.ok(e instanceof ParquetError);
    assert.equal(e.row, 1);
    assert.equal(e.column, "t");
    assert.equal(e.rowGroup, 0);
    assert.match(e.message, /INT96 timestamp .* outside the int64 nanosecond range/);
    return true;
  });
  const us = await readAll(far, { int96: "us" });
  const theirsUs = await duck(
    `select epoch_us(t)::VARCHAR t from read_parquet('${far}', file_row_number=true) order by file_row_number`,
  );
  assert.deepEqual(us.rows, theirsUs);
  assert.equal(String(us.batches[0].schema.fields[0].type), "Timestamp<MICROSECOND>");
});

Deno.test("legacy 2-level lists (repeated primitive inside LIST) equal DuckDB's read", async () => {
  const schema: SchemaSpec[] = [
    { name: "schema", children: 2 },
    { name: "id", type: INT32, repetition: REQUIRED },
    { name: "l", repetition: OPTIONAL, converted: LIST, children: 1 },
    { name: "array", type: INT32, repetition: REPEATED },
  ];
  // rows: [1, 2], null, [], [3]
  const path = await write(craft(schema, [{
    rows: 4,
    chunks: [
      {
        path: ["id"],
        type: INT32,
        numValues: 4,
        pages: [{ count: 4, values: plainOf.i32([0, 1, 2, 3]) }],
      },
      {
        path: ["l", "array"],
        type: INT32,
        numValues: 5,
        pages: [{
          count: 5,
          values: plainOf.i32([1, 2, 3]),
          def: { levels: [2, 2, 0, 1, 2], width: 2 },
          rep: { levels: [0, 1, 0, 0, 0], width: 1 },
        }],
      },
    ],
  }]));
  const { rows, batches } = await readAll(path);
  assert.equal(String(batches[0].schema.fields[1].type), "List<Int32>");
  const theirs = await duck(
    `select id::VARCHAR id, to_json(l)::VARCHAR l from read_parquet('${path}', file_row_number=true) order by file_row_number`,
  );
  assert.deepEqual(rows, theirs.map((r) => ({ id: r.id, l: JSON.parse(r.l as string) })));
  assert.deepEqual(rows.map((r) => r.l), [[1, 2], null, [], [3]]);
});

globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
