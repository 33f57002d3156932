/**
 * The one place memkit talks to `Deno.jupyter`. Everything else builds MIME
 * bundles and calls {@linkcode display}; outside a kernel it prints the
 * bundle's text/plain part instead.
 * @module
 */

/** A Jupyter MIME bundle: MIME type to content. */
export type MimeBundle = Record<string, unknown>;

/** Options for {@linkcode display}. */
export interface DisplayOptions {
  /** A display id, so that later calls with `update: true` replace this output in place. */
  displayId?: string;
  /**
   * Replace the output that has `displayId` instead of adding a new one.
   * @default {false}
   */
  update?: boolean;
}

interface JupyterApi {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

let cached: JupyterApi | null | undefined;

/**
 * The kernel's Jupyter API when code runs under `deno jupyter`, else null.
 * Deno throws on any access to `Deno.jupyter` outside the kernel, so this
 * probes once and remembers.
 */
function jupyter(): JupyterApi | null {
  if (cached !== undefined) return cached;
  try {
    const api = (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
    cached = api && typeof api.broadcast === "function" ? api : null;
  } catch {
    cached = null;
  }
  return cached;
}

/** True when running inside a Jupyter kernel (Deno's or memkit's). */
export function inJupyter(): boolean {
  return jupyter() !== null;
}

/**
 * Shows a MIME bundle: as display data in Jupyter (updating in place when a
 * display id is given with `update`), or its text/plain part on stdout.
 *
 * @param bundle MIME type to content, e.g. `{"text/plain": "…", "text/html": "…"}`.
 * @param options A display id and whether to update it.
 * @returns Once the message is sent (or the text printed).
 * @example
 * ```ts
 * import { display } from "memkit";
 * await display({ "text/plain": "hello" });
 * ```
 */
export async function display(bundle: MimeBundle, options: DisplayOptions = {}): Promise<void> {
  const api = jupyter();
  if (api === null) {
    const text = bundle["text/plain"];
    if (!options.update && typeof text === "string") console.log(text);
    return;
  }
  const transient = options.displayId ? { display_id: options.displayId } : {};
  await api.broadcast(options.update ? "update_display_data" : "display_data", {
    data: bundle,
    metadata: {},
    transient,
  });
}
