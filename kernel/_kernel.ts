/**
 * The memkit kernel: a Jupyter kernel toward the frontend that forwards every
 * message to Deno's kernel (the engine) and back, re-signed with each side's
 * key, and adds a memory report to each executed cell before it goes idle.
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes, randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { Engine, Out } from "./_engine.ts";
import { Poller } from "./_poll.ts";
import { readRss, resetPeak } from "./_proc.ts";
import { type CellReport, formatReport, makeReport, notable } from "./_report.ts";
import { type SessionCell, SessionTimeline } from "../lib/memory/_kernel_protocol.ts";
import { build, type Frames, header, Signer, split } from "./_wire.ts";
import type { AgentSample, ReportMode } from "./agent.ts";

// Duplicated from agent.ts (a value import would load the agent into the kernel).
const FLUSH_MIME = "application/x-memkit-flush";

/** A Jupyter connection file, as the frontend writes it. */
export interface ConnectionInfo {
  ip: string;
  transport: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

interface Exec {
  msgId: string;
  frames: Frames;
  silent: boolean;
  forwardedAt: number;
  busyAt: number;
  count: number | null;
  /** An execute_result or error was seen (Deno sometimes sends it after idle). */
  result: boolean;
  /** The engine said idle; the report is being made. */
  idle: boolean;
}

function log(msg: string): void {
  console.error(`memkit kernel: ${msg}`);
}

/** Parses the report mode from MEMKIT_REPORT; anything else is an error naming the value. */
export function parseMode(value: string | undefined): ReportMode {
  const v = (value ?? "on").trim().toLowerCase();
  if (v === "on" || v === "off" || v === "quiet") return v;
  throw new TypeError(
    `Cannot start the memkit kernel: MEMKIT_REPORT must be on, off or quiet, got "${value}"`,
  );
}

export class Kernel {
  readonly session = randomUUID();
  readonly signer: Signer;
  mode: ReportMode;
  rejected = 0;
  #conn: ConnectionInfo;
  #cwd: string;
  #shell = new zmq.Router({ linger: 0 });
  #control = new zmq.Router({ linger: 0 });
  #stdin = new zmq.Router({ linger: 0 });
  #iopub = new zmq.Publisher({ linger: 0 });
  #hb = new zmq.Reply({ linger: 0 });
  #poller = new Poller();
  #woke = () => this.#poller.wake();
  #shellOut = new Out(this.#shell, "shell", this.#woke);
  #controlOut = new Out(this.#control, "control", this.#woke);
  #stdinOut = new Out(this.#stdin, "stdin", this.#woke);
  #iopubOut = new Out(this.#iopub, "iopub");
  #engine: Engine | null = null;
  #ready: Promise<Engine>;
  #routes = new Map<string, { ids: Buffer[]; channel: "shell" | "control" }>();
  #internal = new Map<string, (m: Frames) => void>();
  #queue: Exec[] = [];
  #current: Exec | null = null;
  #stopping = false;
  #deaths: number[] = [];
  #t0 = performance.now();
  // Agent side channel.
  #agentServer: Deno.TcpListener | null = null;
  #agentToken = randomBytes(16).toString("hex");
  #agent: Deno.TcpConn | null = null;
  #agentWaiting = new Map<number, (s: AgentSample | null) => void>();
  #agentNext = 1;
  #agentConnected: (() => void) | null = null;
  #lastSample: AgentSample | null = null;
  #rssStart = 0;
  #peakPerCell = true;
  // Timeline.
  #tl = new SessionTimeline(100);
  #sampler: ReturnType<typeof setInterval> | undefined;

  constructor(conn: ConnectionInfo, options: { cwd: string; mode: ReportMode }) {
    if (conn.signature_scheme && conn.signature_scheme !== "hmac-sha256") {
      throw new TypeError(
        `Cannot start the memkit kernel: signature_scheme must be hmac-sha256, got "${conn.signature_scheme}"`,
      );
    }
    this.#conn = conn;
    this.#cwd = options.cwd;
    this.mode = options.mode;
    this.signer = new Signer(conn.key);
    this.#ready = Promise.reject(new Error("not started"));
    this.#ready.catch(() => {});
  }

  /** Binds the frontend's sockets, starts the engine and serves until shutdown. */
  async run(): Promise<void> {
    const c = this.#conn;
    const url = (port: number) => `${c.transport}://${c.ip}:${port}`;
    await Promise.all([
      this.#shell.bind(url(c.shell_port)),
      this.#control.bind(url(c.control_port)),
      this.#stdin.bind(url(c.stdin_port)),
      this.#iopub.bind(url(c.iopub_port)),
      this.#hb.bind(url(c.hb_port)),
    ]);
    this.#agentServer = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#acceptAgents(this.#agentServer);
    this.#ready = this.#startEngine();
    this.#ready.catch((e) => log(`engine failed to start: ${e.message}`));
    this.#sampler = setInterval(() => this.#sample(), 100);
    try {
      // Deno's kernel dies on SIGINT; it interrupts on a control message.
      Deno.addSignalListener("SIGINT", () => this.#interruptEngine());
      Deno.addSignalListener("SIGTERM", () => this.#shutdown());
    } catch {
      // no signals on this platform
    }
    this.#poller.add(this.#hb, async (msg) => {
      await this.#hb.send(msg);
      this.#poller.wake();
    });
    this.#poller.add(this.#shell, (raw) => this.#fromFront(raw, "shell"));
    this.#poller.add(this.#control, (raw) => this.#fromFront(raw, "control"));
    this.#poller.add(this.#stdin, (raw) => this.#fromFrontStdin(raw));
    await new Promise(() => {});
  }

  // ── engine lifecycle ──────────────────────────────────────────────

  async #startEngine(): Promise<Engine> {
    const engine = await Engine.start(this.#cwd, this.#woke);
    this.#engine = engine;
    this.#poller.add(engine.shell, (raw) => this.#fromEngine(engine, raw, "shell"));
    this.#poller.add(engine.control, (raw) => this.#fromEngine(engine, raw, "control"));
    this.#poller.add(engine.stdin, (raw) => this.#fromEngineStdin(engine, raw));
    this.#poller.add(engine.iopub, (raw) => this.#fromEngineIopub(engine, raw));
    engine.exited.then((code) => this.#engineDied(engine, code));
    const info = await this.#request(engine, "shell", "kernel_info_request", {}, 60_000);
    if (!info) throw new Error("Deno's kernel did not answer kernel_info within 60 s");
    await this.#inject(engine);
    this.#lastSample = this.mode === "off" ? null : await this.#askAgent("sample");
    this.#rssStart = readRss(engine.pid)?.rss ?? 0;
    this.#peakPerCell = resetPeak(engine.pid);
    this.#pump();
    return engine;
  }

  /** Loads the agent into the engine with a silent execute request and waits for it to connect. */
  async #inject(engine: Engine): Promise<void> {
    const port = (this.#agentServer!.addr as Deno.NetAddr).port;
    const agentUrl = new URL("./agent.ts", import.meta.url).href;
    const options = {
      port,
      token: this.#agentToken,
      sites: Deno.env.get("MEMKIT_SITES") === "1",
      mode: this.mode,
    };
    const code = `await (await import(${JSON.stringify(agentUrl)})).startAgent(${
      JSON.stringify(options)
    });`;
    const connected = new Promise<void>((resolve) => (this.#agentConnected = resolve));
    const reply = await this.#request(engine, "shell", "execute_request", {
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

  async #engineDied(engine: Engine, code: number): Promise<void> {
    if (this.#stopping || this.#engine !== engine) return;
    this.#engine = null;
    this.#agent = null;
    this.#event(`engine exited (${code}), restarted`);
    log(`Deno's kernel exited with code ${code}; restarting it`);
    const cur = this.#current;
    this.#current = null;
    if (cur) {
      const ename = "EngineDied";
      const evalue = `Deno's kernel exited with code ${code} while running this cell; ` +
        `it was restarted and its state is lost`;
      this.#publish(
        "error",
        { ename, evalue, traceback: [`${ename}: ${evalue}`] },
        cur.frames.header,
      );
      const route = this.#routes.get(cur.msgId);
      this.#routes.delete(cur.msgId);
      if (route) {
        const reply = build("execute_reply", {
          status: "error",
          execution_count: cur.count ?? 0,
          ename,
          evalue,
          traceback: [],
        }, { parent: cur.frames.header, session: this.session });
        this.#shellOut.send(this.signer.join(reply, route.ids));
      }
      this.#publish("status", { execution_state: "idle" }, cur.frames.header);
    }
    await engine.stop();
    // An engine that dies right after each start (a broken deno.json in the
    // notebook's folder, say) would otherwise be restarted forever.
    const now = performance.now();
    this.#deaths = this.#deaths.filter((t) => now - t < 30_000);
    this.#deaths.push(now);
    if (this.#deaths.length > 3) {
      log(
        "Deno's kernel exited 4 times within 30 s; not restarting it (restart the kernel to retry)",
      );
      this.#event("engine kept exiting, not restarted");
      this.#ready = Promise.reject(new Error("Deno's kernel kept exiting"));
      this.#ready.catch(() => {});
      return;
    }
    this.#publish("status", { execution_state: "starting" });
    this.#ready = this.#startEngine();
    this.#ready.catch((e) => log(`engine failed to restart: ${e.message}`));
  }

  /**
   * Interrupts the running cell. SIGINT first: the agent keeps it from
   * killing Deno's kernel, and memkit's datasets (or any SIGINT listener in
   * the notebook) end an awaiting cell cleanly, running its `finally` blocks.
   * Only a cell still running 500 ms later gets Deno's interrupt_request,
   * which terminates execution: it stops a synchronous loop, but runs no
   * `finally` and leaves an awaiting cell pending for good.
   */
  async #interruptEngine(request: Frames | null = null): Promise<void> {
    const engine = this.#engine;
    if (!engine) return;
    const cur = this.#current;
    if (cur && this.#agent) {
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
    if (cur && this.#current !== cur) {
      // The cell ended on SIGINT: answer the frontend here.
      const route = request ? this.#routes.get(header(request.header).msg_id) : undefined;
      if (request && route) {
        this.#routes.delete(header(request.header).msg_id);
        const reply = build("interrupt_reply", { status: "ok" }, {
          parent: request.header,
          session: this.session,
        });
        this.#controlOut.send(this.signer.join(reply, route.ids));
      }
      return;
    }
    const m = request ?? build("interrupt_request", {}, { session: this.session });
    engine.controlOut.send(engine.signer.join(m, []));
    this.#poller.wake();
  }

  async #shutdown(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#sampler);
    const engine = this.#engine;
    // Give zeromq a moment to flush the shutdown_reply before the sockets close.
    await new Promise((r) => setTimeout(r, 50));
    if (engine) {
      await Promise.race([engine.exited, new Promise((r) => setTimeout(r, 2000))]);
      await engine.stop();
    }
    Deno.exit(0);
  }

  // ── frontend → engine ─────────────────────────────────────────────

  #verify(raw: Buffer[], channel: string): Frames | null {
    const m = split(raw);
    if (!m) {
      this.rejected++;
      log(`rejected a malformed message on ${channel} (${raw.length} frames, no <IDS|MSG>)`);
      return null;
    }
    if (!this.signer.verify(m)) {
      this.rejected++;
      let type = "?";
      try {
        type = header(m.header).msg_type;
      } catch {
        // unreadable header: still rejected
      }
      log(`rejected a message with a bad signature on ${channel}: ${type}`);
      return null;
    }
    return m;
  }

  async #fromFront(raw: Buffer[], channel: "shell" | "control"): Promise<void> {
    const m = this.#verify(raw, channel);
    if (!m) return;
    const h = header(m.header);
    this.#routes.set(h.msg_id, { ids: m.ids, channel });
    if (channel === "shell" && h.msg_type === "execute_request") {
      const content = JSON.parse(m.content.toString()) as { silent?: boolean };
      this.#queue.push({
        msgId: h.msg_id,
        frames: m,
        silent: content.silent === true,
        forwardedAt: 0,
        busyAt: 0,
        count: null,
        result: false,
        idle: false,
      });
      this.#pump();
      return;
    }
    if (channel === "control" && h.msg_type === "interrupt_request") {
      this.#interruptEngine(m);
      return;
    }
    if (channel === "control" && h.msg_type === "shutdown_request") {
      // Not awaited: the engine's reply must be able to come in meanwhile.
      this.#forwardShutdown(m, h.msg_id);
      return;
    }
    const engine = this.#engine ?? await this.#ready.catch(() => null);
    if (!engine) {
      log(`dropped ${h.msg_type}: the engine is not running`);
      return;
    }
    (channel === "shell" ? engine.shellOut : engine.controlOut).send(engine.signer.join(m, []));
    this.#poller.wake();
  }

  async #forwardShutdown(m: Frames, msgId: string): Promise<void> {
    const engine = this.#engine;
    const content = JSON.parse(m.content.toString()) as { restart?: boolean };
    if (engine) {
      this.#stopping = true;
      engine.controlOut.send(engine.signer.join(m, []));
      // The engine's reply goes back through #fromEngine; wait for it briefly.
      const t0 = Date.now();
      while (this.#routes.has(msgId) && Date.now() - t0 < 2000) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    if (this.#routes.has(msgId)) {
      const route = this.#routes.get(msgId)!;
      this.#routes.delete(msgId);
      const reply = build("shutdown_reply", { status: "ok", restart: content.restart === true }, {
        parent: m.header,
        session: this.session,
      });
      this.#controlOut.send(this.signer.join(reply, route.ids));
    }
    await this.#shutdown();
  }

  #fromFrontStdin(raw: Buffer[]): void {
    const m = this.#verify(raw, "stdin");
    if (!m) return;
    const engine = this.#engine;
    if (engine) engine.stdinOut.send(engine.signer.join(m, []));
    this.#poller.wake();
  }

  /** Sends the next queued execute request once the engine has finished the previous cell. */
  #pump(): void {
    const engine = this.#engine;
    if (this.#current || !this.#queue.length || !engine) return;
    const ex = this.#queue.shift()!;
    this.#current = ex;
    ex.forwardedAt = performance.now();
    engine.shellOut.send(engine.signer.join(ex.frames, []));
    this.#poller.wake();
  }

  // ── engine → frontend ─────────────────────────────────────────────

  #engineFrames(engine: Engine, raw: Buffer[], channel: string): Frames | null {
    const m = split(raw);
    if (!m || !engine.signer.verify(m)) {
      log(`dropped a message from the engine on ${channel} with a bad signature or framing`);
      return null;
    }
    return m;
  }

  #fromEngine(engine: Engine, raw: Buffer[], channel: "shell" | "control"): void {
    const m = this.#engineFrames(engine, raw, channel);
    if (!m) return;
    const parentId = header(m.parent).msg_id;
    const waiter = this.#internal.get(parentId);
    if (waiter) {
      this.#internal.delete(parentId);
      waiter(m);
      return;
    }
    const route = this.#routes.get(parentId);
    if (!route) {
      log(`dropped an engine reply on ${channel} to unknown request ${parentId}`);
      return;
    }
    this.#routes.delete(parentId);
    (route.channel === "shell" ? this.#shellOut : this.#controlOut).send(
      this.signer.join(m, route.ids),
    );
  }

  #fromEngineStdin(engine: Engine, raw: Buffer[]): void {
    const m = this.#engineFrames(engine, raw, "stdin");
    if (!m) return;
    const parentId = header(m.parent).msg_id;
    const ids = this.#current?.msgId === parentId
      ? this.#current.frames.ids
      : this.#routes.get(parentId)?.ids;
    if (!ids) {
      log(`dropped an input request for unknown request ${parentId}`);
      return;
    }
    this.#stdinOut.send(this.signer.join(m, ids));
  }

  #fromEngineIopub(engine: Engine, raw: Buffer[]): void {
    const m = this.#engineFrames(engine, raw, "iopub");
    if (!m) return;
    const parentId = header(m.parent).msg_id;
    if (this.#internal.has(parentId) || this.#internalIopub.has(parentId)) {
      const type = header(m.header).msg_type;
      if (type === "error" || type === "stream") log(`engine said: ${m.content.toString()}`);
      if (type === "status" && m.content.includes("idle")) this.#internalIopub.delete(parentId);
      return;
    }
    if (m.content.includes(FLUSH_MIME)) {
      const content = JSON.parse(m.content.toString()) as { data?: Record<string, unknown> };
      const n = content.data?.[FLUSH_MIME];
      if (typeof n === "number") {
        this.#flushWaiting.get(n)?.();
        this.#flushWaiting.delete(n);
        return;
      }
    }
    const cur = this.#current;
    if (cur && parentId === cur.msgId) {
      const type = header(m.header).msg_type;
      if (type === "status" && !cur.idle) {
        const state = (JSON.parse(m.content.toString()) as { execution_state: string })
          .execution_state;
        if (state === "busy") cur.busyAt = performance.now();
        if (state === "idle") {
          // Not awaited: messages of this cell that come after idle are
          // forwarded meanwhile, ahead of the report and of idle.
          cur.idle = true;
          this.#finishCell(engine, cur, m).catch((e) => {
            log(`the report failed: ${(e as Error).stack}`);
            this.#iopubOut.send(this.signer.join(m));
            if (this.#current === cur) this.#current = null;
            this.#pump();
          });
          return;
        }
      } else if (type === "execute_input") {
        cur.count = (JSON.parse(m.content.toString()) as { execution_count?: number })
          .execution_count ?? null;
      } else if (type === "execute_result" || type === "error") {
        cur.result = true;
      }
    }
    this.#iopubOut.send(this.signer.join(m));
  }

  #internalIopub = new Set<string>();

  /** Sends the kernel's own request to the engine and waits for the reply (null on timeout). */
  #request(
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
      (channel === "shell" ? engine.shellOut : engine.controlOut).send(engine.signer.join(m));
      this.#poller.wake();
    });
  }

  #publish(type: string, content: unknown, parent?: Buffer, metadata?: unknown): void {
    const m = build(type, content, { parent, session: this.session, metadata });
    this.#iopubOut.send(this.signer.join(m, [Buffer.from(`kernel.${this.session}.${type}`)]));
  }

  // ── the per-cell report ───────────────────────────────────────────

  /**
   * Reports on the cell, then forwards the engine's idle. Deno's kernel
   * publishes a cell's execute_result after its idle now and then whenever its
   * event loop has pending work (reproduced with Deno's kernel alone and a
   * setInterval: 3 of 30 cells), and frontends drop output that comes after
   * idle. So the agent sends a marker through the engine's output queue, and
   * idle goes out once the marker is back: with the report on always (it rides
   * on the sample), with it off when the cell's result has not come yet.
   */
  async #finishCell(engine: Engine, cur: Exec, idle: Frames): Promise<void> {
    const wantFlush = this.#agent !== null && (this.mode !== "off" || !cur.result);
    const flushId = this.#agentNext++;
    const grace = wantFlush ? this.#flushed(flushId) : null;
    if (wantFlush && (this.mode === "off" || cur.silent)) this.#askAgent("flush", flushId);
    const end = performance.now();
    const start = cur.busyAt || cur.forwardedAt;
    const proc = readRss(engine.pid);
    const rssStart = this.#rssStart;
    const rssEnd = proc?.rss ?? 0;
    const mark: SessionCell = {
      label: `[${cur.count ?? "?"}]`,
      start: start - this.#t0,
      end: end - this.#t0,
      rss: rssEnd,
      peak: proc ? Math.max(proc.hwm, rssEnd) : 0,
    };
    if (this.mode !== "off" && !cur.silent) {
      const before = this.#lastSample;
      const after = await this.#askAgent("sample", wantFlush ? flushId : undefined);
      if (after) this.#lastSample = after;
      const report = makeReport(
        cur.count,
        end - start,
        {
          start: rssStart,
          end: rssEnd,
          peak: proc?.hwm ?? 0,
          perCell: this.#peakPerCell,
        },
        before,
        after,
      );
      // Deno's REPL names each cell's code "<anonymous>"; say which cell it was.
      // trackLeaks() names them "cell:line:col"; a bare one is this cell's top-level
      // code, while "f (cell:…)" may be a function from an earlier cell, so it stays.
      for (const s of report.sites) {
        s.site = s.site.replace("<anonymous>", `cell [${cur.count}]`)
          .replace(/^cell:(\d+:\d+)$/, `cell [${cur.count}]:$1`);
      }
      mark.heapUsed = report.heap;
      mark.tensors = report.tensors;
      mark.tensorBytes = report.tensorBytes;
      mark.breakdown = after?.breakdown;
      if (grace) await grace;
      if (this.mode === "on" || notable(report)) this.#showReport(report, cur);
    } else if (this.mode === "off") {
      // The next report's deltas would otherwise span the cells run with the report off.
      this.#lastSample = null;
    }
    this.#tl.cell(mark);
    this.#rssStart = rssEnd;
    if (this.#peakPerCell) this.#peakPerCell = resetPeak(engine.pid);
    if (grace) await grace;
    this.#iopubOut.send(this.signer.join(idle));
    if (this.#current === cur) this.#current = null;
    this.#pump();
  }

  #showReport(report: CellReport, cur: Exec): void {
    const { text, html } = formatReport(report);
    this.#publish(
      "display_data",
      {
        data: { "text/plain": text, "text/html": html },
        metadata: { memkit: report },
        transient: {},
      },
      cur.frames.header,
      { memkit: report },
    );
  }

  // ── agent side channel ────────────────────────────────────────────

  async #acceptAgents(server: Deno.TcpListener): Promise<void> {
    for await (const conn of server) this.#serveAgent(conn);
  }

  async #serveAgent(conn: Deno.TcpConn): Promise<void> {
    conn.setNoDelay(true);
    const decoder = new TextDecoder();
    const chunk = new Uint8Array(65536);
    let buf = "";
    let authed = false;
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        buf += decoder.decode(chunk.subarray(0, n), { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const msg = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
          buf = buf.slice(nl + 1);
          if (!authed) {
            if (msg.token !== this.#agentToken) {
              log("rejected an agent connection with a wrong token");
              conn.close();
              return;
            }
            authed = true;
            this.#agent = conn;
            this.#agentConnected?.();
            continue;
          }
          await this.#onAgentMessage(conn, msg);
        }
      }
    } catch (e) {
      if (this.#agent === conn) log(`agent channel failed: ${(e as Error).message}`);
    }
    if (this.#agent === conn) this.#agent = null;
    for (const [id, w] of this.#agentWaiting) {
      w(null);
      this.#agentWaiting.delete(id);
    }
  }

  async #onAgentMessage(conn: Deno.TcpConn, msg: Record<string, unknown>): Promise<void> {
    if (typeof msg.id === "number") {
      this.#agentWaiting.get(msg.id)?.(msg.data as AgentSample);
      this.#agentWaiting.delete(msg.id);
      return;
    }
    let data: unknown = null;
    if (msg.op === "mode") {
      this.mode = msg.mode as ReportMode;
      data = this.mode;
    } else if (msg.op === "timeline") {
      data = this.#tl.toJSON();
    }
    await writeLine(conn, { rid: msg.rid, data });
  }

  #flushWaiting = new Map<number, () => void>();

  /** Resolves when the agent's flush marker `n` comes back on iopub, or after 1 s. */
  #flushed(n: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#flushWaiting.delete(n);
        resolve();
      }, 1000);
      this.#flushWaiting.set(n, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Asks the agent for its end-of-cell sample; null when it is absent or takes over 2 s. */
  #askAgent(op: "sample" | "flush", flush?: number): Promise<AgentSample | null> {
    const conn = this.#agent;
    if (!conn) return Promise.resolve(null);
    const id = this.#agentNext++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#agentWaiting.delete(id);
        log("the agent did not answer within 2 s");
        resolve(null);
      }, 2000);
      this.#agentWaiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      writeLine(conn, { id, op, flush }).catch(() => resolve(null));
    });
  }

  // ── timeline ──────────────────────────────────────────────────────

  #sample(): void {
    const engine = this.#engine;
    if (!engine) return;
    const r = readRss(engine.pid);
    if (r) this.#tl.sample(performance.now() - this.#t0, r.rss);
  }

  #event(label: string): void {
    this.#tl.event(performance.now() - this.#t0, label);
  }
}

const encoder = new TextEncoder();
async function writeLine(conn: Deno.TcpConn, msg: unknown): Promise<void> {
  const bytes = encoder.encode(JSON.stringify(msg) + "\n");
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}
