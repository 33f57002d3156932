import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const ci = await Deno.readTextFile(new URL(".ci/run", root));

/** The README's first fenced block: the two commands a newcomer runs. */
function firstScreenCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README has no ```sh block");
  return block[1].split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter(Boolean);
}

Deno.test("README's first screen gives the demo and test commands, pinned to deno 2.9.6", () => {
  const commands = firstScreenCommands();
  assert.deepEqual(commands, ["npx -y deno@2.9.6 task demo", "npx -y deno@2.9.6 task test"]);
  assert.ok(readme.indexOf("task demo") < 1500, "the commands are not on the first screen");
});

Deno.test("the README's tasks exist in deno.json and run the scripts that exist", async () => {
  for (const task of ["demo", "test", "ok", "bench"]) {
    assert.ok(config.tasks?.[task], `deno.json lacks task ${task}`);
    assert.match(readme, new RegExp(`deno task ${task}`), `README does not mention task ${task}`);
  }
  for (const [name, command] of Object.entries(config.tasks as Record<string, string>)) {
    for (const script of command.matchAll(/(scripts\/[\w/.-]+\.ts|kernel\/[\w/.-]+\.ts)/g)) {
      const stat = await Deno.stat(new URL(script[1], root));
      assert.ok(stat.isFile, `task ${name} runs ${script[1]}, which does not exist`);
    }
  }
  assert.match(config.tasks.ok, /deno lint/);
  assert.match(config.tasks.ok, /deno fmt --check/);
  assert.match(config.tasks.ok, /deno check/);
  assert.match(config.tasks.ok, /deno task test/);
});

Deno.test(".ci/run runs the README's test command", () => {
  const [, testCommand] = firstScreenCommands();
  const lines = ci.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  assert.ok(lines.includes(testCommand), `.ci/run does not run "${testCommand}"`);
});

Deno.test("every npm import in deno.json is pinned to an exact version", () => {
  for (const [name, target] of Object.entries(config.imports as Record<string, string>)) {
    if (!target.startsWith("npm:")) continue;
    assert.match(target, /@\d+\.\d+\.\d+(-[\w.]+)?$/, `${name} is not pinned exactly: ${target}`);
  }
  assert.equal(config.nodeModulesDir, "auto");
});
