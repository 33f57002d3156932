import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { parquet } from "../../mod.ts";

const FLIGHTS = "node_modules/vega-datasets/data/flights-3m.parquet";

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

Deno.test("flights-3m: 3,000,000 rows and column sums equal DuckDB's exactly", async () => {
  const [expected] = await duck(
    `select count(*)::BIGINT n, sum(delay)::BIGINT delay, sum(distance)::BIGINT distance,
            sum(epoch_us(date))::HUGEINT date, count(delay)::BIGINT delays,
            sum(length(origin))::BIGINT originChars, sum(length(destination))::BIGINT destChars
     from '${FLIGHTS}'`,
  );
  const origins = await duck(
    `select origin, count(*)::BIGINT n from '${FLIGHTS}' group by origin order by origin`,
  );
  let rows = 0;
  let batches = 0;
  let delay = 0n;
  let distance = 0n;
  let date = 0n;
  let delays = 0;
  let originChars = 0;
  let destChars = 0;
  const perOrigin = new Map<string, number>();
  for await (const b of parquet(FLIGHTS)) {
    batches++;
    rows += b.numRows;
    const d = b.getChild("delay")!;
    const delayData = d.data[0];
    for (const v of delayData.values as BigInt64Array) delay += v;
    delays += b.numRows - delayData.nullCount;
    for (const v of b.getChild("distance")!.data[0].values as BigInt64Array) distance += v;
    for (const v of b.getChild("date")!.data[0].values as BigInt64Array) date += v;
    for (const name of ["origin", "destination"] as const) {
      const data = b.getChild(name)!.data[0];
      const dict = data.dictionary!;
      const lengths = Array.from({ length: dict.length }, (_, i) => (dict.get(i) as string).length);
      const codes = data.values as Int32Array;
      let chars = 0;
      for (let i = 0; i < codes.length; i++) chars += lengths[codes[i]];
      if (name === "origin") {
        originChars += chars;
        const counts = new Int32Array(dict.length);
        for (let i = 0; i < codes.length; i++) counts[codes[i]]++;
        for (let c = 0; c < counts.length; c++) {
          const s = dict.get(c) as string;
          perOrigin.set(s, (perOrigin.get(s) ?? 0) + counts[c]);
        }
      } else destChars += chars;
    }
  }
  assert.equal(rows, 3_000_000);
  assert.equal(batches, 11, "one batch per row group");
  assert.equal(String(rows), expected.n);
  assert.equal(String(delay), expected.delay);
  assert.equal(String(distance), expected.distance);
  assert.equal(String(date), expected.date);
  assert.equal(String(delays), expected.delays);
  assert.equal(String(originChars), expected.originChars);
  assert.equal(String(destChars), expected.destChars);
  assert.deepEqual(
    [...perOrigin].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)),
    origins.map((r) => [r.origin, Number(r.n)]),
  );
});

Deno.test("parquet projects columns, splits row groups into batchRows and keeps types", async () => {
  const ds = parquet(FLIGHTS, { columns: ["distance", "date"], batchRows: 100_000 });
  const sizes: number[] = [];
  for await (const b of ds.take(600_000)) {
    assert.deepEqual(b.schema.fields.map((f) => f.name), ["distance", "date"]);
    assert.equal(String(b.schema.fields[1].type), "Timestamp<MICROSECOND>");
    assert.equal(String(b.schema.fields[0].type), "Int64");
    sizes.push(b.numRows);
  }
  // row groups hold 272,727 rows: 2 full slices and a remainder each, then take cuts the third
  assert.deepEqual(sizes, [100_000, 100_000, 72_727, 100_000, 100_000, 72_727, 54_546]);
  const [first] = await duck(`select epoch_us(date)::BIGINT d from '${FLIGHTS}' limit 1`);
  for await (const b of ds.take(1)) {
    assert.equal(String(b.getChild("date")!.data[0].values[0]), first.d);
  }
});

Deno.test("parquet errors name the file and the value", async () => {
  await assert.rejects(async () => {
    for await (const _ of parquet(FLIGHTS, { columns: ["nope"] })) { /* */ }
  }, {
    name: "ParquetError",
    message: `Cannot read parquet "${FLIGHTS}" (column "nope"): no column "nope" (columns: ` +
      `date, delay, distance, origin, destination; leaves: date, delay, distance, origin, destination)`,
  });
  await assert.rejects(async () => {
    for await (const _ of parquet("no/such.parquet")) { /* */ }
  }, { name: "TypeError", message: /^Cannot read parquet "no\/such.parquet": ENOENT/ });
  const notParquet = "node_modules/vega-datasets/data/seattle-weather.csv";
  await assert.rejects(async () => {
    for await (const _ of parquet(notParquet)) { /* */ }
  }, {
    name: "ParquetError",
    message:
      `Cannot read parquet "${notParquet}": not a Parquet file: no PAR1 magic at its start and end`,
  });
  assert.throws(() => parquet(FLIGHTS, { batchRows: 0 }), {
    name: "RangeError",
    message: `Cannot read parquet "${FLIGHTS}": batchRows must be a positive integer, got 0`,
  });
});

Deno.test("parquet over HTTP uses range requests and fetches only projected columns", async () => {
  const bytes = await Deno.readFile(FLIGHTS);
  let served = 0;
  let whole = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.get("range") ?? "");
    if (!range) {
      whole++;
      return new Response(bytes);
    }
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]) + 1, bytes.length);
    served += end - start;
    return new Response(bytes.subarray(start, end), {
      status: 206,
      headers: { "content-range": `bytes ${start}-${end - 1}/${bytes.length}` },
    });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/flights-3m.parquet`;
    let rows = 0;
    let distance = 0n;
    for await (const b of parquet(url, { columns: ["distance"] })) {
      rows += b.numRows;
      for (const v of b.getChild("distance")!.data[0].values as BigInt64Array) distance += v;
    }
    assert.equal(rows, 3_000_000);
    assert.equal(distance, 2194861208n);
    assert.equal(whole, 0);
    assert.ok(served < bytes.length / 2, `served ${served} of ${bytes.length} bytes`);
  } finally {
    await server.shutdown();
  }
  const plain = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("x"),
  );
  try {
    const url = `http://127.0.0.1:${plain.addr.port}/f.parquet`;
    await assert.rejects(async () => {
      for await (const _ of parquet(url)) { /* */ }
    }, {
      name: "TypeError",
      message:
        `Cannot read parquet "${url}": expected HTTP 206 to a range request, got 200 (the server does not support range requests)`,
    });
  } finally {
    await plain.shutdown();
  }
});

Deno.test("parquet with nulls, booleans, decimals, dates and snappy matches DuckDB value for value", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/mixed.parquet`;
    await duck(
      `copy (select i::INTEGER as i,
                    case when i % 7 = 0 then null else i * 1.5 end::DOUBLE as x,
                    case when i % 5 = 0 then null else (i % 3 = 0) end as flag,
                    case when i % 11 = 0 then null else 'c' || (i % 4)::VARCHAR end as s,
                    (i / 8.0)::DECIMAL(10, 3) as d,
                    DATE '2020-01-01' + (i % 400)::INTEGER as day,
                    (i * 1000003)::BIGINT as big
             from range(5000) t(i))
       to '${path}' (format parquet, compression snappy, row_group_size 1024)`,
    );
    const expected = await duck(
      `select i, x, flag, s, d::DOUBLE as d, (day - DATE '1970-01-01')::INTEGER as day,
              big::VARCHAR as big from '${path}' order by i`,
    );
    const unscaled = await duck(
      `select replace(d::VARCHAR, '.', '') as d, (d * 1000)::BIGINT::VARCHAR as u from '${path}' order by i`,
    );
    const rows: Record<string, unknown>[] = [];
    for await (const b of parquet(path, { batchRows: 700 })) {
      for (let r = 0; r < b.numRows; r++) {
        const row: Record<string, unknown> = {};
        for (const f of b.schema.fields) {
          const data = b.getChild(f.name)!.data[0];
          const valid = data.nullCount === 0 ||
            ((data.nullBitmap![(data.offset + r) >> 3] >> ((data.offset + r) & 7)) & 1) === 1;
          let v: unknown = valid ? b.getChild(f.name)!.get(r) : null;
          if (f.name === "day" && valid) v = (data.values as Int32Array)[r];
          if (f.name === "d" && valid) {
            assert.deepEqual([
              (f.type as { scale: number }).scale,
              (f.type as { precision: number }).precision,
            ], [3, 10]);
            const w = data.values as Uint32Array;
            const o = r * 4;
            v = (BigInt.asIntN(64, (BigInt(w[o + 1]) << 32n) | BigInt(w[o]))).toString();
          }
          if (typeof v === "bigint") v = v.toString();
          row[f.name] = v;
        }
        rows.push(row);
      }
    }
    assert.equal(rows.length, 5000);
    for (let k = 0; k < 5000; k++) {
      const e = expected[k];
      const o = rows[k];
      assert.deepEqual(
        [o.i, o.x, o.flag, o.s, o.d, o.day, o.big],
        [e.i, e.x, e.flag, e.s, unscaled[k].u, e.day, e.big],
        `row ${k}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
