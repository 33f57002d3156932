/**
 * Child of arrow_faults_test.ts: loops over a mapped Arrow IPC file with a
 * consumer that never awaits anything itself, until SIGINT; prints the
 * error as one JSON line. Without the reader's 20 ms slices the SIGINT
 * listener (a macrotask) would never run.
 */
import { arrow } from "memkit";

let pulled = 0;
let error: Error | null = null;
try {
  for await (const b of arrow(Deno.args[0], { mmap: true }).repeat()) {
    if (pulled++ === 0) console.log("running");
    let s = 0;
    const x = b.getChildAt(0)!.data[0].values as Float64Array;
    for (let i = 0; i < x.length; i += 64) s += x[i];
    if (s < 0) console.log(s);
  }
} catch (e) {
  error = e as Error;
}
console.log(JSON.stringify({ name: error?.name, message: error?.message, pulled }));
