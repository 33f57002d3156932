/**
 * The browser side of memkit's plotly outputs, as a script string. Each
 * output calls it with its element id and figure; the first call on a page
 * defines one shared loader on `window` that finds plotly.js, in this order:
 *
 * 1. `window.Plotly` (already on the page, e.g. from an earlier output);
 * 2. a load in flight (several outputs rendering at once share one);
 * 3. a carrier on the page: `<script type="text/plain" class="memkit-plotly-gz">`
 *    holding plotly.min.js gzipped + base64 (memkit puts it in one output per
 *    kernel process); it is inflated with DecompressionStream and cached in
 *    IndexedDB for later visits;
 * 4. the IndexedDB cache (database "memkit", store "plotly", key = version).
 *
 * plotly.js is evaluated with `define`, `module`, `exports` and `require`
 * shadowed, so that under the classic notebook's require.js the bundle sets
 * `window.Plotly` instead of registering an anonymous AMD module (which
 * require.js rejects: "Mismatched anonymous define()").
 *
 * When none is found, the output keeps its static SVG (drawn in Deno, shipped
 * in the same output) and says why in a one-line note, so each output still
 * shows its plot on its own; it upgrades itself if a carrier appears later.
 * @module
 */

/** `(id, figure, version) => void`, as source text; ES2017, no modules. */
export const LOADER_JS = String.raw`(function (id, fig, version) {
  var w = window;
  var L = w.__memkitPlotly;
  if (!L) {
    L = w.__memkitPlotly = { pending: null };
    L.evaluate = function (src) {
      var run = new Function("define", "module", "exports", "require", src + "\n;return window.Plotly;");
      var P = run.call(w, undefined, undefined, undefined, undefined);
      if (!P || !P.newPlot) throw new Error("plotly.js did not define window.Plotly");
      return P;
    };
    L.inflate = function (b64) {
      var bin = atob(b64.replace(/\s+/g, ""));
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      if (typeof DecompressionStream === "undefined") {
        return Promise.reject(new Error("this browser lacks DecompressionStream"));
      }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).text();
    };
    L.db = function (mode, fn) {
      return new Promise(function (resolve, reject) {
        if (!w.indexedDB) return reject(new Error("no IndexedDB"));
        var open = w.indexedDB.open("memkit", 1);
        open.onupgradeneeded = function () { open.result.createObjectStore("plotly"); };
        open.onerror = function () { reject(open.error); };
        open.onsuccess = function () {
          var tx = open.result.transaction("plotly", mode);
          var req = fn(tx.objectStore("plotly"));
          tx.oncomplete = function () { open.result.close(); resolve(req.result); };
          tx.onerror = function () { open.result.close(); reject(tx.error); };
        };
      });
    };
    L.carrier = function () {
      return document.querySelector('script.memkit-plotly-gz[data-version="' + version + '"]') ||
        document.querySelector("script.memkit-plotly-gz");
    };
    L.get = function () {
      if (w.Plotly && w.Plotly.newPlot) return Promise.resolve(w.Plotly);
      if (L.pending) return L.pending;
      var el = L.carrier();
      var p;
      if (el) {
        var b64 = el.textContent;
        var v = el.getAttribute("data-version") || version;
        p = L.inflate(b64).then(function (src) {
          var P = L.evaluate(src);
          L.source = "page";
          L.db("readwrite", function (s) { return s.put(b64, v); }).catch(function () {});
          return P;
        });
      } else {
        p = L.db("readonly", function (s) { return s.get(version); }).then(function (b64) {
          if (!b64) throw new Error("plotly.js " + version + " is neither on this page nor cached in this browser");
          return L.inflate(b64).then(function (src) { L.source = "cache"; return L.evaluate(src); });
        });
      }
      L.pending = p;
      p.catch(function () { L.pending = null; });
      return p;
    };
  }
  var tries = 0;
  function start() {
    var root = document.getElementById(id);
    if (!root) {
      if (tries++ < 200) setTimeout(start, 50);
      return;
    }
    var plot = root.querySelector(".memkit-plotly");
    var still = root.querySelector(".memkit-static");
    var note = root.querySelector(".memkit-note");
    var attempt = 0;
    function go() {
      L.get().then(function (P) {
        // A live output replaces its DOM at each update; purge plots that left the page,
        // or their resize listeners (responsive: true) would pile up for the whole run.
        L.plots = (L.plots || []).filter(function (old) {
          if (document.body.contains(old)) return true;
          try { P.purge(old); } catch (_) { /* already gone */ }
          return false;
        });
        L.plots.push(plot);
        plot.style.display = "block";
        return P.newPlot(plot, fig.data, fig.layout, { responsive: true, displaylogo: false });
      }).then(function () {
        if (still) still.style.display = "none";
        if (note) note.style.display = "none";
        root.setAttribute("data-memkit", "plotly");
      }).catch(function (e) {
        plot.style.display = "none";
        root.setAttribute("data-memkit", "static");
        if (note) {
          note.textContent = "Static plot (interactive view unavailable: " + (e && e.message || e) + ").";
          note.style.display = "block";
        }
        if (attempt++ < 3) setTimeout(go, 1500);
      });
    }
    go();
  }
  start();
})`;
