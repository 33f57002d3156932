/**
 * Which system features (Jupyter, Chromium, pandas) are missing here, for
 * tests that need one only in some cases: `Deno.test({ ignore: lacks("pandas"), … })`.
 * `deno task test` passes what it found in MEMKIT_MISSING; otherwise this probes.
 * @module
 */
import { type Feature, missingFeatures } from "../scripts/_requirements.ts";

const fromRunner = Deno.env.get("MEMKIT_MISSING");
const missing: Set<string> = fromRunner !== undefined
  ? new Set(fromRunner.split(",").filter(Boolean))
  : new Set(Object.keys(await missingFeatures()));

/** Whether `feature` is missing on this machine (the test should be ignored). */
export function lacks(feature: Feature): boolean {
  return missing.has(feature);
}
