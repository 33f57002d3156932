/**
 * Many-file datasets on local files (no server needed): folders, globs,
 * lists, hive partitions, pruning by statistics with exact row filters
 * (checked against DuckDB), shards, file shuffles, and the errors.
 */
import assert from "node:assert/strict";
import { Dictionary, Float64, Int32, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { arrow, csv, Dataset, files, parquet, type WhereCondition } from "../../mod.ts";
import { whereMask } from "../../lib/data/_where.ts";
import { duck, writeParts } from "./_s3_data.ts";
import { addRowHashes } from "./_row_hash.ts";

const dir = await Deno.makeTempDir({ prefix: "memkit-files-" });
// 600,000 rows: January (7 files) and part of February (6 files).
await writeParts(dir, 600_000, 20_000);
addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

async function rows(ds: AsyncIterable<{ numRows: number }>): Promise<number> {
  let n = 0;
  for await (const b of ds) n += b.numRows;
  return n;
}

Deno.test("files: a folder, a glob and a list give the same files, typed partitions", async () => {
  const folder = await files(`${dir}/flights`).plan();
  const glob = await files(`${dir}/flights/**/*.parquet`).plan();
  const list = await files(folder.files.map((f) => f.name)).plan();
  assert.equal(folder.files.length, 13);
  assert.deepEqual(glob.files.map((f) => f.name), folder.files.map((f) => f.name));
  assert.deepEqual(list.files.map((f) => f.name), folder.files.map((f) => f.name));
  for (const p of [folder, glob, list]) {
    assert.deepEqual(p.partitions.map((c) => `${c.name}:${c.kind}`), [
      "month:int32",
      "weekday:int32",
    ]);
  }
  assert.equal(await rows(parquet(`${dir}/flights`)), 600_000);
  // Partition columns come after the file's, typed int32.
  for await (const b of parquet(`${dir}/flights`).take(1)) {
    assert.deepEqual(
      b.schema.fields.map((f) => `${f.name}:${f.type}`),
      [
        "date:Timestamp<MICROSECOND>",
        "delay:Int64",
        "distance:Int64",
        "origin:Dictionary<Int32, Utf8>",
        "destination:Dictionary<Int32, Utf8>",
        "month:Int32",
        "weekday:Int32",
      ],
    );
  }
});

Deno.test("files: partitions and where prune before reading and filter exactly (DuckDB)", async () => {
  const ds = files(`${dir}/flights`, {
    columns: ["weekday", "distance", "origin"],
    partitions: (p) => p.month === 1,
    where: [["distance", ">=", 1500], ["weekday", "in", [1, 3]], ["origin", "!=", "LAX"]],
  });
  const plan = await ds.plan();
  assert.equal(plan.files.length, 2);
  assert.ok(plan.rowGroups.kept < plan.rowGroups.total, JSON.stringify(plan.rowGroups));
  const got = new Map<number, { n: number; s: number }>();
  for await (const b of ds) {
    const w = b.getChild("weekday")!.toArray() as Int32Array;
    const d = b.getChild("distance")!.toArray() as BigInt64Array;
    const o = b.getChild("origin")!;
    for (let i = 0; i < b.numRows; i++) {
      assert.ok(d[i] >= 1500n && o.get(i) !== "LAX");
      const e = got.get(w[i]) ?? { n: 0, s: 0 };
      e.n++;
      e.s += Number(d[i]);
      got.set(w[i], e);
    }
  }
  const expected = await duck(
    `SELECT weekday::INTEGER w, count(*)::INTEGER n, sum(distance)::DOUBLE s
     FROM read_parquet('${dir}/flights/*/*/*.parquet', hive_partitioning = true)
     WHERE month = 1 AND distance >= 1500 AND weekday IN (1, 3) AND origin <> 'LAX'
     GROUP BY 1 ORDER BY 1`,
  );
  assert.deepEqual(
    [...got.entries()].sort((a, b) => a[0] - b[0]).map(([w, e]) => ({ w, n: e.n, s: e.s })),
    expected,
  );
});

Deno.test("files: a Date in where compares with timestamp columns (DuckDB)", async () => {
  const n = await rows(
    files(`${dir}/flights`, {
      columns: ["delay"],
      where: [["date", ">=", new Date("2001-01-20T06:30:00Z")], [
        "date",
        "<",
        new Date("2001-02-02"),
      ]],
    }),
  );
  const [expected] = await duck(
    `SELECT count(*)::INTEGER n FROM read_parquet('${dir}/flights/*/*/*.parquet')
     WHERE date >= TIMESTAMP '2001-01-20 06:30:00' AND date < TIMESTAMP '2001-02-02'`,
  );
  assert.ok(n > 0);
  assert.equal(n, expected.n);
});

Deno.test("files: dictionary codes stay stable across files; CSV and Arrow folders read", async () => {
  const seen = new Map<number, string>();
  for await (const b of parquet(`${dir}/flights`, { columns: ["origin"] })) {
    const col = b.getChild("origin")!;
    const codes = col.data[0].values as Int32Array;
    for (let i = 0; i < b.numRows; i += 97) {
      const s = col.get(i) as string;
      const before = seen.get(codes[i]);
      if (before !== undefined) assert.equal(before, s);
      seen.set(codes[i], s);
    }
  }
  assert.equal(await rows(csv(`${dir}/csv`)), 30_000);
  assert.equal(await rows(csv(`${dir}/csv/part-*.csv`, { shuffleFiles: 3 })), 30_000);
  assert.equal(await rows(arrow([`${dir}/arrow/part-0.arrow`])), 200_000);
});

Deno.test("files: shard(i, n) covers every row once; shuffleFiles is reproducible per seed", async () => {
  const all: number[] = [];
  for await (const b of parquet(`${dir}/flights/month=1`)) addRowHashes(all, b);
  for (const shuffleFiles of [undefined, 11]) {
    const union: number[] = [];
    for (let i = 0; i < 3; i++) {
      const part: number[] = [];
      for await (const b of parquet(`${dir}/flights/month=1`, { shuffleFiles }).shard(i, 3)) {
        addRowHashes(part, b);
      }
      assert.ok(part.length > 0);
      for (const h of part) union.push(h);
    }
    assert.deepEqual(Float64Array.from(union).sort(), Float64Array.from(all).sort());
  }
  const order = async (seed: number) => {
    const out: number[] = [];
    const ds = files(`${dir}/flights`, { columns: ["weekday"], shuffleFiles: seed });
    for await (const b of ds.take(100_000)) {
      out.push(b.getChild("weekday")!.get(0) as number, b.numRows);
    }
    return out.join();
  };
  assert.equal(await order(5), await order(5));
  assert.notEqual(await order(5), await order(6));
  // The generic operator deals elements.
  const dealt: number[] = [];
  for await (
    const x of new Dataset("n", async function* () {
      for (let i = 0; i < 10; i++) yield i;
    }).shard(2, 4)
  ) dealt.push(x);
  assert.deepEqual(dealt, [2, 6]);
  assert.throws(
    () => parquet(`${dir}/flights`).shard(3, 3),
    /index must be an integer in \[0, 3\), got 3/,
  );
});

Deno.test("files: errors name the file, column and value", async () => {
  await assert.rejects(
    () => rows(files(`${dir}/flights`, { where: [["nope", ">", 1]] })),
    /Cannot read parquet ".*data_0\.parquet": where names column "nope", which it does not have/,
  );
  assert.throws(
    () => files(`${dir}/flights`, { where: [["distance", "~", 1]] as never }),
    /where\[0\] must be \[column, op, value\] with op one of/,
  );
  await assert.rejects(
    () => rows(files(`${dir}/flights`, { partitions: { year: () => true } })),
    /no partition "year" \(partitions: month, weekday\)/,
  );
  await assert.rejects(
    () => rows(files(`${dir}/nothing-here/*.parquet`)),
    /Cannot list ".*nothing-here\/\*\.parquet": ENOENT/,
  );
  await assert.rejects(
    () => rows(files([`${dir}/flights/month=1/weekday=1/data_0.parquet`, `${dir}/csv/part-0.csv`])),
    /files of several formats \(parquet, csv\)/,
  );
});

Deno.test("where: dictionary strings with nulls, numbers and int64 filter like SQL", () => {
  const s = vectorFromArray(["a", null, "b", "a", null], new Dictionary(new Utf8(), new Int32()));
  const x = vectorFromArray([1.5, 2, NaN, -1, 0], new Float64());
  const big = vectorFromArray([1n, 2n, 3n, 4n, 5n], new Int64());
  const batch = new Table({ s, x, big }).batches[0];
  const mask = (where: WhereCondition[]) => [...whereMask(batch, where, "t")];
  assert.deepEqual(mask([["s", "!=", "b"]]), [1, 0, 0, 1, 0]);
  assert.deepEqual(mask([["s", "in", ["a", "b"]]]), [1, 0, 1, 1, 0]);
  assert.deepEqual(mask([["x", ">=", 1.5]]), [1, 1, 0, 0, 0]);
  assert.deepEqual(mask([["big", ">", 2], ["x", "<", 10]]), [0, 0, 0, 1, 1]);
  assert.deepEqual(mask([["big", "in", [1n, 5]]]), [1, 0, 0, 0, 1]);
});
