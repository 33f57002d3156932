import assert from "node:assert/strict";
import { progress } from "../../mod.ts";

Deno.test("progress: counts, percentage, rate and the final state", () => {
  const p = progress({
    label: "reading",
    total: 2_000_000,
    unit: "rows",
    mode: "silent",
    everyMs: 0,
  });
  p.update(500_000, "RSS 210 MB");
  assert.match(p.line, /^reading · 500\.0k\/2\.00M rows \(25%\) · .* rows\/s · \d+\.\d s/);
  assert.ok(p.line.endsWith("RSS 210 MB"));
  p.done();
  assert.match(p.line, /2\.00M\/2\.00M rows \(100%\)/);
});

Deno.test("progress: without a total it shows the count only", () => {
  const p = progress({ label: "scanning", mode: "silent", everyMs: 0 });
  p.update(42);
  assert.match(p.line, /^scanning · 42 items · /);
  assert.ok(!p.line.includes("%"));
});
