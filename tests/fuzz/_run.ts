/**
 * The fuzz driver: generates seeded variants of the seed files into a temp
 * folder, has a worker process (heap cap, RSS watchdog, per-variant timeout)
 * read each with memkit and the reference reader, and classifies every
 * variant. Failures: hang, crash, memory blow-up, an error without the file
 * name, values different from the reference's on the same bytes.
 * @module
 */
import { type Format, variants } from "./_mutate.ts";
import { type Seed, seeds } from "./_seeds.ts";

/** Outcome classes; the first five are failures. */
export const FAILURES = ["hang", "crash", "memory", "unnamed", "different"] as const;
/** Every class. */
export const CLASSES = [
  ...FAILURES,
  "same", // both read it, same names and values
  "error", // both refused it; ours named the file
  "stricter", // ours refused it (naming the file), the reference read it
  "lenient", // ours read it, the reference refused it
  "ref-failed", // the reference hung, crashed or blew up after ours finished
] as const;
/** One class. */
export type Outcome = typeof CLASSES[number];

/** One classified variant. */
export interface Result {
  format: Format;
  seed: string;
  index: number;
  label: string;
  outcome: Outcome;
  detail: string;
}

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  /** Formats to run. @default {all four} */
  formats?: Format[];
  /** Variants per format. */
  count: number;
  /** PRNG seed. @default {1} */
  seed?: number;
  /** Per-variant time limit (ms). @default {30000} */
  timeoutMs?: number;
  /**
   * Time left to the reference after ours answered (ms): its own hangs
   * (apache-arrow retries a bad footer block forever) are not ours.
   * @default {10000}
   */
  refTimeoutMs?: number;
  /** Worker RSS limit (MB). @default {2000} */
  rssMB?: number;
  /** Worker V8 heap limit (MB). @default {1024} */
  heapMB?: number;
  /** Bigger mutations (huge lines of MBs). @default {false} */
  big?: boolean;
  /** Called with each result. */
  onResult?: (r: Result) => void;
}

const WORKER = new URL("./_worker.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.test.json", import.meta.url).pathname;
const EXT: Record<Format, string> = {
  csv: "csv",
  jsonl: "jsonl",
  arrow: "arrow",
  parquet: "parquet",
};

type Line = { id: number; side: "ours" | "ref"; ok: boolean; error?: string; diff?: string | null };

class Worker {
  #child: Deno.ChildProcess;
  #lines: string[] = [];
  #wake: (() => void) | null = null;
  #ended = false;
  stderr = "";
  jobs = 0;
  constructor(heapMB: number) {
    const child = new Deno.Command(Deno.execPath(), {
      // The tests' config: the references (DuckDB) are test dependencies.
      args: [
        "run",
        "-A",
        "--quiet",
        "--config",
        CONFIG,
        `--v8-flags=--max-old-space-size=${heapMB}`,
        WORKER,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#pump(child.stdout);
    (async () => {
      const dec = new TextDecoder();
      for await (const c of child.stderr) {
        this.stderr = (this.stderr + dec.decode(c, { stream: true })).slice(-4000);
      }
    })().catch(() => {});
  }
  get pid() {
    return this.#child.pid;
  }
  #pump(stream: ReadableStream<Uint8Array>) {
    (async () => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const c of stream) {
        buf += dec.decode(c, { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.#lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
        this.#wake?.();
      }
    })().catch(() => {}).finally(() => {
      this.#ended = true;
      this.#wake?.();
    });
  }
  async send(job: unknown) {
    const w = this.#child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(job) + "\n"));
    w.releaseLock();
    this.jobs++;
  }
  /** The next line, or "timeout", "exit" or "memory" (RSS over the cap). */
  async next(deadline: number, rssMB: number): Promise<Line | "timeout" | "exit" | "memory"> {
    while (true) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        try {
          return JSON.parse(line) as Line;
        } catch {
          continue; // stray output
        }
      }
      if (this.#ended) return "exit";
      if (performance.now() > deadline) return "timeout";
      if (rssOf(this.pid) > rssMB * 1e6) return "memory";
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          this.#wake = null;
          r();
        }, 50);
        this.#wake = () => {
          clearTimeout(t);
          this.#wake = null;
          r();
        };
      });
    }
  }
  async kill() {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#child.status.catch(() => {});
    await this.#child.stdin.close().catch(() => {});
  }
  async close() {
    await this.#child.stdin.close().catch(() => {});
    const timer = setTimeout(() => this.kill(), 5000);
    await this.#child.status.catch(() => {});
    clearTimeout(timer);
  }
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the fuzzer; returns every result. */
export async function fuzz(options: FuzzOptions): Promise<Result[]> {
  const formats = options.formats ?? ["csv", "jsonl", "arrow", "parquet"];
  const seed = options.seed ?? 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const refTimeoutMs = options.refTimeoutMs ?? 10_000;
  const rssMB = options.rssMB ?? 2000;
  const heapMB = options.heapMB ?? 1024;
  const dir = await Deno.makeTempDir({ prefix: "memkit-fuzz-" });
  const results: Result[] = [];
  let worker: Worker | null = null;
  // A worker stuck in a synchronous loop never notices its parent is gone.
  const stop = () => {
    worker?.kill();
    Deno.exit(130);
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  try {
    const all = await seeds(dir);
    for (const format of formats) {
      const mine = all.filter((s) => s.format === format);
      // Control: every unmodified seed must read the same in memkit and the
      // reference, else the harness (not the reader) is broken.
      for (const s of mine) {
        const path = `${dir}/control-${s.name}`;
        await Deno.writeFile(path, s.bytes);
        worker ??= new Worker(heapMB);
        const r = await runOne(worker, { id: -1, format, path }, timeoutMs, refTimeoutMs, rssMB);
        await Deno.remove(path);
        if (r.outcome !== "same") {
          throw new Error(`fuzz: seed ${s.name} reads as "${r.outcome}" (${r.detail}), not "same"`);
        }
      }
      // Variants spread over the format's seeds, each seed its own PRNG stream.
      const per = mine.map((s, k) =>
        variants(
          s.bytes,
          format,
          seed * 31 + k,
          Math.ceil(options.count / mine.length),
          options.big,
        )
      );
      for (let index = 0; index < options.count; index++) {
        const k = index % mine.length;
        const s: Seed = mine[k];
        const v = per[k].next().value!;
        const path = `${dir}/${format}-${index}-${s.name.replace(/\.\w+$/, "")}.${EXT[format]}`;
        await Deno.writeFile(path, v.bytes);
        if (!worker || worker.jobs >= 150) {
          await worker?.close();
          worker = new Worker(heapMB);
        }
        const r = await runOne(worker, { id: index, format, path }, timeoutMs, refTimeoutMs, rssMB);
        if (r.restart) {
          await worker.kill();
          worker = null;
        }
        const result: Result = {
          format,
          seed: s.name,
          index,
          label: v.label,
          outcome: r.outcome,
          detail: r.detail,
        };
        results.push(result);
        options.onResult?.(result);
        await Deno.remove(path).catch(() => {});
      }
    }
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
    await worker?.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return results;
}

async function runOne(
  worker: Worker,
  job: { id: number; format: Format; path: string },
  timeoutMs: number,
  refTimeoutMs: number,
  rssMB: number,
): Promise<{ outcome: Outcome; detail: string; restart?: boolean }> {
  const t0 = performance.now();
  await worker.send(job);
  const deadline = t0 + timeoutMs;
  const fail = (side: "ours" | "ref", what: "timeout" | "exit" | "memory") => {
    const oom = /out of memory|heap limit/i.test(worker.stderr);
    const tail = worker.stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 400);
    if (side === "ref") {
      return {
        outcome: "ref-failed" as const,
        detail: `reference ${what}: ${tail}`,
        restart: true,
      };
    }
    if (what === "timeout") {
      return { outcome: "hang" as const, detail: `no answer in ${timeoutMs} ms`, restart: true };
    }
    if (what === "memory" || oom) {
      return {
        outcome: "memory" as const,
        detail: what === "memory" ? `RSS over ${rssMB} MB` : `V8 heap: ${tail}`,
        restart: true,
      };
    }
    return { outcome: "crash" as const, detail: `worker exited: ${tail}`, restart: true };
  };
  const a = await worker.next(deadline, rssMB);
  if (typeof a === "string") return fail("ours", a);
  const b = await worker.next(performance.now() + refTimeoutMs, rssMB);
  if (a.ok) {
    if (typeof b === "string") {
      return { ...fail("ref", b), detail: `ours read it; ${fail("ref", b).detail}` };
    }
    if (!b.ok) return { outcome: "lenient", detail: `reference: ${b.error?.slice(0, 300)}` };
    if (b.diff) return { outcome: "different", detail: b.diff };
    return { outcome: "same", detail: "" };
  }
  const message = a.error ?? "";
  if (!message.includes(job.path)) {
    return { outcome: "unnamed", detail: message.slice(0, 300), restart: typeof b === "string" };
  }
  if (typeof b === "string") return { ...fail("ref", b), detail: `ours: ${message.slice(0, 200)}` };
  return b.ok
    ? { outcome: "stricter", detail: message.slice(0, 300) }
    : { outcome: "error", detail: message.slice(0, 300) };
}

/** Regenerates one variant (to reproduce a failure): its seed file, label and bytes. */
export async function variantAt(
  format: Format,
  seed: number,
  index: number,
  count: number,
  big = false,
): Promise<{ seed: string; label: string; bytes: Uint8Array }> {
  const dir = await Deno.makeTempDir({ prefix: "memkit-fuzz-" });
  try {
    const mine = (await seeds(dir)).filter((s) => s.format === format);
    const k = index % mine.length;
    const gen = variants(mine[k].bytes, format, seed * 31 + k, Math.ceil(count / mine.length), big);
    let v = gen.next().value!;
    for (let i = k + mine.length; i <= index; i += mine.length) v = gen.next().value!;
    return { seed: mine[k].name, label: v.label, bytes: v.bytes };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Counts per format and class. */
export function tally(results: Result[]): Record<string, Record<Outcome, number>> {
  const out: Record<string, Record<Outcome, number>> = {};
  for (const r of results) {
    out[r.format] ??= Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<Outcome, number>;
    out[r.format][r.outcome]++;
  }
  return out;
}
