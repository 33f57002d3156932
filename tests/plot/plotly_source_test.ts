import assert from "node:assert/strict";

Deno.test("plotly.js is found without an import map (the kernel's engine in a bare folder)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const source = new URL("../../lib/plot/_plotly_source.ts", import.meta.url).href;
    const code = `import { plotlyPath, plotlyVersion } from ${JSON.stringify(source)};
console.log(JSON.stringify({ path: plotlyPath(), version: plotlyVersion() }));`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", "--quiet", code],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const { path, version } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.ok((await Deno.stat(path)).isFile, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
