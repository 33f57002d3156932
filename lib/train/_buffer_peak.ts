import { tf } from "../_tf.ts";

type Info = { bytes: number };
interface InfoMap {
  has(key: object): boolean;
  get(key: object): Info | undefined;
  set(key: object, value: Info): unknown;
  delete(key: object): boolean;
}
interface EngineWithState {
  state: { tensorInfo: InfoMap };
}

/**
 * Runs `fn` and returns the peak of real tfjs data-buffer bytes above the
 * level at the start. tf.memory().numBytes and tf.profile's peakBytes count
 * bytes per tensor handle, so a reshape or a clone that shares its data
 * counts twice; here each buffer counts once, from its allocation to its
 * release; `allocated` sums every buffer created. It watches the engine's dataId → info map, the one place every
 * backend's buffers are registered and removed.
 */
export async function bufferPeak<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T; peak: number; end: number; allocated: number }> {
  const state = (tf.engine() as unknown as EngineWithState).state;
  const inner = state.tensorInfo;
  let live = 0;
  let peak = 0;
  let allocated = 0;
  state.tensorInfo = {
    has: (key) => inner.has(key),
    get: (key) => inner.get(key),
    set(key, value) {
      if (!inner.has(key)) {
        live += value.bytes;
        allocated += value.bytes;
        if (live > peak) peak = live;
      }
      return inner.set(key, value);
    },
    delete(key) {
      const info = inner.get(key);
      if (info) live -= info.bytes;
      return inner.delete(key);
    },
  };
  try {
    const result = await fn();
    return { result, peak, end: live, allocated };
  } finally {
    state.tensorInfo = inner;
  }
}
