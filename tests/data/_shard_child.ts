/**
 * One worker of the sharding test: reads shard `index` of `count` of a
 * many-file source and writes one 52-bit hash per row it read to `out`
 * (Float64Array), so the parent can check that the workers together read
 * every row exactly once. Args: source index count out [seed].
 * @module
 */
import { parquet } from "../../mod.ts";
import { addRowHashes } from "./_row_hash.ts";

const [source, index, count, out, seed] = Deno.args;
const hashes: number[] = [];
const ds = parquet(source, {
  shuffleFiles: seed === undefined ? undefined : Number(seed),
}).shard(Number(index), Number(count));
for await (const b of ds) addRowHashes(hashes, b);
await Deno.writeFile(out, new Uint8Array(Float64Array.from(hashes).buffer));
