/**
 * Supervises the engine (Deno's kernel): starts it, checks what it sends,
 * injects the agent, restarts it when it dies and gives up after too many
 * deaths in a short time, so that a notebook whose folder breaks Deno's
 * kernel gets a clear error instead of endless restarts.
 * @module
 */
import type { Buffer } from "node:buffer";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentChannel } from "./_agent_channel.ts";
import { Engine } from "./_engine.ts";
import { log } from "./_frontend.ts";
import type { Poller } from "./_poll.ts";
import { build, type Frames, header, split } from "./_wire.ts";
import type { ReportMode } from "./agent.ts";

/** What the router does with what the engine sends. */
export interface EngineHandlers {
  /** A reply on shell or control to a request the frontend made. */
  reply(m: Frames, channel: "shell" | "control"): void;
  /** An input request on stdin. */
  stdin(m: Frames): void;
  /** An iopub message not caused by the kernel's own requests. */
  iopub(engine: Engine, m: Frames): void;
  /** The engine died; `restarting` false when the restart limit is reached. */
  died(engine: Engine, code: number, restarting: boolean): void;
  /** A message from the engine was dropped (bad signature or framing). */
  dropped(channel: string): void;
  /** A new engine answered and has its agent: take the baselines. */
  started(engine: Engine): Promise<void>;
}

/** memkit's own folder (the one holding its deno.json). */
export const MEMKIT_ROOT: string = fileURLToPath(new URL("../", import.meta.url));

const CONFIG_FILES = ["deno.json", "deno.jsonc"];

/** The Deno config that applies to `dir` (in it or a parent folder), or null. */
export async function findConfig(dir: string): Promise<string | null> {
  let d = resolve(dir);
  while (true) {
    for (const name of CONFIG_FILES) {
      const f = join(d, name);
      if (await Deno.stat(f).then((s) => s.isFile, () => false)) return f;
    }
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/** Deaths within this window count toward the restart limit. */
const DEATH_WINDOW_MS = 30_000;
/** The engine is restarted at most this many times within the window. */
const MAX_RESTARTS = 3;

/** Starts, watches and restarts Deno's kernel. */
export class Supervisor {
  engine: Engine | null = null;
  /** Set when the engine kept dying and is no longer restarted. */
  stopped: string | null = null;
  stopping = false;
  #ready: Promise<Engine | null> = Promise.resolve(null);
  #deaths: number[] = [];
  #internal = new Map<string, (m: Frames) => void>();
  #internalIopub = new Set<string>();
  #chdir: string | null = null;

  constructor(
    readonly cwd: string,
    readonly session: string,
    readonly poller: Poller,
    readonly agent: AgentChannel,
    readonly options: { agentPort: number; mode: () => ReportMode },
    readonly on: EngineHandlers,
  ) {}

  /** The running engine, or the one starting; null when there is none. */
  ready(): Promise<Engine | null> {
    return this.engine ? Promise.resolve(this.engine) : this.#ready;
  }

  /** Starts an engine (also after a death). */
  start(): void {
    const p = this.#start();
    this.#ready = p.catch((e) => {
      log(`engine failed to start: ${(e as Error).message}`);
      return null;
    });
  }

  async #start(): Promise<Engine> {
    const woke = () => this.poller.wake();
    // Deno finds its config from the folder it starts in. A notebook outside
    // any Deno project gets memkit's (its import map resolves "memkit" and
    // tfjs); the agent then moves the engine into the notebook's folder.
    const own = await findConfig(this.cwd);
    const engine = await Engine.start(own ? this.cwd : MEMKIT_ROOT, woke);
    this.#chdir = own ? null : this.cwd;
    this.poller.add(engine.shell, (raw) => this.#fromEngine(engine, raw, "shell"));
    this.poller.add(engine.control, (raw) => this.#fromEngine(engine, raw, "control"));
    this.poller.add(engine.stdin, (raw) => {
      const m = this.#verified(engine, raw, "stdin");
      if (m) this.on.stdin(m);
    });
    this.poller.add(engine.iopub, (raw) => this.#fromEngineIopub(engine, raw));
    engine.exited.then((code) => this.#died(engine, code));
    const info = await this.request(engine, "shell", "kernel_info_request", {}, 60_000);
    if (!info) throw new Error("Deno's kernel did not answer kernel_info within 60 s");
    await this.#inject(engine);
    this.engine = engine;
    await this.on.started(engine);
    return engine;
  }

  /** Loads the agent into the engine with a silent execute request and waits for it to connect. */
  async #inject(engine: Engine): Promise<void> {
    const agentUrl = new URL("./agent.ts", import.meta.url).href;
    const options = {
      port: this.options.agentPort,
      token: this.agent.token,
      sites: Deno.env.get("MEMKIT_SITES") === "1",
      mode: this.options.mode(),
      chdir: this.#chdir ?? undefined,
    };
    const code = `await (await import(${JSON.stringify(agentUrl)})).startAgent(${
      JSON.stringify(options)
    });`;
    const connected = this.agent.nextConnection();
    const reply = await this.request(engine, "shell", "execute_request", {
      code,
      silent: true,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: false,
    }, 60_000);
    const content = reply ? JSON.parse(reply.content.toString()) : null;
    if (content?.status !== "ok") {
      log(
        `the agent did not load (${
          content?.evalue ?? "no reply"
        }); reports carry /proc numbers only`,
      );
      return;
    }
    await Promise.race([connected, new Promise((r) => setTimeout(r, 5000))]);
  }

  async #died(engine: Engine, code: number): Promise<void> {
    if (this.stopping) return;
    if (this.engine === engine) this.engine = null;
    this.agent.drop();
    await engine.stop();
    // An engine that dies right after each start (a broken deno.json in the
    // notebook's folder, say) would otherwise be restarted forever.
    const now = performance.now();
    this.#deaths = this.#deaths.filter((t) => now - t < DEATH_WINDOW_MS);
    this.#deaths.push(now);
    const restarting = this.#deaths.length <= MAX_RESTARTS;
    log(
      restarting
        ? `Deno's kernel exited with code ${code}; restarting it`
        : `Deno's kernel exited ${this.#deaths.length} times within ${
          DEATH_WINDOW_MS / 1000
        } s; not restarting it (restart the kernel to retry)`,
    );
    if (!restarting) {
      this.stopped = `Deno's kernel (the engine) exited ${this.#deaths.length} times within ${
        DEATH_WINDOW_MS / 1000
      } s and was not restarted; restart the kernel to run cells again`;
      this.#ready = Promise.resolve(null);
    } else this.start();
    this.on.died(engine, code, restarting);
  }

  /** Stops the engine for good (kernel shutdown). */
  async stop(): Promise<void> {
    this.stopping = true;
    const engine = this.engine;
    if (engine) {
      await Promise.race([engine.exited, new Promise((r) => setTimeout(r, 2000))]);
      await engine.stop();
    }
  }

  #verified(engine: Engine, raw: Buffer[], channel: string): Frames | null {
    const m = split(raw);
    if (!m || !engine.signer.verify(m)) {
      log(`dropped a message from the engine on ${channel} with a bad signature or framing`);
      this.on.dropped(channel);
      return null;
    }
    return m;
  }

  #fromEngine(engine: Engine, raw: Buffer[], channel: "shell" | "control"): void {
    const m = this.#verified(engine, raw, channel);
    if (!m) return;
    const parentId = header(m.parent).msg_id;
    const waiter = this.#internal.get(parentId);
    if (waiter) {
      this.#internal.delete(parentId);
      waiter(m);
      return;
    }
    this.on.reply(m, channel);
  }

  #fromEngineIopub(engine: Engine, raw: Buffer[]): void {
    const m = this.#verified(engine, raw, "iopub");
    if (!m) return;
    const parentId = header(m.parent).msg_id;
    if (this.#internalIopub.has(parentId)) {
      const type = header(m.header).msg_type;
      if (type === "error" || type === "stream") log(`engine said: ${m.content.toString()}`);
      if (type === "status" && m.content.includes("idle")) this.#internalIopub.delete(parentId);
      return;
    }
    this.on.iopub(engine, m);
  }

  /** Sends the kernel's own request to the engine and waits for the reply (null on timeout). */
  request(
    engine: Engine,
    channel: "shell" | "control",
    type: string,
    content: unknown,
    timeoutMs: number,
  ): Promise<Frames | null> {
    const m = build(type, content, { session: this.session });
    const id = header(m.header).msg_id;
    this.#internalIopub.add(id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#internal.delete(id);
        resolve(null);
      }, timeoutMs);
      this.#internal.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      engine.exited.then(() => {
        clearTimeout(timer);
        this.#internal.delete(id);
        resolve(null);
      });
      this.forward(engine, channel, m);
    });
  }

  /** Forwards a message to the engine, re-signed with its key. */
  forward(engine: Engine, channel: "shell" | "control" | "stdin", m: Frames): void {
    const out = channel === "shell"
      ? engine.shellOut
      : channel === "control"
      ? engine.controlOut
      : engine.stdinOut;
    out.send(engine.signer.join(m, []));
    this.poller.wake();
  }
}
