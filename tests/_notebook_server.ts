/**
 * For the browser tests: Debian's classic Notebook started through `kernel/notebook.ts` (token
 * "memkit", a random port) with headless Chromium beside it, and a page opened once the server
 * answers.
 * @module
 */
import { type Browser, chromium, type Page } from "playwright-core";

const root = new URL("../", import.meta.url).pathname;

/** A running Notebook server and browser; `close()` stops both. */
export interface NotebookSession {
  port: number;
  browser: Browser;
  /** The URL of notebook `name` in this server, with its token. */
  url(name: string): string;
  close(): Promise<void>;
}

/** Starts the server in `cwd` with `env`, and Chromium with `chromiumArgs`. */
export async function notebookSession(
  cwd: string,
  env: Record<string, string>,
  chromiumArgs: string[] = ["--no-sandbox"],
): Promise<NotebookSession> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      `${root}deno.json`,
      `${root}kernel/notebook.ts`,
      "--no-browser",
      `--port=${port}`,
      "--NotebookApp.token=memkit",
    ],
    cwd,
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: chromiumArgs,
  });
  return {
    port,
    browser,
    url: (name) => `http://127.0.0.1:${port}/notebooks/${name}?token=memkit`,
    async close() {
      await browser.close();
      server.kill("SIGTERM");
      await server.stderr.cancel();
      await server.status;
    },
  };
}

/** `page.goto(url)`, retried every 250 ms while the server is still starting (`tries` times). */
export async function gotoWhenUp(page: Page, url: string, tries = 80): Promise<void> {
  for (let i = 0;; i++) {
    try {
      await page.goto(url);
      return;
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
