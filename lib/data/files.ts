/**
 * `files()`: one dataset over many Parquet, CSV or Arrow files — a list, a
 * folder, a glob or an `s3://bucket/prefix/` — with hive partitions,
 * pruning, shards and file shuffles.
 * @module
 */
import type { RecordBatch } from "apache-arrow";
import type { FileMetaData } from "hyparquet";
import { Dataset, type StageContext, type StageOptions } from "./dataset.ts";
import { makeBatch } from "./_batch.ts";
import { abortable, makeAssembler } from "./_files_assemble.ts";
import type { RemoteOptions } from "./_http.ts";
import type { S3Options } from "./_s3.ts";
import {
  type FileEntry,
  type FileFormat,
  makePlan,
  type PartitionFilter,
  type Plan,
} from "./_multi.ts";
import { checkWhere, type WhereCondition } from "./_where.ts";
import { mulberry32, seedFrom } from "./_random.ts";
import { trackProgress } from "./_progress.ts";
import { checkShard } from "./_op_shard.ts";
import { sourceName } from "./_source.ts";
import { parquet } from "./parquet.ts";
import { csv } from "./csv.ts";
import { arrow } from "./arrow.ts";

export type { FileEntry, FileFormat, PartitionFilter, Plan, Unit } from "./_multi.ts";
export type { PartitionColumn, PartitionValue } from "./_partitions.ts";
export type { WhereCondition, WhereOp, WhereValue } from "./_where.ts";
export type { RemoteOptions } from "./_http.ts";
export type { S3Options } from "./_s3.ts";

/** Options for {@linkcode files}. */
export interface FilesOptions extends StageOptions {
  /**
   * The files' format; by default from their extension.
   * @default {from the extension}
   */
  format?: FileFormat;
  /**
   * Columns to read, partition columns included; others are never fetched.
   * @default {all file columns, then the partition columns}
   */
  columns?: string[];
  /**
   * Hive partitions (`key=value/` folders) become typed columns. `false`
   * turns that off; an object of per-column predicates or one predicate on
   * the partition row keeps only the files it accepts, before any is opened.
   * @default {true}
   */
  partitions?: boolean | PartitionFilter;
  /**
   * Conditions `[column, op, value]` that all rows must meet (op: `==`,
   * `!=`, `<`, `<=`, `>`, `>=`, `in`). Partition files and Parquet row groups
   * whose statistics rule a condition out are never read; the rows read are
   * then filtered exactly (a null never matches).
   * @default {[]}
   */
  where?: WhereCondition[];
  /**
   * A seed: shuffle the order of units (Parquet row groups, or CSV/Arrow
   * files), differently on every pass, reproducibly for the seed. Combine
   * with `shuffle(buffer)` to mix rows across units.
   * @default {undefined}
   */
  shuffleFiles?: number;
  /**
   * Where and as whom to reach S3 (else the AWS_* variables).
   * @default {from the environment}
   */
  s3?: S3Options;
  /**
   * Timeouts, retries, concurrency and coalescing of remote reads.
   * @default {see RemoteOptions}
   */
  remote?: RemoteOptions;
  /**
   * Keys per S3 listing request (at most 1000).
   * @default {1000}
   */
  listPageSize?: number;
  /**
   * Show progress (rows) while reading; `true` or a label.
   * @default {false}
   */
  progress?: boolean | string;
  /**
   * Options for each file's reader (`parquet`, `csv` or `arrow`), such as
   * `batchRows` or a CSV `delimiter`.
   * @default {{}}
   */
  reader?: Record<string, unknown>;
}

/** The many-file options that `parquet()`, `csv()` and `arrow()` accept too. */
export type ManyFilesOptions = Pick<
  FilesOptions,
  "partitions" | "where" | "shuffleFiles" | "s3" | "remote" | "listPageSize"
>;

/**
 * A dataset over many files read one after another as one stream of Arrow
 * RecordBatches. Returned by {@linkcode files}; `shard` is pushed down so
 * that each worker fetches only its own units.
 */
export class FilesDataset extends Dataset<RecordBatch> {
  readonly #source: string | URL | (string | URL)[];
  readonly #options: FilesOptions;
  readonly #shards: [number, number][];
  #plan: Promise<Plan> | undefined;
  #skipped = 0;

  /**
   * Builds the dataset; nothing is listed or read until the first pass or
   * `plan()`. Usually made by {@linkcode files}.
   *
   * @param source A list, folder, glob or s3:// prefix.
   * @param options See {@linkcode FilesOptions}.
   * @param shards Shards applied so far (from `shard`).
   */
  constructor(
    source: string | URL | (string | URL)[],
    options: FilesOptions = {},
    shards: [number, number][] = [],
  ) {
    const label = Array.isArray(source) ? `${source.length} sources` : sourceName(source);
    const what = `Cannot read ${Array.isArray(source) ? label : `"${label}"`}`;
    const where = checkWhere(options.where, what);
    if (options.format !== undefined && !["parquet", "csv", "arrow"].includes(options.format)) {
      throw new TypeError(
        `${what}: format must be "parquet", "csv" or "arrow", got "${options.format}"`,
      );
    }
    if (options.shuffleFiles !== undefined && !Number.isFinite(options.shuffleFiles)) {
      throw new TypeError(
        `${what}: shuffleFiles must be a number (a seed), got ${options.shuffleFiles}`,
      );
    }
    let passes = 0;
    super(
      `files(${label}${shards.map(([i, n]) => ` shard ${i}/${n}`).join("")})`,
      (ctx) => this.#pass(ctx, where, passes++),
      { signal: options.signal },
    );
    this.#source = source;
    this.#options = options;
    this.#shards = shards;
  }

  /**
   * What a pass reads: files after partition pruning, and units (Parquet row
   * groups after statistics pruning, or whole files). Listed once per dataset.
   *
   * @returns The plan.
   * @example
   * ```ts
   * import { files } from "memkit";
   * const plan = await files(["node_modules/vega-datasets/data/flights-3m.parquet"]).plan();
   * if (plan.units.length !== 11) throw new Error(`${plan.units.length}`);
   * ```
   */
  plan(): Promise<Plan> {
    this.#plan ??= makePlan(this.#source, {
      format: this.#options.format,
      s3: this.#options.s3,
      remote: this.#options.remote,
      listPageSize: this.#options.listPageSize,
      signal: this.#options.signal,
      partitions: this.#options.partitions,
      where: checkWhere(this.#options.where, "files"),
    });
    // A failed listing is tried again on the next pass.
    this.#plan.catch(() => (this.#plan = undefined));
    return this.#plan;
  }

  /**
   * This worker's share: of the units (Parquet row groups, or whole files)
   * in plan order (after `shuffleFiles`), those at positions `k` with
   * `k % count === index`. Workers that use the same source, options and
   * seed read every row exactly once between them, and each fetches only
   * its own units.
   *
   * @param index This worker's index, 0 ≤ index < count.
   * @param count The number of workers.
   * @returns The dataset of this worker's units.
   * @example
   * ```ts
   * import { files } from "memkit";
   * const src = ["node_modules/vega-datasets/data/flights-3m.parquet"];
   * let rows = 0;
   * for (let i = 0; i < 3; i++) {
   *   for await (const b of files(src, { columns: ["delay"] }).shard(i, 3)) rows += b.numRows;
   * }
   * if (rows !== 3_000_000) throw new Error(`${rows}`);
   * ```
   */
  /** CSV rows skipped as malformed (with `skipBadRows`) during the latest pass. */
  get skippedRows(): number {
    return this.#skipped;
  }

  /**
   * This worker's share, dealt by units before reading: see
   * {@linkcode FilesDataset.prototype.shard} above.
   *
   * @param index This worker's index, 0 ≤ index < count.
   * @param count The number of workers.
   * @param _options Unused (the dataset's own signal applies).
   * @returns The dataset of this worker's units.
   */
  override shard(index: number, count: number, _options: StageOptions = {}): FilesDataset {
    checkShard(index, count, this.name);
    return new FilesDataset(this.#source, this.#options, [...this.#shards, [index, count]]);
  }

  async *#pass(
    ctx: StageContext,
    where: WhereCondition[],
    pass: number,
  ): AsyncGenerator<RecordBatch> {
    // Listing and footers are shared by passes; an abort ends this pass's wait for them.
    const plan = await abortable(this.plan(), ctx.signal);
    const options = this.#options;
    const partNames = plan.partitions.map((p) => p.name);
    let units = plan.units.slice();
    if (options.shuffleFiles !== undefined) {
      const random = mulberry32(seedFrom(options.shuffleFiles * 1_000_003 + pass));
      for (let i = units.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [units[i], units[j]] = [units[j], units[i]];
      }
    }
    for (const [index, count] of this.#shards) units = units.filter((_, k) => k % count === index);
    const out = options.columns;
    const fileWhere = where.filter(([c]) => !partNames.includes(c));
    let readColumns: string[] | undefined;
    if (out) {
      readColumns = out.filter((c) => !partNames.includes(c));
      for (const [c] of fileWhere) if (!readColumns.includes(c)) readColumns.push(c);
    }
    const totalRows = plan.format === "parquet"
      ? units.reduce((s, u) => s + (u.rows ?? 0), 0)
      : undefined;
    const progress = trackProgress(options.progress, this.name, totalRows, "rows");
    let rowsDone = 0;
    const assemble = makeAssembler(plan, out, partNames, fileWhere);
    const readerOptions = { ...options.reader };
    this.#skipped = 0;
    // Runs: consecutive units of the same file, read through one reader.
    const runs: { file: number; groups: number[] }[] = [];
    for (const unit of units) {
      const last = runs[runs.length - 1];
      if (last && last.file === unit.file) last.groups.push(unit.rowGroup);
      else runs.push({ file: unit.file, groups: [unit.rowGroup] });
    }
    const makeReader = (f: FileEntry, groups: number[]): Dataset<RecordBatch> | null => {
      if (plan.format === "parquet") {
        if (readColumns && readColumns.length === 0) return null; // only partition columns
        const meta = f.metadata as FileMetaData;
        const row_groups = groups.map((g) => meta.row_groups[g]);
        return parquet(f.source, {
          ...readerOptions,
          columns: readColumns,
          metadata: {
            ...meta,
            row_groups,
            num_rows: row_groups.reduce((s, g) => s + g.num_rows, 0n),
          },
        });
      }
      const columns = readColumns?.length ? { columns: readColumns } : {};
      return plan.format === "csv"
        ? csv(f.source, { ...readerOptions, ...columns })
        : arrow(f.source, { ...readerOptions, ...columns });
    };
    // The next file starts (its first batch is pulled) while this one is read,
    // so a remote file's first request overlaps the previous file's decoding:
    // at most two files are open, each with its own abort for clean-up.
    interface Open {
      f: FileEntry;
      groups: number[];
      reader: Dataset<RecordBatch> | null;
      it?: AsyncGenerator<RecordBatch, void, undefined>;
      first?: Promise<IteratorResult<RecordBatch, void>>;
      stop?: AbortController;
    }
    const start = (r: number): Open | null => {
      const run = runs[r];
      if (!run) return null;
      const f = plan.files[run.file];
      const reader = makeReader(f, run.groups);
      if (!reader) return { f, groups: run.groups, reader };
      const stop = new AbortController();
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
      const it = reader.iterate({ signal });
      const first = it.next();
      first.catch(() => {}); // awaited below, or abandoned on stop
      return { f, groups: run.groups, reader, it, first, stop };
    };
    const close = async (o: Open | null) => {
      if (!o?.it) return;
      o.stop!.abort(new DOMException("files: pass ended", "AbortError"));
      await o.first!.catch(() => {});
      await o.it.return(undefined).catch(() => {});
    };
    let current: Open | null = null;
    let next: Open | null = null;
    try {
      current = start(0);
      for (let r = 0; r < runs.length; r++) {
        ctx.signal?.throwIfAborted();
        next = start(r + 1);
        const { f, reader } = current!;
        if (!reader) {
          const meta = f.metadata as FileMetaData;
          for (const g of current!.groups) {
            const rows = Number(meta.row_groups[g].num_rows);
            const batch = assemble(makeBatch([], [], rows), f);
            rowsDone += rows;
            progress?.update(rowsDone);
            if (batch) yield batch;
          }
        } else {
          for (let res = await current!.first!; !res.done; res = await current!.it!.next()) {
            rowsDone += res.value.numRows;
            progress?.update(rowsDone);
            const batch = assemble(res.value, f);
            if (batch) yield batch;
          }
          this.#skipped += (reader as { skippedRows?: number }).skippedRows ?? 0;
        }
        current = next;
        next = null;
      }
    } finally {
      await close(next);
      await close(current);
    }
    progress?.done();
  }
}

/**
 * One dataset over many files: a list of paths/URLs, a folder, a glob
 * (`data/**\/*.parquet`) or an object-storage prefix (`s3://bucket/flights/`,
 * listed page by page, signed with AWS SigV4). Hive partition folders
 * (`month=3/`) become typed columns; `partitions` and `where` prune files
 * and Parquet row groups before they are read; only projected column chunks
 * are fetched (nearby ranges coalesced, at most `remote.concurrency`
 * requests per file in flight). Files are read one after another, the next
 * one starting while the current one is read, so memory stays bounded by
 * two files' row group and read-ahead, whatever the dataset's size. `parquet()`, `csv()` and `arrow()` hand lists, folders, globs and
 * s3:// sources to this function.
 *
 * @param source A list, folder, glob or s3:// prefix (or one file).
 * @param options See {@linkcode FilesOptions}.
 * @returns The dataset; `plan()` shows what it will read, `shard(i, n)` splits it.
 * @example
 * ```ts
 * import { files } from "memkit";
 * const ds = files("node_modules/vega-datasets/data/flights-3m.parquet", {
 *   columns: ["delay", "distance"],
 *   where: [["distance", ">", 2000]],
 * });
 * let rows = 0;
 * for await (const b of ds) rows += b.numRows;
 * if (rows === 0) throw new Error("no rows");
 * ```
 */
export function files(
  source: string | URL | (string | URL)[],
  options: FilesOptions = {},
): FilesDataset {
  return new FilesDataset(source, options);
}
