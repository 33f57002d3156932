// Run without --allow-ffi by arrow_mmap_test.ts: arrow({ mmap: true }) must still read, and say why not mapped.
import { arrow } from "../../lib/data/arrow.ts";
const ds = arrow(Deno.args[0], { mmap: true });
let rows = 0;
let delay = 0;
for (let pass = 0; pass < 2; pass++) {
  for await (const batch of ds) {
    rows += batch.numRows;
    for (const v of batch.getChild("delay")!.toArray() as Int16Array) delay += v;
  }
}
console.log(JSON.stringify({ rows, delay }));
