// Run without --allow-ffi by mmap_test.ts: reports what the fallback did.
import { mmap } from "../../lib/data/mmap.ts";
const file = mmap(Deno.args[0]);
let rows = 0;
for await (const batch of file.batches()) rows += batch.numRows;
console.log(
  JSON.stringify({
    mapped: file.mapped,
    reason: file.fallbackReason,
    rows,
    tableRows: file.table().numRows,
  }),
);
file.close();
