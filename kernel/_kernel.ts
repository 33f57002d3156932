/**
 * The memkit kernel: a Jupyter kernel toward the frontend that forwards every
 * message to Deno's kernel (the engine) and back, re-signed with each side's
 * key, and adds a memory report to each executed cell before it goes idle.
 *
 * This file is the router. Its parts: the frontend's sockets
 * (`_frontend.ts`), the engine's supervisor (`_supervisor.ts`), the agent
 * channel (`_agent_channel.ts`), the per-cell reporter and timeline
 * (`_reporter.ts`) and the output limits (`_outputs.ts`).
 * @module
 */
import type { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { AgentChannel } from "./_agent_channel.ts";
import type { Engine } from "./_engine.ts";
import {
  type ConnectionInfo,
  errorContent,
  FORWARDED,
  Frontend,
  jsonObject,
  log,
  type Request,
  type RequestChannel,
} from "./_frontend.ts";
import { limitOutput } from "./_outputs.ts";
import { Poller } from "./_poll.ts";
import { type Exec, Reporter } from "./_reporter.ts";
import { Supervisor } from "./_supervisor.ts";
import { build, type Frames, header } from "./_wire.ts";
import type { ReportMode } from "./agent.ts";

export type { ConnectionInfo } from "./_frontend.ts";

// Duplicated from agent.ts (a value import would load the agent into the kernel).
const FLUSH_MIME = "application/x-memkit-flush";

/** How long a cell may stay without idle after the engine's reply, and without output. */
const IDLE_GRACE_MS = 5000;

/** Options of the {@linkcode Kernel}. */
export interface KernelOptions {
  /** The notebook's folder: the engine runs there. */
  cwd: string;
  /** The report mode at start. */
  mode: ReportMode;
}

/** Routes messages between the frontend, the engine, the agent and the reporter. */
export class Kernel {
  readonly session = randomUUID();
  readonly front: Frontend;
  #poller = new Poller();
  #agent: AgentChannel;
  #sup: Supervisor;
  #rep: Reporter;
  #routes = new Map<string, { ids: Buffer[]; channel: RequestChannel }>();
  #queue: Exec[] = [];
  #current: Exec | null = null;
  #lastIopub = 0;
  /** Shown in the next cell: the engine restarted between cells. */
  #notice: string | null = null;

  constructor(conn: ConnectionInfo, options: KernelOptions) {
    this.front = new Frontend(conn, this.session, this.#poller);
    this.#agent = new AgentChannel((msg) => this.#agentRequest(msg));
    this.#rep = new Reporter(this.front, this.#agent, options.mode);
    const agentPort = this.#agent.listen();
    this.#sup = new Supervisor(options.cwd, this.session, this.#poller, this.#agent, {
      agentPort,
      mode: () => this.#rep.mode,
    }, {
      reply: (m, channel) => this.#fromEngine(m, channel),
      stdin: (m) => this.#fromEngineStdin(m),
      iopub: (engine, m) => this.#fromEngineIopub(engine, m),
      died: (engine, code, restarting) => this.#engineDied(engine, code, restarting),
      dropped: (channel) => this.#dropped(channel),
      started: async (engine) => {
        await this.#rep.baseline(engine);
        this.#pump();
      },
    });
  }

  /** The report mode now. */
  get mode(): ReportMode {
    return this.#rep.mode;
  }

  /** Binds the frontend's sockets, starts the engine and serves until shutdown. */
  async run(): Promise<void> {
    await this.front.bind();
    this.#sup.start();
    this.#rep.startSampling(() => this.#sup.engine);
    try {
      // Deno's kernel dies on SIGINT; it interrupts on a control message.
      Deno.addSignalListener("SIGINT", () => this.#interrupt());
      Deno.addSignalListener("SIGTERM", () => this.#shutdown());
    } catch {
      // no signals on this platform
    }
    this.#poller.add(this.front.shell, (raw) => this.#fromFront(raw, "shell"));
    this.#poller.add(this.front.control, (raw) => this.#fromFront(raw, "control"));
    this.#poller.add(this.front.stdin, (raw) => {
      const r = this.front.verify(raw, "stdin");
      const engine = this.#sup.engine;
      if (r && engine) this.#sup.forward(engine, "stdin", r.frames);
    });
    await new Promise(() => {});
  }

  #agentRequest(msg: Record<string, unknown>): unknown {
    if (msg.op === "mode") {
      this.#rep.mode = msg.mode as ReportMode;
      return this.#rep.mode;
    }
    if (msg.op === "timeline") return this.#rep.timeline;
    return null;
  }

  // ── frontend → engine ─────────────────────────────────────────────

  async #fromFront(raw: Buffer[], channel: RequestChannel): Promise<void> {
    const r = this.front.verify(raw, channel);
    if (!r) return;
    const { frames: m, header: h } = r;
    const type = h.msg_type;
    if (channel === "shell" && type === "execute_request") return this.#execute(r);
    if (channel === "control" && type === "interrupt_request") {
      this.#routes.set(h.msg_id, { ids: m.ids, channel });
      return this.#interrupt(m);
    }
    if (channel === "control" && type === "shutdown_request") {
      this.#routes.set(h.msg_id, { ids: m.ids, channel });
      // Not awaited: the engine's reply must be able to come in meanwhile.
      this.#forwardShutdown(m, h.msg_id);
      return;
    }
    if (!FORWARDED[channel].has(type)) {
      if (!type.endsWith("_request")) {
        log(`ignored ${type} on ${channel}: not a request the kernel handles`);
        return;
      }
      const reply = type.replace(/_request$/, "_reply");
      this.front.reply(m.ids, channel, reply, {
        ...errorContent("UnsupportedRequest", `the memkit kernel does not handle ${type}`),
      }, m.header);
      return;
    }
    const engine = await this.#sup.ready();
    if (!engine) {
      if (type.endsWith("_request")) {
        this.front.reply(
          m.ids,
          channel,
          type.replace(/_request$/, "_reply"),
          errorContent("EngineStopped", this.#sup.stopped ?? "Deno's kernel is not running"),
          m.header,
        );
      }
      return;
    }
    this.#routes.set(h.msg_id, { ids: m.ids, channel });
    this.#sup.forward(engine, channel, m);
  }

  #execute(r: Request): void {
    const content = jsonObject(r.frames.content) ?? {};
    if (this.#sup.stopped) {
      this.front.failExecute(
        r.frames.ids,
        r.frames.header,
        0,
        "EngineStopped",
        this.#sup.stopped,
        true,
      );
      return;
    }
    this.#routes.set(r.header.msg_id, { ids: r.frames.ids, channel: "shell" });
    this.#queue.push({
      msgId: r.header.msg_id,
      frames: r.frames,
      silent: content.silent === true,
      forwardedAt: 0,
      busyAt: 0,
      count: null,
      result: false,
      idle: false,
    });
    this.#pump();
  }

  /** Sends the next queued execute request once the engine has finished the previous cell. */
  #pump(): void {
    const engine = this.#sup.engine;
    if (this.#current || !this.#queue.length || !engine) return;
    const ex = this.#queue.shift()!;
    this.#current = ex;
    ex.forwardedAt = performance.now();
    ex.busyAt = 0;
    this.#sup.forward(engine, "shell", ex.frames);
  }

  /**
   * Interrupts the running cell. SIGINT first: the agent keeps it from
   * killing Deno's kernel, and memkit's datasets (or any SIGINT listener in
   * the notebook) end an awaiting cell cleanly, running its `finally` blocks.
   * Only a cell still running 500 ms later gets Deno's interrupt_request,
   * which terminates execution: it stops a synchronous loop, but runs no
   * `finally` and leaves an awaiting cell pending for good.
   */
  async #interrupt(request: Frames | null = null): Promise<void> {
    const engine = this.#sup.engine;
    const route = request ? this.#routes.get(header(request.header).msg_id) : undefined;
    const answer = () => {
      if (!request || !route) return;
      this.#routes.delete(header(request.header).msg_id);
      this.front.reply(route.ids, "control", "interrupt_reply", { status: "ok" }, request.header);
    };
    if (!engine) return answer();
    const cur = this.#current;
    if (cur && this.#agent.connected) {
      try {
        Deno.kill(engine.pid, "SIGINT");
      } catch {
        // no signals on this platform: interrupt_request only
      }
      const t0 = Date.now();
      while (this.#current === cur && Date.now() - t0 < 500) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    // The cell ended on SIGINT: answer the frontend here.
    if (cur && this.#current !== cur) return answer();
    const m = request ?? build("interrupt_request", {}, { session: this.session });
    this.#sup.forward(engine, "control", m);
  }

  async #forwardShutdown(m: Frames, msgId: string): Promise<void> {
    const engine = this.#sup.engine;
    const content = jsonObject(m.content) ?? {};
    if (engine) {
      this.#sup.stopping = true;
      this.#sup.forward(engine, "control", m);
      // The engine's reply goes back through #fromEngine; wait for it briefly.
      const t0 = Date.now();
      while (this.#routes.has(msgId) && Date.now() - t0 < 2000) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const route = this.#routes.get(msgId);
    if (route) {
      this.#routes.delete(msgId);
      this.front.reply(route.ids, "control", "shutdown_reply", {
        status: "ok",
        restart: content.restart === true,
      }, m.header);
    }
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    this.#sup.stopping = true;
    this.#rep.stopSampling();
    // Give zeromq a moment to flush the shutdown_reply before the sockets close.
    await new Promise((r) => setTimeout(r, 50));
    await this.#sup.stop();
    Deno.exit(0);
  }

  // ── engine → frontend ─────────────────────────────────────────────

  #fromEngine(m: Frames, channel: "shell" | "control"): void {
    const parentId = header(m.parent).msg_id;
    const cur = this.#current;
    if (cur && parentId === cur.msgId) this.#watchIdle(cur);
    const route = this.#routes.get(parentId);
    if (!route) {
      log(`dropped an engine reply on ${channel} to unknown request ${parentId}`);
      return;
    }
    this.#routes.delete(parentId);
    this.front.send(route.channel, m, route.ids);
  }

  /**
   * A safety net: the engine replied to the running cell, but its idle never
   * came (lost under load). After 5 s without output the cell is finished as
   * if it had come, so the kernel never stays silent.
   */
  #watchIdle(cur: Exec): void {
    const check = () => {
      if (this.#current !== cur || cur.idle) return;
      if (performance.now() - this.#lastIopub < IDLE_GRACE_MS) {
        setTimeout(check, IDLE_GRACE_MS);
        return;
      }
      const engine = this.#sup.engine;
      if (!engine) return;
      log(`no idle from the engine ${IDLE_GRACE_MS / 1000} s after its reply; finishing the cell`);
      const idle = build("status", { execution_state: "idle" }, {
        parent: cur.frames.header,
        session: this.session,
      });
      this.#cellIdle(engine, cur, idle);
    };
    setTimeout(check, IDLE_GRACE_MS);
  }

  /** Tells the running cell that messages from the engine were lost. */
  #dropped(channel: string): void {
    const cur = this.#current;
    if (!cur || channel !== "iopub") return;
    this.front.publish("stream", {
      name: "stderr",
      text: "memkit: a message from Deno's kernel was lost (bad signature or framing); " +
        "this cell's output may be incomplete\n",
    }, cur.frames.header);
  }

  #fromEngineStdin(m: Frames): void {
    const parentId = header(m.parent).msg_id;
    const ids = this.#current?.msgId === parentId
      ? this.#current.frames.ids
      : this.#routes.get(parentId)?.ids;
    if (!ids) {
      log(`dropped an input request for unknown request ${parentId}`);
      return;
    }
    this.front.send("stdin", m, ids);
  }

  #fromEngineIopub(engine: Engine, m: Frames): void {
    const parentId = header(m.parent).msg_id;
    if (m.content.includes(FLUSH_MIME)) {
      const data = (jsonObject(m.content)?.data ?? {}) as Record<string, unknown>;
      const n = data[FLUSH_MIME];
      if (typeof n === "number") return this.#agent.flushSeen(n);
    }
    this.#lastIopub = performance.now();
    const type = header(m.header).msg_type;
    const cur = this.#current;
    if (cur && parentId === cur.msgId) {
      if (type === "status" && !cur.idle) {
        const state = jsonObject(m.content)?.execution_state;
        if (state === "busy") {
          cur.busyAt = performance.now();
          this.front.forwardIopub(m);
          if (this.#notice) {
            this.front.publish("stream", { name: "stderr", text: this.#notice }, cur.frames.header);
            this.#notice = null;
          }
          return;
        }
        if (state === "idle") return this.#cellIdle(engine, cur, m);
      } else if (type === "execute_input") {
        const count = jsonObject(m.content)?.execution_count;
        cur.count = typeof count === "number" ? count : null;
      } else if (type === "execute_result" || type === "error") {
        cur.result = true;
      }
    }
    this.#agent.activity();
    this.front.forwardIopub(limitOutput(type, m), type);
  }

  /**
   * The engine finished the cell: report, then idle. Not awaited: messages of
   * this cell that come after idle are forwarded meanwhile, ahead of the
   * report and of idle.
   */
  #cellIdle(engine: Engine, cur: Exec, idle: Frames): void {
    cur.idle = true;
    this.#rep.finish(engine, cur, idle).catch((e) => {
      log(`the report failed: ${(e as Error).stack}`);
      this.front.forwardIopub(idle);
    }).finally(() => {
      if (this.#current === cur) this.#current = null;
      this.#pump();
    });
  }

  #engineDied(_engine: Engine, code: number, restarting: boolean): void {
    this.#rep.event(restarting ? `engine exited (${code}), restarted` : "engine stopped");
    this.#rep.reset();
    const lost = restarting
      ? "it was restarted and its variables are lost"
      : `it was not restarted: ${this.#sup.stopped}`;
    const cur = this.#current;
    this.#current = null;
    if (cur && !cur.busyAt && restarting) {
      // Sent just as the engine died, never started: run it in the new engine.
      this.#queue.unshift(cur);
      cur.forwardedAt = 0;
    } else if (cur) {
      this.#routes.delete(cur.msgId);
      this.front.failExecute(
        cur.frames.ids,
        cur.frames.header,
        cur.count ?? 0,
        "EngineDied",
        `Deno's kernel exited with code ${code} while running this cell; ${lost}`,
        !cur.busyAt,
      );
    }
    if (!restarting) {
      for (const ex of this.#queue.splice(0)) {
        this.#routes.delete(ex.msgId);
        this.front.failExecute(ex.frames.ids, ex.frames.header, 0, "EngineStopped", lost, true);
      }
      return;
    }
    if (!cur || !cur.busyAt) {
      this.#notice = `memkit: engine restarted: variables lost ` +
        `(Deno's kernel exited with code ${code} between cells)\n`;
    }
    this.front.publish("status", { execution_state: "starting" });
  }
}
