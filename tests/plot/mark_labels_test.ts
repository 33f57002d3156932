import assert from "node:assert/strict";
import { mergeMarkLabels } from "../../lib/plot/_mark_labels.ts";

Deno.test("mark labels: marks closer than a label merge; distant ones stay apart", () => {
  const marks = [
    { x: 0.001, label: "backend" },
    { x: 0.02, label: "dataset" },
    { x: 0.03, label: "model" },
    { x: 0.04, label: "optimizer" },
    { x: 4, label: "epoch 1" },
    { x: 9, label: "done" },
  ];
  // 10 s over 860 px: 14 px ≈ 0.163 s.
  const labels = mergeMarkLabels(marks, { span: 10 });
  assert.deepEqual(labels.map((l) => l.text), [
    "backend … optimizer (4 marks)",
    "epoch 1",
    "done",
  ]);
  assert.deepEqual(labels.map((l) => l.count), [4, 1, 1]);
  // No two labels closer than the gap, in pixels.
  for (let i = 1; i < labels.length; i++) {
    assert.ok((labels[i].x - labels[i - 1].x) / 10 * 860 > 14);
  }
  const two = mergeMarkLabels([{ x: 1, label: "b" }, { x: 0.99, label: "a" }], { span: 100 });
  assert.deepEqual(two, [{ x: 0.99, text: "a · b", count: 2, labels: ["a", "b"] }]);
  assert.equal(mergeMarkLabels([], { span: 1 }).length, 0);
});
