/**
 * toTensors over Parquet list columns: equal-length list<float> (embedding
 * vectors) become [rows, k] next to scalar columns; ragged lists throw by
 * default, or pad with padLists.
 */
import assert from "node:assert/strict";
import { parquet, useBackend } from "../../mod.ts";
import { duck } from "./_parquet_ref.ts";

await useBackend({ backend: "cpu" });

Deno.test("toTensors: list<float> of equal length → [rows, k]; ragged lists throw, pad, or pad with lengths", async () => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-pqt-" });
  try {
    const path = `${dir}/emb.parquet`;
    await duck(
      `copy (select i::INTEGER as id,
                    list_transform(range(4), k -> (i * 4 + k)::FLOAT / 8) as emb,
                    list_transform(range(i % 3), k -> k::FLOAT) as ragged,
                    (i % 2)::INTEGER as label
             from range(1000) t(i))
       to '${path}' (format parquet, row_group_size 300)`,
    );
    let rows = 0;
    for await (
      const t of parquet(path, { columns: ["id", "emb", "label", "ragged"] }).toTensors({
        x: ["emb", "id"],
        y: "label",
      })
    ) {
      assert.deepEqual(t.xs.shape, [t.rows, 5]);
      const xs = t.xs.dataSync();
      for (let r = 0; r < t.rows; r++) {
        const i = rows + r;
        for (let k = 0; k < 4; k++) assert.equal(xs[r * 5 + k], (i * 4 + k) / 8);
        assert.equal(xs[r * 5 + 4], i);
      }
      rows += t.rows;
    }
    assert.equal(rows, 1000);
    // embeddings alone: the bulk-copy path
    let at = 0;
    for await (const t of parquet(path, { batchRows: 300 }).toTensors({ x: ["emb"], y: "label" })) {
      assert.deepEqual(t.xs.shape, [t.rows, 4]);
      const xs = t.xs.dataSync();
      for (let j = 0; j < xs.length; j++) assert.equal(xs[j], (at * 4 + j) / 8);
      at += t.rows;
    }
    assert.equal(at, 1000);
    await assert.rejects(
      async () => {
        for await (const _ of parquet(path).toTensors({ x: ["ragged"], y: "label" })) { /* */ }
      },
      /list column "ragged" is ragged \(a row holds 1 elements, an earlier one 0\); pass padLists/,
    );
    for await (
      const t of parquet(path, { batchRows: 300 }).toTensors({
        x: ["ragged"],
        y: "label",
        padLists: { ragged: 3 },
        fill: -1,
      })
    ) {
      assert.deepEqual(t.xs.shape, [300, 3]);
      assert.deepEqual(Array.from(t.xs.dataSync().slice(0, 9)), [-1, -1, -1, 0, -1, -1, 0, 1, -1]);
      break;
    }
    // lengths: true adds each row's true length after the padded elements
    for await (
      const t of parquet(path, { batchRows: 300 }).toTensors({
        x: ["ragged", "id"],
        y: "label",
        padLists: { ragged: { length: 2, lengths: true } },
      })
    ) {
      assert.deepEqual(t.xs.shape, [300, 4]);
      assert.deepEqual(
        Array.from(t.xs.dataSync().slice(0, 12)),
        [0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 2, 2],
      );
      break;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
