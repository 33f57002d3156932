/**
 * Open dataset passes and the SIGINT listener that stops them all.
 * @module
 */

// Every open pass, so that SIGINT can stop them all. Deno's Jupyter kernel
// (interrupt_mode "signal", the default) dies on SIGINT, and a terminated
// execution never runs `finally`, so workers, prefetch pumps and their
// buffers would outlive the cell. While a pass is open, SIGINT aborts every
// open pass instead: the `for await` throws, each stage's `finally` releases
// what it holds, and the kernel (or a script's Ctrl-C) sees an AbortError.
const openPasses = new Set<AbortController>();
let listening = false;

function interruptAll(): void {
  const reason = new DOMException(
    "Interrupted: SIGINT (a kernel interrupt or Ctrl-C) stopped the dataset pass",
    "AbortError",
  );
  for (const c of [...openPasses]) c.abort(reason);
}

function watchInterrupts(on: boolean): void {
  if (on === listening) return;
  try {
    if (on) Deno.addSignalListener("SIGINT", interruptAll);
    else Deno.removeSignalListener("SIGINT", interruptAll);
    listening = on;
  } catch {
    // No signals here (a worker, or a platform without SIGINT): AbortSignal and break still work.
  }
}

/** Passes open now, in this process (for tests). */
export function openPassCount(): number {
  return openPasses.size;
}

/**
 * Registers an open pass; SIGINT aborts it while it is open.
 * @param c The pass's interrupt controller.
 * @returns A function that unregisters it (call it in the pass's `finally`).
 */
export function trackPass(c: AbortController): () => void {
  openPasses.add(c);
  watchInterrupts(true);
  return () => {
    openPasses.delete(c);
    if (openPasses.size === 0) watchInterrupts(false);
  };
}
