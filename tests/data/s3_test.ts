/**
 * Many-file datasets through a real S3 server: Ceph radosgw on 127.0.0.1
 * (tests/_radosgw.ts), fed with flights-3m split by month (DuckDB) plus CSV
 * and Arrow files. Skipped, saying why, where Ceph is missing and this is
 * not root.
 */
import assert from "node:assert/strict";
import type { RecordBatch } from "apache-arrow";
import { AwsClient } from "aws4fetch";
import { arrow, csv, files, parquet, RemoteReadError } from "../../mod.ts";
import { remoteStats } from "../../lib/data/_http.ts";
import { ensureCeph, startRadosgw } from "../_radosgw.ts";
import { duck, Uploader, walkFiles, writeParts } from "./_s3_data.ts";
import { addRowHashes } from "./_row_hash.ts";

const why = await ensureCeph();
if (why) console.warn(`s3_test skipped: ${why}`);

function withoutLength(h: Headers): Headers {
  const out = new Headers(h);
  out.delete("content-length");
  return out;
}

/** Every value of two datasets, batch by batch: same schema, same bytes. */
async function sameValues(
  a: AsyncIterable<RecordBatch>,
  b: AsyncIterable<RecordBatch>,
): Promise<number> {
  const left = a[Symbol.asyncIterator]();
  const right = b[Symbol.asyncIterator]();
  let rows = 0;
  while (true) {
    const [x, y] = await Promise.all([left.next(), right.next()]);
    assert.equal(x.done, y.done, `one side ended first after ${rows} rows`);
    if (x.done || y.done) return rows;
    const p = x.value, q = y.value;
    assert.deepEqual(
      p.schema.fields.map((f) => `${f.name}:${f.type}`),
      q.schema.fields.map((f) => `${f.name}:${f.type}`),
    );
    assert.equal(p.numRows, q.numRows);
    for (const f of p.schema.fields) {
      const u = p.getChild(f.name)!, v = q.getChild(f.name)!;
      assert.equal(u.nullCount, v.nullCount, `${f.name}: nulls at row ${rows}`);
      if (u.type.dictionary) {
        for (let i = 0; i < p.numRows; i++) {
          if (u.get(i) !== v.get(i)) {
            assert.fail(`${f.name}: row ${rows + i}: ${u.get(i)} ≠ ${v.get(i)}`);
          }
        }
      } else {
        const ua = u.toArray() as ArrayLike<unknown>, va = v.toArray() as ArrayLike<unknown>;
        for (let i = 0; i < p.numRows; i++) {
          if (ua[i] !== va[i] && !(Number.isNaN(ua[i]) && Number.isNaN(va[i]))) {
            assert.fail(`${f.name}: row ${rows + i}: ${ua[i]} ≠ ${va[i]}`);
          }
        }
      }
    }
    rows += p.numRows;
  }
}

Deno.test({
  name: "s3:// against a real radosgw: listing, partitions, pruning, values, shards, faults",
  ignore: why !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startRadosgw();
    if (typeof server === "string") throw new Error(server);
    const dir = await Deno.makeTempDir({ prefix: "memkit-s3-" });
    console.log(
      `radosgw answered S3 ${server.startSeconds.toFixed(1)} s after start, daemons' RSS ${
        Math.round((await server.rss()) / 1e6)
      } MB`,
    );
    try {
      const s3 = {
        endpoint: server.endpoint,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
      };
      await writeParts(dir);
      const up = new Uploader(server.endpoint, server.accessKeyId, server.secretAccessKey);
      await up.bucket("data");
      const keys = await up.folder(dir, "data");
      const parquetKeys = keys.filter((k) => k.endsWith(".parquet"));
      // What writers leave beside the data, which a listing must skip.
      await up.object("data", "flights/_SUCCESS", new Uint8Array());
      await up.object("data", "flights/_temporary/0/part-9.parquet", new Uint8Array([1, 2, 3]));
      await up.object("data", "flights/month=1/weekday=1/.data_0.parquet.crc", new Uint8Array(8));
      assert.ok(parquetKeys.length >= 40, keys.join());

      await t.step("listing pages through continuation tokens (4 keys per page)", async () => {
        const before = remoteStats.requests;
        const plan = await files("s3://data/flights/", { s3, listPageSize: 4 }).plan();
        const listed = remoteStats.requests - before;
        assert.deepEqual(plan.files.map((f) => f.name), parquetKeys.map((k) => `s3://data/${k}`));
        assert.ok(
          listed >= Math.ceil(parquetKeys.length / 4),
          `${listed} requests for ${parquetKeys.length} keys`,
        );
        assert.deepEqual(plan.partitions.map((p) => [p.name, p.kind]), [
          ["month", "int32"],
          ["weekday", "int32"],
        ]);
        // Globs list the prefix before the first wildcard and match keys.
        const glob = await files("s3://data/flights/month=[12]/weekday=*/*.parquet", {
          s3,
          listPageSize: 4,
        }).plan();
        assert.deepEqual(
          [...new Set(glob.files.map((f) => f.values[0]))],
          [1, 2],
        );
        assert.equal(glob.files.length, 14);
      });

      await t.step("every value read through s3:// equals the local read", async () => {
        const rows = await sameValues(
          parquet("s3://data/flights/", { s3 }),
          parquet(`${dir}/flights/`),
        );
        assert.equal(rows, 3_000_000);
        assert.equal(
          await sameValues(csv("s3://data/csv/", { s3 }), csv(`${dir}/csv/`)),
          30_000,
        );
        assert.equal(
          await sameValues(arrow("s3://data/arrow/", { s3 }), arrow(`${dir}/arrow/`)),
          200_000,
        );
      });

      await t.step("partitions, where and projection equal DuckDB", async () => {
        const expected = await duck(
          `SELECT month::INTEGER AS m, count(*)::INTEGER n, sum(delay)::BIGINT d, sum(distance)::BIGINT s,
                  count(DISTINCT origin)::INTEGER o
           FROM read_parquet('${dir}/flights/*/*/*.parquet', hive_partitioning = true)
           WHERE distance > 1000 AND origin = 'SFO' AND month >= 4 GROUP BY month ORDER BY month`,
        );
        const got = new Map<number, { n: number; d: bigint; s: bigint; o: Set<string> }>();
        const ds = parquet("s3://data/flights/", {
          s3,
          columns: ["month", "delay", "distance", "origin"],
          partitions: { month: (m) => (m as number) >= 4 },
          where: [["distance", ">", 1000], ["origin", "==", "SFO"]],
        });
        for await (const b of ds) {
          assert.deepEqual(b.schema.fields.map((f) => f.name), [
            "month",
            "delay",
            "distance",
            "origin",
          ]);
          const month = b.getChild("month")!.toArray() as Int32Array;
          const delay = b.getChild("delay")!, distance = b.getChild("distance")!;
          const origin = b.getChild("origin")!;
          for (let i = 0; i < b.numRows; i++) {
            const m = month[i];
            const e = got.get(m) ?? { n: 0, d: 0n, s: 0n, o: new Set<string>() };
            e.n++;
            e.d += BigInt(delay.get(i) as number);
            e.s += BigInt(distance.get(i) as number);
            e.o.add(origin.get(i) as string);
            got.set(m, e);
          }
        }
        assert.deepEqual(
          [...got.entries()].sort((a, b) => a[0] - b[0]).map(([m, e]) => ({
            month: m,
            n: e.n,
            d: String(e.d),
            s: String(e.s),
            o: e.o.size,
          })),
          expected.map((r) => ({ month: r.m, n: r.n, d: String(r.d), s: String(r.s), o: r.o })),
        );
      });

      await t.step("projection and pruning read under 1/5 of the bytes", async () => {
        let all = 0;
        for (const rel of await walkFiles(`${dir}/flights`)) {
          all += (await Deno.stat(`${dir}/flights/${rel}`)).size;
        }
        const before = remoteStats.bytes;
        const ds = parquet("s3://data/flights/", {
          s3,
          columns: ["delay"],
          where: [["month", "in", [1, 2]], ["delay", ">", 120]],
        });
        let rows = 0;
        for await (const b of ds) rows += b.numRows;
        const read = remoteStats.bytes - before;
        const [expected] = await duck(
          `SELECT count(*)::INTEGER n FROM read_parquet('${dir}/flights/*/*/*.parquet', hive_partitioning = true)
           WHERE month <= 2 AND delay > 120`,
        );
        assert.equal(rows, expected.n);
        assert.ok(read < all / 5, `read ${read} of ${all} bytes`);
      });

      await t.step("shard(i, 3) in three processes reads every row exactly once", async () => {
        const env = {
          AWS_ACCESS_KEY_ID: server.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
          AWS_ENDPOINT_URL: server.endpoint,
        };
        // January: 7 files, 28 row groups, 508,239 rows.
        const whole: number[] = [];
        for await (const b of parquet(`${dir}/flights/month=1/`)) addRowHashes(whole, b);
        const expected = Float64Array.from(whole).sort();
        assert.equal(expected.length, 508_239);
        for (const seed of [undefined, 7]) {
          const outs = [0, 1, 2].map((i) => `${dir}/shard-${i}.bin`);
          const children = outs.map((out, i) =>
            new Deno.Command(Deno.execPath(), {
              args: [
                "run",
                "-A",
                "--config",
                "deno.test.json",
                "tests/data/_shard_child.ts",
                "s3://data/flights/month=1/",
                String(i),
                "3",
                out,
                ...(seed === undefined ? [] : [String(seed)]),
              ],
              env,
              stdout: "inherit",
              stderr: "inherit",
            }).output()
          );
          for (const r of await Promise.all(children)) assert.ok(r.success, `a worker failed`);
          const parts = await Promise.all(
            outs.map(async (o) => new Float64Array((await Deno.readFile(o)).buffer)),
          );
          assert.ok(parts.every((p) => p.length > 0), parts.map((p) => p.length).join());
          const union = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
          let at = 0;
          for (const p of parts) union.set(p, (at += p.length) - p.length);
          assert.deepEqual(union.sort(), expected);
        }
      });

      // A proxy on 127.0.0.1 in front of radosgw that misbehaves on command.
      const signer = new AwsClient({
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        service: "s3",
        region: "us-east-1",
      });
      let mode: "ok" | "503" | "drop" | "always503" = "ok";
      let failures = 0;
      const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        const url = new URL(req.url);
        // Re-signed for the upstream host (the client signed for the proxy's).
        const headers: Record<string, string> = {};
        for (const h of ["range", "if-match"]) {
          const v = req.headers.get(h);
          if (v) headers[h] = v;
        }
        const upstream = await signer.fetch(`${server.endpoint}${url.pathname}${url.search}`, {
          headers,
        });
        const ranged = req.headers.has("range") && !url.search.includes("list-type");
        if (ranged && (mode === "always503" || (mode === "503" && failures < 2))) {
          failures++;
          await upstream.body?.cancel();
          return new Response("slow down", { status: 503 });
        }
        if (ranged && mode === "drop" && failures < 2) {
          failures++;
          const bytes = new Uint8Array(await upstream.arrayBuffer());
          const half = bytes.subarray(0, bytes.length >> 1);
          return new Response(
            new ReadableStream({
              start(c) {
                // Half the body, then a clean end: the reader must not take it for the end.
                c.enqueue(half);
                c.close();
              },
            }),
            { status: upstream.status, headers: withoutLength(upstream.headers) },
          );
        }
        return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
      });
      const proxied = { ...s3, endpoint: `http://127.0.0.1:${proxy.addr.port}` };
      const remote = { backoff: 5, retries: 3 };
      try {
        await t.step("a 503 or a body cut short is retried; values stay equal", async () => {
          for (const m of ["503", "drop"] as const) {
            mode = m;
            failures = 0;
            const retries = remoteStats.retries;
            const rows = await sameValues(
              parquet("s3://data/flights/month=3/weekday=2/", {
                s3: proxied,
                remote,
                columns: ["delay", "origin"],
              }),
              parquet(`${dir}/flights/month=3/weekday=2/`, { columns: ["delay", "origin"] }),
            );
            assert.ok(rows > 0);
            assert.equal(failures, 2, m);
            assert.ok(remoteStats.retries - retries >= 2, m);
          }
        });
        await t.step(
          "a server that keeps failing is reported with URL, range, status and tries",
          async () => {
            mode = "always503";
            await assert.rejects(
              async () => {
                for await (
                  const _ of parquet("s3://data/flights/month=3/", { s3: proxied, remote })
                ) { /* */ }
              },
              (e: unknown) => {
                assert.ok(e instanceof RemoteReadError, String(e));
                assert.equal(e.status, 503);
                assert.equal(e.tries, 4);
                assert.match(e.url, /^s3:\/\/data\/flights\/month=3\//);
                assert.match(
                  e.message,
                  /bytes \d+-\d+\): HTTP 503, Service Unavailable, after 4 tries/,
                );
                return true;
              },
            );
          },
        );
        await t.step("abort ends every request in flight", async () => {
          mode = "ok";
          const controller = new AbortController();
          const reason = new Error("stop");
          let batches = 0;
          await assert.rejects(async () => {
            for await (
              const _ of parquet("s3://data/flights/", { s3, signal: controller.signal })
            ) {
              if (++batches === 2) controller.abort(reason);
            }
          }, (e) => e === reason);
          // The requests in flight unwind as the abort reaches them.
          for (let i = 0; i < 500 && remoteStats.inFlight > 0; i++) {
            await new Promise((r) => setTimeout(r, 10));
          }
          assert.equal(remoteStats.inFlight, 0);
        });
      } finally {
        await proxy.shutdown();
      }
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
