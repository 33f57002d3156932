/**
 * The memkit kernel's entry point, as the kernelspec runs it:
 * `deno run -A kernel/main.ts <connection file>`.
 * @module
 */
import { type ConnectionInfo, Kernel } from "./_kernel.ts";
import { parseMode } from "./_reporter.ts";

const file = Deno.args[0];
if (!file) {
  console.error("Usage: deno run -A kernel/main.ts <connection file>");
  Deno.exit(2);
}
let conn: ConnectionInfo;
try {
  conn = JSON.parse(await Deno.readTextFile(file));
} catch (e) {
  console.error(
    `Cannot start the memkit kernel: cannot read connection file "${file}": ${
      (e as Error).message
    }`,
  );
  Deno.exit(2);
}
const kernel = new Kernel(conn, {
  cwd: Deno.cwd(),
  mode: parseMode(Deno.env.get("MEMKIT_REPORT")),
});
await kernel.run();
