import assert from "node:assert/strict";
import { makeVector, RecordBatch, Table, Utf8, vectorFromArray } from "apache-arrow";
import { downcastStream } from "../../mod.ts";
import { readFlights } from "../bench/_flights.ts";

function batchOf(x: number[], s: string[]): RecordBatch {
  return new Table({
    x: makeVector(new Float64Array(x)),
    s: vectorFromArray(s, new Utf8()),
  }).batches[0];
}

async function collect(stream: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of stream) out.push(b);
  return out;
}

Deno.test("downcastStream: types learned from the first batches apply to later ones", async () => {
  const source = [
    batchOf([1, 2], ["a", "b"]),
    batchOf([3, 200], ["a", "c"]),
    batchOf([4, 5], ["d", "a"]),
  ];
  const warnings: string[] = [];
  const stream = downcastStream(source, { onWarning: (m) => warnings.push(m), categoryRatio: 1 });
  assert.equal(stream.report, null);
  const out = await collect(stream);
  assert.deepEqual(out.map((b) => String(b.schema.fields[0].type)), ["Uint8", "Uint8", "Uint8"]);
  assert.deepEqual(warnings, []);
  // Dictionaries grow as new strings arrive; earlier codes stay valid.
  assert.deepEqual(out.map((b) => b.getChild("s")!.toArray()), [["a", "b"], ["a", "c"], [
    "d",
    "a",
  ]]);
  assert.deepEqual(out.map((b) => b.getChild("x")!.toArray()), [
    Uint8Array.from([1, 2]),
    Uint8Array.from([3, 200]),
    Uint8Array.from([4, 5]),
  ]);
  assert.equal(stream.report!.rows, 6);
  assert.equal(stream.report!.columns[0].bytesBefore, 48);
  assert.equal(stream.report!.columns[0].bytesAfter, 6);
});

Deno.test("downcastStream: a later value that does not fit widens with a warning, or fails", async () => {
  const source = [
    batchOf([1, 2], ["a", "b"]),
    batchOf([3, -40000], ["a", "c"]),
    batchOf([0.5, 1], ["a", "a"]),
  ];
  const warnings: string[] = [];
  const out = await collect(downcastStream(source, { onWarning: (m) => warnings.push(m) }));
  assert.deepEqual(out.map((b) => String(b.schema.fields[0].type)), ["Uint8", "Int32", "Float32"]);
  assert.deepEqual(warnings, [
    'Column "x" widened from uint8 to int32 at batch 1: value -40000 at row 1 did not fit',
    'Column "x" widened from int32 to float32 at batch 2: value 0.5 at row 0 did not fit',
  ]);
  assert.equal(out[1].getChild("x")!.get(1), -40000);
  assert.equal(out[2].getChild("x")!.get(0), 0.5);
  await assert.rejects(
    () => collect(downcastStream(source, { onOverflow: "fail" })),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot downcast column "x" to uint8: value -40000 at row 1 in batch 1 does not fit the type learned from the first batch',
  );
  // A type asked for explicitly never widens.
  await assert.rejects(
    () => collect(downcastStream(source, { types: { x: "int16" }, learnBatches: 3 })),
    /Cannot downcast column "x" to int16: value -40000 at row 1 in batch 1 does not fit the type asked by options.types/,
  );
});

Deno.test("downcastStream: learnBatches, re-iteration and early break", async () => {
  let opened = 0, closed = 0;
  const source = {
    async *[Symbol.asyncIterator]() {
      opened++;
      try {
        yield batchOf([1, 2], ["a", "b"]);
        yield batchOf([300, 2], ["a", "b"]);
        yield batchOf([3, 4], ["a", "b"]);
      } finally {
        closed++;
      }
    },
  };
  const stream = downcastStream(source, {
    learnBatches: 2,
    onWarning: () => assert.fail("no warning expected"),
  });
  const epoch1 = await collect(stream);
  assert.deepEqual(epoch1.map((b) => String(b.schema.fields[0].type)), [
    "Uint16",
    "Uint16",
    "Uint16",
  ]);
  const epoch2 = await collect(stream);
  assert.equal(epoch2.length, 3);
  assert.equal(stream.report!.rows, 6); // the latest pass, not both
  for await (const _ of stream) break;
  assert.equal(opened, 3);
  assert.equal(closed, 3);
  assert.throws(
    () => downcastStream(source, { learnBatches: 0 }),
    /options.learnBatches is 0, expected an integer ≥ 1/,
  );
  const bad = [batchOf([1], ["a"]), new Table({ x: makeVector(new Int32Array([1])) }).batches[0]];
  await assert.rejects(() => collect(downcastStream(bad)), /batch 1 has 1 columns, expected 2/);
});

Deno.test("downcastStream: flights row groups stream to the same bytes as the whole-table downcast", async () => {
  const batches = await readFlights(2);
  const stream = downcastStream((async function* () {
    yield* batches;
  })());
  const out = await collect(stream);
  const r = stream.report!;
  assert.equal(out.length, 2);
  assert.ok(r.totalAfter <= 0.35 * r.totalBefore, r.toString());
  assert.equal(r.warnings.length, 0, r.toString());
  for (const name of ["delay", "distance"]) {
    for (let b = 0; b < 2; b++) {
      const x = batches[b].getChild(name)!.toArray() as BigInt64Array;
      const y = out[b].getChild(name)!.toArray();
      for (let i = 0; i < x.length; i++) {
        if (Number(x[i]) !== y[i]) assert.fail(`${name} ${b}/${i}`);
      }
    }
  }
});
