/**
 * Run by track_leaks_test.ts in a subprocess with --v8-flags=--expose-gc:
 * drops undisposed tensors, forces garbage collection, and prints what the
 * tracker's FinalizationRegistry saw, as one JSON line.
 * @module
 */
import { tf } from "../../lib/_tf.ts";
import { trackLeaks, useBackend } from "../../mod.ts";
import type { CollectedTensor } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

const seen: CollectedTensor[] = [];
const tracker = trackLeaks({ onCollected: (leak) => seen.push(leak) });

function dropUndisposed(): void {
  for (let i = 0; i < 3; i++) tf.ones([32, 32]); // never disposed, never referenced
}
function disposeProperly(): void {
  tf.zeros([16]).dispose();
}
dropUndisposed();
disposeProperly();
const before = tf.memory();
for (let i = 0; i < 20 && seen.length < 3; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
}
const collected = tracker.collected;
const live = tracker.live;
tracker.stop();
const warned: string[] = [];
const warn = console.warn;
console.warn = (...args: unknown[]) => warned.push(args.join(" "));
// The default handler warns once per site.
const second = trackLeaks();
dropUndisposed();
for (let i = 0; i < 20 && second.collected.count < 3; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
}
console.warn = warn;
console.log(JSON.stringify({
  seen,
  collected,
  live,
  numTensors: before.numTensors,
  numBytes: before.numBytes,
  warned,
}));
second.stop();
