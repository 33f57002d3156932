/** A source of bytes held outside tfjs, e.g. a dataset stage's buffers. */
export type Probe = () => number;

const registry = new Map<string, Probe>();

/**
 * Registers a probe that reports bytes held by some part of the program (a
 * dataset stage's buffers, a pool). The timeline samples every probe. Lower
 * layers never import the timeline; they register probes here instead.
 *
 * @param name A unique, human-readable name, e.g. "prefetch(2)".
 * @param probe Returns the bytes held now.
 * @returns A function that unregisters the probe.
 * @example
 * ```ts
 * import { probeBytes, registerProbe } from "memkit";
 * const off = registerProbe("my buffer", () => 1024);
 * if (probeBytes()["my buffer"] !== 1024) throw new Error("probe not read");
 * off();
 * ```
 */
export function registerProbe(name: string, probe: Probe): () => void {
  let unique = name;
  for (let i = 2; registry.has(unique); i++) unique = `${name} #${i}`;
  registry.set(unique, probe);
  return () => {
    if (registry.get(unique) === probe) registry.delete(unique);
  };
}

/**
 * Reads every registered probe.
 * @returns Bytes per probe name; a probe that throws reads as 0.
 * @example
 * ```ts
 * import { probeBytes } from "memkit";
 * const all = probeBytes();
 * if (typeof all !== "object") throw new Error("expected a record");
 * ```
 */
export function probeBytes(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, probe] of registry) {
    try {
      out[name] = probe();
    } catch {
      out[name] = 0;
    }
  }
  return out;
}
