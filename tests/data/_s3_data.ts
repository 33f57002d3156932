/**
 * Test data for many-file and S3 tests, generated at run time into a
 * temporary folder: flights-3m split by month into hive-partitioned Parquet
 * files (written by DuckDB), CSV parts (DuckDB) and Arrow IPC files; and
 * helpers to upload a folder to an S3 server.
 * @module
 */
import { AwsClient } from "aws4fetch";
import { DuckDBInstance } from "@duckdb/node-api";

export const FLIGHTS = "node_modules/vega-datasets/data/flights-3m.parquet";
export const FLIGHTS_ARROW = "node_modules/vega-datasets/data/flights-200k.arrow";

/** Runs SQL in a fresh in-memory DuckDB (2 threads) and returns rows as JSON-safe objects. */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Writes into `dir`: `flights/month=M/weekday=W/*.parquet` (the first
 * `limit` rows of flights-3m, sorted by distance within each file, row
 * groups of `rowGroup` rows), `csv/part-K.csv` (3 parts of the first 30,000
 * rows) and `arrow/part-0.arrow` (flights-200k as written by its makers).
 */
export async function writeParts(
  dir: string,
  limit = 3_000_000,
  rowGroup = 20_000,
  flightsOnly = false,
): Promise<void> {
  await Deno.mkdir(`${dir}/csv`, { recursive: true });
  await Deno.mkdir(`${dir}/arrow`, { recursive: true });
  await duck(
    `COPY (SELECT * FROM (SELECT *, month(date)::INTEGER AS month, dayofweek(date)::INTEGER AS weekday
                          FROM '${FLIGHTS}' LIMIT ${limit}) ORDER BY month, weekday, distance, date)
     TO '${dir}/flights' (FORMAT PARQUET, PARTITION_BY (month, weekday), ROW_GROUP_SIZE ${rowGroup})`,
  );
  if (flightsOnly) return;
  for (let k = 0; k < 3; k++) {
    await duck(
      `COPY (SELECT strftime(date, '%Y-%m-%d %H:%M:%S') AS date, delay, distance, origin, destination
             FROM '${FLIGHTS}' LIMIT 10000 OFFSET ${k * 10000})
       TO '${dir}/csv/part-${k}.csv' (HEADER, DELIMITER ',')`,
    );
  }
  await Deno.copyFile(FLIGHTS_ARROW, `${dir}/arrow/part-0.arrow`);
}

/** Every file under a folder, relative paths, sorted. */
export async function walkFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await walkFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** An S3 client for uploads in tests (PUT bucket, PUT object). */
export class Uploader {
  readonly #aws: AwsClient;
  constructor(readonly endpoint: string, accessKeyId: string, secretAccessKey: string) {
    this.#aws = new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region: "us-east-1" });
  }

  async #put(path: string, body?: Uint8Array): Promise<void> {
    const res = await this.#aws.fetch(`${this.endpoint}/${path}`, {
      method: "PUT",
      body: body as BodyInit | undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  }

  /** Uploads one object. */
  object(bucket: string, key: string, body: Uint8Array): Promise<void> {
    return this.#put(`${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`, body);
  }

  /** Creates a bucket. */
  bucket(name: string): Promise<void> {
    return this.#put(name);
  }

  /** Uploads every file under `dir` to `bucket/prefix…`; returns the keys. */
  async folder(dir: string, bucket: string, prefix = ""): Promise<string[]> {
    const keys: string[] = [];
    for (const rel of await walkFiles(dir)) {
      const key = `${prefix}${rel}`;
      await this.#put(
        `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
        await Deno.readFile(`${dir}/${rel}`),
      );
      keys.push(key);
    }
    return keys;
  }
}
