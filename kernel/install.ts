/**
 * `deno task kernel:install`: registers the "memkit" kernelspec (display name
 * "Deno (memkit)") in the user's Jupyter kernels folder ($JUPYTER_DATA_DIR is
 * honoured), running this checkout's kernel/main.ts with this deno.
 * @module
 */
import { installKernel } from "./_spec.ts";

const dir = await installKernel();
console.log(`Installed kernelspec "memkit" (Deno (memkit)) in ${dir}`);
