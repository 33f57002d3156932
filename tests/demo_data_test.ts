/**
 * The demo's data (scripts/_demo_data.ts): one file of the pinned vega-datasets tarball, checked
 * against the lockfiles' sha512, kept in a cache; the library's config does not install the package.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DEMO_PACKAGE, demoFile, fetchFromTarball } from "../scripts/_demo_data.ts";

const root = new URL("../", import.meta.url);
const readJson = async (f: string) => JSON.parse(await Deno.readTextFile(new URL(f, root)));

Deno.test("demo data: the pinned tarball is the one the test and notebook configs lock", async () => {
  const { name, version, integrity } = DEMO_PACKAGE;
  assert.equal((await readJson("deno.json")).imports[name], undefined, "deno.json must not pin it");
  for (
    const [config, lock] of [
      ["deno.test.json", "deno.test.lock"],
      ["notebooks/deno.json", "notebooks/deno.lock"],
    ]
  ) {
    assert.equal((await readJson(config)).imports[name], `npm:${name}@${version}`, config);
    assert.equal((await readJson(lock)).npm[`${name}@${version}`].integrity, integrity, lock);
  }
});

/** A gzip tarball made by GNU tar with npm's layout, served from 127.0.0.1. */
async function tarball(dir: string) {
  await Deno.mkdir(`${dir}/package/data`, { recursive: true });
  const payload = new Uint8Array(70_001); // not a multiple of 512
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251;
  await Deno.writeFile(`${dir}/package/data/a.bin`, payload);
  await Deno.writeTextFile(`${dir}/package/data/b.txt`, "second entry\n");
  await Deno.writeTextFile(`${dir}/package/package.json`, '{"version":"0"}');
  const made = await new Deno.Command("tar", {
    args: ["czf", `${dir}/p.tgz`, "-C", dir, "package/package.json", "package/data"],
  }).output();
  assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
  const bytes = await Deno.readFile(`${dir}/p.tgz`);
  const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
  let requests = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    requests++;
    return new URL(req.url).pathname === "/missing"
      ? new Response("not found", { status: 404 })
      : new Response(bytes);
  });
  const url = `http://127.0.0.1:${server.addr.port}/p.tgz`;
  return { payload, integrity, url, server, requests: () => requests };
}

Deno.test("demo data: one entry streamed out of a tarball, kept only when the sha512 matches", async () => {
  const dir = await Deno.makeTempDir();
  const t = await tarball(dir);
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  try {
    const dest = `${dir}/a.bin`;
    await fetchFromTarball(t.url, t.integrity, "package/data/a.bin", dest, log);
    assert.deepEqual(await Deno.readFile(dest), t.payload);
    assert.match(lines.join("\n"), /kept .*a\.bin/);

    const wrong = t.integrity.slice(0, 20) + (t.integrity[20] === "A" ? "B" : "A") +
      t.integrity.slice(21);
    await assert.rejects(
      fetchFromTarball(t.url, wrong, "package/data/b.txt", `${dir}/b.txt`, log),
      /does not match the pinned sha512 .*nothing was kept/,
    );
    await assert.rejects(
      fetchFromTarball(t.url, t.integrity, "package/data/none", `${dir}/none`, log),
      /has no entry "package\/data\/none"/,
    );
    await assert.rejects(
      fetchFromTarball(t.url.replace("p.tgz", "missing"), t.integrity, "x", `${dir}/x`, log),
      /Cannot fetch the demo data from http:\/\/127\.0\.0\.1:\d+\/missing: HTTP 404/,
    );
    const left = [];
    for await (const e of Deno.readDir(dir)) left.push(e.name);
    assert.deepEqual(left.sort(), ["a.bin", "p.tgz", "package"], "no partial file is left behind");
  } finally {
    await t.server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo data: a cached file is used without a request", async () => {
  const dir = await Deno.makeTempDir();
  const t = await tarball(dir);
  const registry = t.url.replace("p.tgz", "");
  try {
    const options = { cache: `${dir}/cache`, registry, log: () => {} };
    const cached = `${dir}/cache/${DEMO_PACKAGE.name}@${DEMO_PACKAGE.version}/data/f.csv`;
    await Deno.mkdir(cached.replace(/\/f\.csv$/, ""), { recursive: true });
    await Deno.writeTextFile(cached, "x\n2\n");
    assert.equal(await demoFile("f.csv", options), cached);
    assert.equal(t.requests(), 0);

    // Not cached: the registry is asked, and a tarball that is not the pinned one is refused.
    await assert.rejects(demoFile("g.csv", options), /does not match the pinned sha512/);
    assert.equal(t.requests(), 1);
    await assert.rejects(demoFile("../etc/passwd", options), /invalid file name/);
  } finally {
    await t.server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo data: flights-3m.parquet from the npm registry equals the installed package's", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const path = await demoFile("flights-3m.parquet", { cache, log: () => {} });
    assert.ok(path.startsWith(cache), path);
    // The test config installs the same pinned package (its exports name only build/index.js).
    const installed = new URL("../data/flights-3m.parquet", import.meta.resolve("vega-datasets"));
    const [a, b] = await Promise.all([Deno.readFile(path), Deno.readFile(installed)]);
    assert.equal(a.length, b.length);
    assert.ok(a.every((v, i) => v === b[i]), "byte-identical");
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
