/**
 * Remote reads against fault servers on 127.0.0.1: retries with backoff,
 * resume after a dropped body with If-Match on the ETag, timeouts,
 * RemoteReadError naming URL/range/status/tries, abort ending reads in flight
 * in every format, coalescing and bounded concurrency.
 */
import assert from "node:assert/strict";
import { arrow, csv, jsonl, parquet, RemoteReadError } from "../../mod.ts";
import { remoteStats } from "../../lib/data/_http.ts";
import { probeBytes } from "../../lib/memory/probes.ts";
import { faultServer } from "./_fault_server.ts";

const FLIGHTS = "node_modules/vega-datasets/data/flights-3m.parquet";
const FLIGHTS_ARROW = "node_modules/vega-datasets/data/flights-200k.arrow";
const WEATHER = "node_modules/vega-datasets/data/seattle-weather.csv";
const fast = { backoff: 1, retries: 3 };
const opts = { sanitizeOps: false, sanitizeResources: false };

async function sumOf(
  ds: AsyncIterable<{ numRows: number; getChild(n: string): unknown }>,
  column: string,
) {
  let rows = 0;
  let sum = 0;
  for await (const b of ds) {
    rows += b.numRows;
    const v = (b.getChild(column) as { toArray(): ArrayLike<number | bigint> }).toArray();
    for (let i = 0; i < v.length; i++) sum += Number(v[i]);
  }
  return { rows, sum };
}

const bytes = await Deno.readFile(FLIGHTS);
const local = await sumOf(parquet(FLIGHTS, { columns: ["distance"] }), "distance");

Deno.test({
  name: "http: 503s are retried with backoff; values are those of the local file",
  ...opts,
  async fn() {
    const server = faultServer(
      bytes,
      "f.parquet",
      (i) => i % 3 === 1 ? { status: 503 } : undefined,
    );
    try {
      const retries = remoteStats.retries;
      const got = await sumOf(
        parquet(server.url, { columns: ["distance"], remote: fast }),
        "distance",
      );
      assert.deepEqual(got, local);
      assert.ok(remoteStats.retries - retries > 0);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name:
    "http: a server that keeps failing ends in RemoteReadError naming URL, range, status, tries",
  ...opts,
  async fn() {
    const server = faultServer(bytes, "f.parquet", (i) => i > 0 ? { status: 500 } : undefined);
    try {
      await assert.rejects(
        async () => {
          for await (const _ of parquet(server.url, { remote: fast })) { /* */ }
        },
        (e: unknown) => {
          assert.ok(e instanceof RemoteReadError, String(e));
          assert.equal(e.url, server.url);
          assert.equal(e.status, 500);
          assert.equal(e.tries, 4);
          assert.ok(e.end! > e.start);
          assert.equal(
            e.message,
            `Cannot read "${server.url}" (bytes ${e.start}-${
              e.end! - 1
            }): HTTP 500, Internal Server Error, after 4 tries`,
          );
          return true;
        },
      );
      // A 404 is not retried.
      const missing = faultServer(bytes, "g.parquet", () => ({ status: 404 }));
      try {
        await assert.rejects(
          async () => {
            for await (const _ of parquet(missing.url, { remote: fast })) { /* */ }
          },
          (e: unknown) => e instanceof RemoteReadError && e.status === 404 && e.tries === 1,
        );
      } finally {
        await missing.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "http: a body dropped midway resumes where it stopped, with If-Match on the ETag",
  ...opts,
  async fn() {
    const server = faultServer(bytes, "f.parquet", (i) => i === 2 ? { cutAt: 1000 } : undefined);
    try {
      const got = await sumOf(
        parquet(server.url, { columns: ["distance"], remote: { ...fast, concurrency: 1 } }),
        "distance",
      );
      assert.deepEqual(got, local);
      const cut = server.seen[2];
      const resumed = server.seen[3];
      const start = Number(/bytes=(\d+)-/.exec(cut.range!)![1]);
      assert.equal(resumed.range, cut.range!.replace(`${start}-`, `${start + 1000}-`));
      assert.equal(resumed.ifMatch, server.etag);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "http: an object that changes between requests is an error, never a mix",
  ...opts,
  async fn() {
    const server = faultServer(bytes, "f.parquet", (i) => {
      if (i === 2) server.etag = '"v2"';
      return undefined;
    });
    try {
      await assert.rejects(
        async () => {
          for await (const _ of parquet(server.url, { remote: fast })) { /* */ }
        },
        (e: unknown) =>
          e instanceof RemoteReadError && e.status === 412 &&
          /changed while it was read/.test(e.message),
      );
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "http: a stalled body and a silent server end by the idle and connect timeouts",
  ...opts,
  async fn() {
    // The first body stalls; the retry gets everything.
    const stall = faultServer(bytes, "f.parquet", (i) => i === 1 ? { stallAt: 10 } : undefined);
    try {
      const got = await sumOf(
        parquet(stall.url, { columns: ["distance"], remote: { ...fast, idleTimeout: 300 } }),
        "distance",
      );
      assert.deepEqual(got, local);
    } finally {
      await stall.close();
    }
    const silent = faultServer(bytes, "f.parquet", () => ({ silent: true }));
    try {
      await assert.rejects(
        async () => {
          for await (
            const _ of parquet(silent.url, { remote: { ...fast, connectTimeout: 200, retries: 1 } })
          ) {
            /* */
          }
        },
        (e: unknown) =>
          e instanceof RemoteReadError && e.status === 0 && e.tries === 2 &&
          /connectTimeout/.test(e.message),
      );
    } finally {
      await silent.close();
    }
  },
});

Deno.test({
  name: "http: CSV and JSONL streams resume after a drop; a short body is never taken for the end",
  ...opts,
  async fn() {
    const text = await Deno.readFile(WEATHER);
    const expected = await sumOf(csv(WEATHER, { columns: ["precipitation"] }), "precipitation");
    const server = faultServer(text, "w.csv", (i) => i === 0 ? { cutAt: 5000 } : undefined);
    try {
      const got = await sumOf(
        csv(server.url, { columns: ["precipitation"], remote: fast }),
        "precipitation",
      );
      assert.deepEqual(got, expected);
      assert.equal(server.seen[1].range, "bytes=5000-");
      assert.equal(server.seen[1].ifMatch, server.etag);
    } finally {
      await server.close();
    }
    const lines = new TextDecoder().decode(text).trim().split("\n").slice(1).map((l) =>
      JSON.stringify({ p: Number(l.split(",")[1]) })
    ).join("\n") + "\n";
    const json = faultServer(new TextEncoder().encode(lines), "w.jsonl", (i) =>
      i === 0 ? { cutAt: 777 } : undefined);
    try {
      const got = await sumOf(jsonl(json.url), "p");
      assert.deepEqual(got, expected);
    } finally {
      await json.close();
    }
  },
});

Deno.test({
  name: "http: abort ends reads in flight in every format",
  ...opts,
  async fn() {
    const arrowBytes = await Deno.readFile(FLIGHTS_ARROW);
    const text = await Deno.readFile(WEATHER);
    const json = new TextEncoder().encode(
      new TextDecoder().decode(text).trim().split("\n").slice(1).map((l) =>
        JSON.stringify({ date: l.split(",")[0], p: Number(l.split(",")[1]) })
      ).join("\n") + "\n",
    );
    const cases: [
      string,
      Uint8Array,
      (url: string, signal: AbortSignal) => AsyncIterable<unknown>,
    ][] = [
      ["f.parquet", bytes, (u, signal) => parquet(u, { signal })],
      ["f.arrow", arrowBytes, (u, signal) => arrow(u, { signal })],
      ["w.csv", text, (u, signal) => csv(u, { signal })],
      ["w.jsonl", json, (u, signal) => jsonl(u, { signal })],
    ];
    for (const [name, data, open] of cases) {
      // Everything after the first request stalls mid-body.
      // Parquet and Arrow: the first request (the size) is answered, then every
      // body stalls; CSV and JSONL: the one body stalls after 100 bytes.
      const server = faultServer(
        data,
        name,
        (i) => i >= 1 || name.startsWith("w.") ? { stallAt: 100 } : undefined,
      );
      try {
        const controller = new AbortController();
        const reason = new Error(`stop ${name}`);
        let inFlight = 0;
        const timer = setTimeout(() => {
          // The stalled request shows on the timeline's probe while it waits.
          inFlight = probeBytes()["remote bytes in flight"] ?? 0;
          controller.abort(reason);
        }, 200);
        await assert.rejects(async () => {
          for await (const _ of open(server.url, controller.signal)) { /* */ }
        }, (e) => e === reason);
        clearTimeout(timer);
        if (name === "f.parquet") assert.ok(inFlight > 0, `probe read ${inFlight}`);
      } finally {
        await server.close();
      }
    }
  },
});

Deno.test({
  name: "http: nearby column chunks are coalesced; requests in flight stay bounded",
  ...opts,
  async fn() {
    const server = faultServer(bytes, "f.parquet");
    try {
      // delay and distance are adjacent in the file: read together, each row
      // group's two chunks come in one request, as many as for one column.
      await sumOf(parquet(server.url, { columns: ["distance"] }), "distance");
      const one = server.seen.length;
      server.seen.length = 0;
      const together = await sumOf(
        parquet(server.url, { columns: ["delay", "distance"] }),
        "distance",
      );
      assert.deepEqual(together, local);
      assert.equal(server.seen.length, one);
      server.seen.length = 0;
      server.peak = 0;
      await sumOf(
        parquet(server.url, {
          columns: ["date", "origin", "destination"],
          remote: { concurrency: 2, coalesce: 0 },
        }),
        "date",
      );
      assert.ok(server.peak <= 2, `${server.peak} in flight`);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "http: break ends the read-ahead still in flight (the file is closed)",
  ...opts,
  async fn() {
    // Every body after the first group's stalls: the read-ahead of group 2 waits forever.
    let stalled = 0;
    const server = faultServer(bytes, "f.parquet", (_i, seen) => {
      const start = Number(/bytes=(\d+)-/.exec(seen.range ?? "")?.[1] ?? 0);
      if (start > 0 && start < bytes.length - (1 << 19) && ++stalled > 1) return { stallAt: 10 };
      return undefined;
    });
    try {
      let batches = 0;
      for await (const _ of parquet(server.url, { columns: ["distance"] })) {
        batches++;
        // Wait until the read-ahead of the next group reached the server and stalls.
        while (stalled < 2) await new Promise((r) => setTimeout(r, 5));
        assert.ok(remoteStats.inFlight > 0);
        break;
      }
      assert.equal(batches, 1);
      // Without the close, the stalled request would wait for idleTimeout (30 s) and retry.
      for (let i = 0; i < 200 && remoteStats.inFlight > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(remoteStats.inFlight, 0);
      assert.ok(stalled >= 2, `${stalled} group reads`);
    } finally {
      await server.close();
    }
  },
});
