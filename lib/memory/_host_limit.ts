/**
 * The memory a process here can have before the kernel's OOM killer acts: the
 * cgroup limit (v2 `memory.max`, v1 `memory.limit_in_bytes`) when one is set,
 * else the machine's RAM plus swap.
 */
export function hostLimit(): number {
  const total = (() => {
    try {
      const m = Deno.systemMemoryInfo();
      return m.total + m.swapTotal;
    } catch {
      return Infinity;
    }
  })();
  for (const path of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
    try {
      const text = Deno.readTextFileSync(path).trim();
      const v = Number(text);
      // "max", or v1's "no limit" (a page-rounded 2^63), means unlimited.
      if (Number.isFinite(v) && v > 0 && v < 2 ** 60) return Math.min(v, total);
    } catch { /* not on this system */ }
  }
  return total;
}
