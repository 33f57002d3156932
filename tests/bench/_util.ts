/**
 * Shared helpers for the data benchmarks: generated files, contender
 * processes (each in its own process, so peak RSS is its own), BENCH lines.
 * @module
 */

/** A result a contender process prints as its last stdout line. */
export interface Run {
  seconds: number;
  rows: number;
  /** Peak resident set size of the contender's process, in MB. */
  peakMB: number;
  /** Anything to check the contenders against each other (e.g. a column sum). */
  check?: number;
}

/** Peak RSS of this process in MB (VmHWM), for contenders written in TypeScript. */
export function peakRssMB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Deno.memoryUsage().rss / 2 ** 20;
}

/** Runs a command and parses the JSON on its last stdout line. */
export async function contender(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", env }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(text.split("\n").pop()!);
}

/** Runs this same benchmark file as a contender in a fresh Deno process. */
export function denoContender(file: string, args: string[]): Promise<Run> {
  return contender(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    "--config",
    new URL("../../deno.test.json", import.meta.url).pathname,
    "--v8-flags=--max-old-space-size=4096",
    file,
    ...args,
  ]);
}

/** Prints one BENCH line. `higherIsBetter` says how to compare ratio and goal. */
export function bench(
  name: string,
  metric: string,
  ours: number,
  rival: number | null,
  goal: number,
  kind: "ratio" | "max" | "min",
): boolean {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const ratio = rival === null ? null : ours / rival;
  const met = kind === "ratio"
    ? ratio !== null && ratio >= goal
    : kind === "max"
    ? ours <= goal
    : ours >= goal;
  console.log(
    `BENCH ${name} ${
      JSON.stringify({
        metric,
        ours: round(ours),
        rival: rival === null ? null : round(rival),
        ratio: ratio === null ? null : round(ratio),
        goal,
        met,
      })
    }`,
  );
  return met;
}

/** The directory for generated benchmark inputs (never committed). */
export const DATA_DIR = Deno.env.get("MEMKIT_BENCH_DIR") ?? "/tmp/memkit-bench";

/**
 * Writes (once) a numeric CSV of about `bytes` bytes: 7 columns of decimal
 * numbers with 0–6 fraction digits, deterministic.
 */
export async function numericCsv(bytes: number): Promise<string> {
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const path = `${DATA_DIR}/numeric-${Math.round(bytes / 1e6)}MB.csv`;
  try {
    const st = await Deno.stat(path);
    if (st.size >= bytes) return path;
  } catch { /* create it */ }
  const file = await Deno.open(`${path}.tmp`, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let seed = 42;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  let written = 0;
  await file.write(enc.encode("a,b,c,d,e,f,g\n"));
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const row: string[] = [];
      for (let c = 0; c < 7; c++) {
        const v = (rand() - 0.5) * 10 ** (1 + (c % 4));
        row.push(c === 0 ? String(Math.floor(v)) : v.toFixed(c % 7));
      }
      lines.push(row.join(","));
    }
    const chunk = enc.encode(lines.join("\n") + "\n");
    await file.write(chunk);
    written += chunk.length;
  }
  file.close();
  await Deno.rename(`${path}.tmp`, path);
  return path;
}
