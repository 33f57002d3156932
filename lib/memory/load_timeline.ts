import { Timeline, type TimelineData } from "./_timeline.ts";

/**
 * Reads a timeline saved with `saveJSON` (or the object `toJSON` returns) back
 * into a stopped Timeline that plots, summarises and saves like the original.
 *
 * @param source A file path or URL, or the saved object itself.
 * @returns The stopped timeline.
 * @example
 * ```ts
 * import { loadTimeline, timeline } from "memkit";
 * const tl = timeline({ everyMs: 5 });
 * tl.mark("a");
 * tl.stop();
 * const back = await loadTimeline(tl.toJSON());
 * if (back.marks[0].label !== "a" || back.samples !== tl.samples) throw new Error("not restored");
 * ```
 */
export async function loadTimeline(source: string | URL | TimelineData): Promise<Timeline> {
  let data: TimelineData;
  let where = "the object given";
  if (typeof source === "string" || source instanceof URL) {
    where = `"${source}"`;
    const text = await Deno.readTextFile(source);
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new TypeError(`Cannot load timeline ${where}: ${(error as Error).message}`);
    }
  } else data = source;
  if (data?.format !== "memkit-timeline" || data.version !== 1) {
    throw new TypeError(
      `Cannot load timeline ${where}: expected format "memkit-timeline" version 1, got ${
        JSON.stringify(data?.format)
      } version ${JSON.stringify(data?.version)}`,
    );
  }
  if (!Array.isArray(data.t)) {
    throw new TypeError(`Cannot load timeline ${where}: "t" must be an array of times`);
  }
  const n = data.t.length;
  const capacity = Math.max(16, data.maxSamples ?? 0, n + (n % 2));
  return new Timeline({
    everyMs: data.everyMs,
    maxSamples: capacity + (capacity % 2),
    live: false,
    liveEveryMs: 1000,
  }, data);
}
