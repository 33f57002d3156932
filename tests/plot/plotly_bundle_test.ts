import assert from "node:assert/strict";
import { plotlyBundle, plotlyHTML } from "../../mod.ts";
import { plotlyGzipBase64, plotlySource } from "../../lib/plot/_plotly_source.ts";
import { staticSvgs } from "../../lib/plot/_static_image.ts";
import { gunzipSync } from "node:zlib";
import { Buffer } from "node:buffer";

const FIGURE = {
  data: [{ type: "scatter", name: "a", x: [0, 1, 2], y: [1, 3, 2] }],
  layout: { title: { text: "t</script><b>" } },
};

Deno.test("plotlyBundle: three parts; carries plotly.js once with auto, never inlines it raw", () => {
  const first = plotlyBundle(FIGURE, { text: "summary", plotly: "always" });
  assert.deepEqual(Object.keys(first).sort(), [
    "application/vnd.plotly.v1+json",
    "text/html",
    "text/plain",
  ]);
  assert.equal(first["text/plain"], "summary");
  assert.deepEqual(first["application/vnd.plotly.v1+json"], FIGURE);
  const html = String(first["text/html"]);
  assert.ok(html.includes(`class="memkit-plotly-gz"`));
  assert.ok(!html.includes("Copyright 2012"), "plotly.js is not inlined uncompressed");
  // The figure JSON cannot close the script element early.
  assert.ok(!html.includes("t</script><b>"));
  const thin = String(plotlyBundle(FIGURE, { plotly: "never" })["text/html"]);
  assert.ok(!thin.includes(`class="memkit-plotly-gz"`));
  assert.ok(thin.length < 20_000, `a thin output is ${thin.length} chars`);
  assert.ok(!thin.includes("<svg"), "no inline SVG: sanitizers strip it");
  const [svg] = staticSvgs(thin);
  assert.ok(svg?.includes("<svg") && svg.includes("<polyline"), "static picture as a data URL");
  assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(thin), "no network reference");
});

Deno.test("plotlyBundle: the carried copy inflates to plotly.min.js byte for byte", () => {
  const back = gunzipSync(Buffer.from(plotlyGzipBase64(), "base64")).toString("utf8");
  assert.equal(back, plotlySource());
  assert.ok(plotlyGzipBase64().length < 2_100_000);
});

Deno.test("plotlyBundle: a bad plotly option is a TypeError naming the value", () => {
  assert.throws(
    () => plotlyBundle(FIGURE, { plotly: "cdn" as "auto" }),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === `plotlyBundle: options.plotly is "cdn", expected "auto", "always" or "never"`,
  );
});

Deno.test("plotlyHTML: a standalone page that carries plotly.js and the text", () => {
  const page = plotlyHTML(FIGURE, { title: "x", text: "a < b" });
  assert.ok(page.startsWith("<!doctype html>"));
  assert.ok(page.includes(`class="memkit-plotly-gz"`));
  assert.ok(page.includes("a &lt; b"));
});
