/**
 * Reads a process's memory from /proc (Linux): resident set size now and its
 * high-water mark, which writing "5" to /proc/<pid>/clear_refs resets — so
 * the peak can be taken per cell.
 * @module
 */

/** Resident memory of a process, bytes. */
export interface Rss {
  /** VmRSS: resident now. */
  rss: number;
  /** VmHWM: the peak resident size since start or since the last reset. */
  hwm: number;
}

/** VmRSS and VmHWM of `pid`, or null when /proc cannot be read (not Linux, process gone). */
export function readRss(pid: number): Rss | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Resets the peak (VmHWM) of `pid` to its current RSS; false when the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
