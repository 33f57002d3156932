import { trackPass } from "./_interrupts.ts";
import { registerProbe } from "../memory/probes.ts";
import { combine, type OpenStage, type StageContext } from "./_stage.ts";

/**
 * One pass over a stage: its probe (`data <name>`) reports the bytes the
 * stage holds while the pass is open, and the pass is registered with the
 * interrupt handler so SIGINT aborts it.
 */
export async function* runPass<T>(
  name: string,
  open: OpenStage<T>,
  outer: AbortSignal | undefined,
): AsyncGenerator<T, void, undefined> {
  const interrupt = new AbortController();
  const signal = combine(outer, interrupt.signal);
  signal?.throwIfAborted();
  let held = 0;
  const off = registerProbe(`data ${name}`, () => held);
  const untrack = trackPass(interrupt);
  try {
    const context: StageContext = {
      signal,
      hold(bytes) {
        held = bytes;
      },
    };
    for await (const x of open(context)) {
      signal?.throwIfAborted();
      yield x;
    }
  } finally {
    held = 0;
    off();
    untrack();
  }
}
