/**
 * `deno task bench scale`: the month×weekday-partitioned flights dataset
 * (Parquet written by DuckDB) read through s3:// from a local radosgw
 * against the same files read locally, at two sizes. Reports rows/s, peak
 * RSS, requests, and bytes transferred ÷ bytes of the projected column
 * chunks (goal ≤ 1.2); peak RSS goal ≤ 200 MB at both sizes. Each read runs
 * in its own process (peak RSS is its own). `--smoke`: 100k and 300k rows.
 * @module
 */
import { parquetMetadataAsync } from "hyparquet";
import { parquet } from "../../mod.ts";
import { remoteStats } from "../../lib/data/_http.ts";
import { bench, peakRssMB } from "./_util.ts";
import { startRadosgw } from "../_radosgw.ts";
import { Uploader, walkFiles, writeParts } from "../data/_s3_data.ts";

const COLUMNS = ["delay", "distance", "origin"];

if (Deno.args[0] === "--child") {
  const source = Deno.args[1];
  const t0 = performance.now();
  let rows = 0;
  let check = 0;
  for await (const b of parquet(source, { columns: COLUMNS })) {
    rows += b.numRows;
    for (const v of b.getChild("distance")!.data[0].values as BigInt64Array) check += Number(v);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({
    seconds,
    rows,
    peakMB: peakRssMB(),
    check,
    requests: remoteStats.requests,
    bytes: remoteStats.bytes,
  }));
  Deno.exit(0);
}

interface ChildRun {
  seconds: number;
  rows: number;
  peakMB: number;
  check: number;
  requests: number;
  bytes: number;
}

async function child(source: string, env: Record<string, string>): Promise<ChildRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      new URL("../../deno.test.json", import.meta.url).pathname,
      new URL(import.meta.url).pathname,
      "--child",
      source,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`reading ${source} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(text.split("\n").pop()!);
}

/** Bytes of the projected column chunks (what a perfect reader fetches), from the footers. */
async function neededBytes(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  const rels = await walkFiles(dir);
  for (const rel of rels) {
    const data = await Deno.readFile(`${dir}/${rel}`);
    const meta = await parquetMetadataAsync(data.buffer as ArrayBuffer);
    for (const g of meta.row_groups) {
      for (const c of g.columns) {
        if (COLUMNS.includes(c.meta_data!.path_in_schema[0])) {
          bytes += Number(c.meta_data!.total_compressed_size);
        }
      }
    }
  }
  return { bytes, files: rels.length };
}

const smoke = Deno.args.includes("--smoke");
const sizes = smoke ? [100_000, 300_000] : [1_000_000, 3_000_000];
const server = await startRadosgw();
if (typeof server === "string") {
  console.error(`bench scale: no S3 server: ${server}`);
  console.log(
    `BENCH scale ${
      JSON.stringify({
        metric: "bytes sent ÷ projected column chunks (skipped: no radosgw)",
        ours: { skipped: server },
        rival: { skipped: server },
        ratio: null,
        goal: 1.2,
        met: false,
      })
    }`,
  );
  Deno.exit(0);
}
const dir = await Deno.makeTempDir({ prefix: "memkit-scale-" });
try {
  const up = new Uploader(server.endpoint, server.accessKeyId, server.secretAccessKey);
  await up.bucket("bench");
  const env = {
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_ENDPOINT_URL: server.endpoint,
  };
  for (const n of sizes) {
    const local = `${dir}/${n}`;
    await writeParts(local, n, 100_000, true);
    await up.folder(`${local}/flights`, "bench", `rows-${n}/`);
    const needed = await neededBytes(`${local}/flights`);
    const s3 = await child(`s3://bench/rows-${n}/`, env);
    const disk = await child(`${local}/flights/`, {});
    if (s3.rows !== n || disk.rows !== n || s3.check !== disk.check) {
      throw new Error(
        `bench scale: S3 read ${s3.rows} rows (check ${s3.check}), local ${disk.rows} (${disk.check})`,
      );
    }
    const label = `${n / 1e6}M rows, ${needed.files} files, columns ${COLUMNS.join("+")}`;
    console.error(
      `scale ${label}: S3 ${s3.requests} requests, ${s3.bytes} bytes for ${needed.bytes} needed; ` +
        `${Math.round(s3.rows / s3.seconds)} rows/s (local ${
          Math.round(disk.rows / disk.seconds)
        }); ` +
        `peak RSS ${s3.peakMB.toFixed(0)} MB (local ${disk.peakMB.toFixed(0)} MB)`,
    );
    const ratio = s3.bytes / needed.bytes;
    console.log(`BENCH scale ${
      JSON.stringify({
        metric: `bytes sent ÷ projected column chunks, S3, ${label}`,
        ours: s3.bytes,
        rival: needed.bytes,
        ratio: Math.round(ratio * 1000) / 1000,
        goal: 1.2,
        met: ratio <= 1.2,
      })
    }`);
    bench(
      "scale",
      `peak RSS MB reading S3 (rival: local files), ${label}`,
      s3.peakMB,
      disk.peakMB,
      200,
      "max",
    );
    bench(
      "scale",
      `rows/s from S3 (rival: local files), ${label}`,
      s3.rows / s3.seconds,
      disk.rows / disk.seconds,
      0.25,
      "ratio",
    );
    await Deno.remove(local, { recursive: true });
  }
} finally {
  await server.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
