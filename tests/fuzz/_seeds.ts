/**
 * Seed files for the fuzzer, written at run time into a temp folder from
 * real data in vega-datasets: CSV as published, JSONL from flights JSON,
 * Arrow IPC (file and stream, LZ4, a dictionary column) by apache-arrow,
 * Parquet (snappy and zstd, several row groups) by DuckDB.
 * @module
 */
import {
  compressionRegistry,
  CompressionType,
  Dictionary,
  Int32,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Table,
  tableFromIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import lz4 from "lz4js";
import type { Format } from "./_mutate.ts";

const DATA = new URL("../../node_modules/vega-datasets/data/", import.meta.url).pathname;

/** A seed file. */
export interface Seed {
  /** Its format. */
  format: Format;
  /** Short name for reports. */
  name: string;
  /** The bytes. */
  bytes: Uint8Array;
}

/** Writes nothing; returns the seeds of each format (Parquet via DuckDB in `dir`). */
export async function seeds(dir: string): Promise<Seed[]> {
  const out: Seed[] = [];
  const weatherPath = `${DATA}seattle-weather.csv`;
  out.push({ format: "csv", name: "seattle-weather.csv", bytes: await Deno.readFile(weatherPath) });
  const github = await Deno.readFile(`${DATA}github.csv`);
  out.push({ format: "csv", name: "github.csv", bytes: github });

  const flights = JSON.parse(await Deno.readTextFile(`${DATA}flights-2k.json`)) as object[];
  const lines = flights.slice(0, 600).map((r) => JSON.stringify(r)).join("\n") + "\n";
  out.push({ format: "jsonl", name: "flights-600.jsonl", bytes: new TextEncoder().encode(lines) });
  const cars = JSON.parse(await Deno.readTextFile(`${DATA}cars.json`)) as object[];
  const carLines = cars.slice(0, 300).map((r) => JSON.stringify(r)).join("\n") + "\n";
  out.push({ format: "jsonl", name: "cars-300.jsonl", bytes: new TextEncoder().encode(carLines) });

  // Arrow: the first 2,000 rows of flights-200k.arrow in 4 batches, file and stream (LZ4).
  const big = tableFromIPC(await Deno.readFile(`${DATA}flights-200k.arrow`));
  const rows = big.slice(0, 2000);
  const parts = [0, 1, 2, 3].map((i) => rows.slice(i * 500, (i + 1) * 500).batches).flat();
  const flightsTable = new Table(parts);
  out.push({
    format: "arrow",
    name: "flights-2000.arrow",
    bytes: RecordBatchFileWriter.writeAll(flightsTable).toUint8Array(true),
  });
  if (!compressionRegistry.get(CompressionType.LZ4_FRAME)?.encode) {
    compressionRegistry.set(CompressionType.LZ4_FRAME, {
      ...compressionRegistry.get(CompressionType.LZ4_FRAME),
      encode: (d: Uint8Array) => Uint8Array.from(lz4.compress(d)),
    });
  }
  out.push({
    format: "arrow",
    name: "flights-2000-lz4.arrows",
    bytes: RecordBatchStreamWriter.writeAll(flightsTable, {
      compressionType: CompressionType.LZ4_FRAME,
    }).toUint8Array(true),
  });
  // Strings and a dictionary column from the weather CSV.
  const text = new TextDecoder().decode(await Deno.readFile(weatherPath)).trim().split("\n");
  const cells = text.slice(1, 601).map((l) => l.split(","));
  const weather = new Table({
    date: vectorFromArray(cells.map((c) => c[0]), new Utf8()),
    temp_max: vectorFromArray(Float64Array.from(cells, (c) => Number(c[2]))),
    weather: vectorFromArray(cells.map((c) => c[5]), new Dictionary(new Utf8(), new Int32())),
  });
  const wb = weather.batches[0];
  const weatherTable = new Table([wb.slice(0, 200), wb.slice(200, 400), wb.slice(400, 600)]);
  out.push({
    format: "arrow",
    name: "weather-600.arrow",
    bytes: RecordBatchFileWriter.writeAll(weatherTable).toUint8Array(true),
  });
  out.push({
    format: "arrow",
    name: "weather-600.arrows",
    bytes: RecordBatchStreamWriter.writeAll(weatherTable).toUint8Array(true),
  });

  // Parquet written by DuckDB from the weather CSV.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const con = await instance.connect();
  for (const [codec, group] of [["snappy", 300], ["zstd", 1000]] as const) {
    const path = `${dir}/seed-${codec}.parquet`;
    await con.run(
      `copy (select date::varchar as date, precipitation, temp_max, temp_min, wind, weather,
              (row_number() over ())::bigint as n
             from read_csv('${weatherPath}')) to '${path}'
       (format parquet, compression ${codec}, row_group_size ${group})`,
    );
    out.push({
      format: "parquet",
      name: `weather-${codec}.parquet`,
      bytes: await Deno.readFile(path),
    });
    await Deno.remove(path);
  }
  con.closeSync();
  instance.closeSync?.();
  return out;
}
