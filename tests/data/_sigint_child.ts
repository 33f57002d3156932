/**
 * Child of interrupt_test.ts: loops over a 2-worker CSV dataset with
 * prefetch until SIGINT, then prints what is left held as one JSON line.
 */
import { csv, probeBytes } from "memkit";
import { liveCsvWorkers } from "../../lib/data/_csv_parallel.ts";
import { openPassCount } from "../../lib/data/_interrupts.ts";

const ds = csv(Deno.args[0], { workers: 2, batchRows: 4096, types: "float64" }).repeat().prefetch(
  4,
);
let pulled = 0;
let workers = 0;
let error: Error | null = null;
try {
  for await (const _ of ds) {
    if (pulled++ === 0) console.log("running");
    workers = Math.max(workers, liveCsvWorkers());
    await new Promise((r) => setTimeout(r, 2));
  }
} catch (e) {
  error = e as Error;
}
const probes = Object.entries(probeBytes()).filter(([k]) => k.startsWith("data "));
console.log(JSON.stringify({
  name: error?.name,
  message: error?.message,
  pulled,
  workersWhileRunning: workers,
  workers: liveCsvWorkers(),
  passes: openPassCount(),
  probes: Object.fromEntries(probes),
}));
