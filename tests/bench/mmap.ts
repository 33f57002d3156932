/**
 * mmap: RSS cost of opening a large Arrow IPC file (2 GB; 256 MB with
 * --smoke) as a Table through `mmap` against reading it with Deno.readFile
 * and tableFromIPC, each in its own process. The file is written under /tmp
 * and deleted afterwards.
 * @module
 */
import { RecordBatchStreamWriter, tableFromArrays } from "apache-arrow";
import { benchLine, round, SMOKE } from "./_advanced.ts";

const [mode, childPath] = Deno.args.includes("--child")
  ? Deno.args.filter((a) => !a.startsWith("--"))
  : [null, null];

function rss(): number {
  return Deno.memoryUsage().rss;
}

if (mode !== null) {
  const { mmap } = await import("../../lib/data/mmap.ts");
  const { tableFromIPC } = await import("apache-arrow");
  // Warm up the code paths so their memory is not counted as the file's.
  const before = rss();
  let rows = 0;
  if (mode === "mmap") {
    const file = mmap(childPath!);
    rows = file.table().numRows;
    const after = rss();
    file.close();
    console.log(JSON.stringify({ delta: after - before, rows, mapped: file.mapped }));
  } else {
    const table = tableFromIPC(await Deno.readFile(childPath!));
    rows = table.numRows;
    console.log(JSON.stringify({ delta: rss() - before, rows, mapped: false }));
  }
  Deno.exit(0);
}

const target = SMOKE ? 256 * 2 ** 20 : 2 * 2 ** 30;
const batchRows = 4 * 2 ** 20; // 4M rows × (f64 + f32 + i32) = 64 MB per batch
const path = await Deno.makeTempFile({ dir: "/tmp", prefix: "memkit-mmap-", suffix: ".arrow" });
try {
  const t = tableFromArrays({
    x: Float64Array.from({ length: batchRows }, (_, i) => i * 0.5),
    y: Float32Array.from({ length: batchRows }, (_, i) => Math.sin(i)),
    k: Int32Array.from({ length: batchRows }, (_, i) => i % 1000),
  });
  const batch = t.batches[0];
  const writer = new RecordBatchStreamWriter();
  const out = await Deno.open(path, { write: true, truncate: true });
  const pump = (async () => {
    for await (const chunk of writer) await out.write(chunk);
  })();
  const batches = Math.ceil(target / (batchRows * 16));
  for (let i = 0; i < batches; i++) {
    writer.write(batch);
    await new Promise((r) => setTimeout(r, 0));
  }
  writer.finish();
  await pump;
  out.close();
  const size = (await Deno.stat(path)).size;
  const run = async (which: string) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--child", which, path],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    return JSON.parse(new TextDecoder().decode(o.stdout)) as {
      delta: number;
      rows: number;
      mapped: boolean;
    };
  };
  const ours = await run("mmap");
  const rival = await run("read");
  benchLine("mmap", {
    metric: "RSS growth (MB) opening an Arrow IPC file as a Table: mmap vs readFile+tableFromIPC",
    ours: round(ours.delta / 2 ** 20),
    rival: round(rival.delta / 2 ** 20),
    ratio: round(ours.delta / rival.delta),
    goal: "mmap <= 50 MB",
    met: ours.mapped && ours.delta <= 50 * 2 ** 20 && ours.rows === rival.rows,
    fileMB: round(size / 2 ** 20),
    rows: ours.rows,
  });
} finally {
  await Deno.remove(path);
}
