/**
 * The side channel between the memkit kernel and its agent inside the
 * engine: a loopback TCP socket carrying one JSON line per message. The
 * agent proves itself with a token; the kernel asks it for samples and flush
 * markers, and the agent asks the kernel to switch the report or for the
 * session timeline.
 * @module
 */
import { randomBytes } from "node:crypto";
import { log } from "./_frontend.ts";
import type { AgentSample } from "./agent.ts";

/** What the agent may ask the kernel: the handler answers with any JSON value. */
export type AgentRequestHandler = (msg: Record<string, unknown>) => unknown;

const encoder = new TextEncoder();

/** Writes one JSON line to a connection. */
export async function writeLine(conn: Deno.TcpConn, msg: unknown): Promise<void> {
  const bytes = encoder.encode(JSON.stringify(msg) + "\n");
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** The kernel's end of the agent channel. */
export class AgentChannel {
  readonly token = randomBytes(16).toString("hex");
  #server: Deno.TcpListener | null = null;
  #conn: Deno.TcpConn | null = null;
  #waiting = new Map<number, (s: AgentSample | null) => void>();
  #flushWaiting = new Map<number, () => void>();
  #next = 1;
  #lastActivity = 0;
  #connected: (() => void) | null = null;

  constructor(readonly onRequest: AgentRequestHandler) {}

  /** Listens on a loopback port; returns it. */
  listen(): number {
    this.#server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accept(this.#server);
    return (this.#server.addr as Deno.NetAddr).port;
  }

  /** True while an agent is connected. */
  get connected(): boolean {
    return this.#conn !== null;
  }

  /** Forgets the current agent (its engine is gone). */
  drop(): void {
    this.#conn = null;
  }

  /** Resolves when the next agent connects (or never). */
  nextConnection(): Promise<void> {
    return new Promise<void>((resolve) => (this.#connected = resolve));
  }

  /** A fresh id for a request or a flush marker. */
  nextId(): number {
    return this.#next++;
  }

  async #accept(server: Deno.TcpListener): Promise<void> {
    for await (const conn of server) this.#serve(conn);
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
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
            if (msg.token !== this.token) {
              log("rejected an agent connection with a wrong token");
              conn.close();
              return;
            }
            authed = true;
            this.#conn = conn;
            this.#connected?.();
            continue;
          }
          if (typeof msg.id === "number") {
            this.#waiting.get(msg.id)?.(msg.data as AgentSample);
            this.#waiting.delete(msg.id);
            continue;
          }
          await writeLine(conn, { rid: msg.rid, data: this.onRequest(msg) });
        }
      }
    } catch (e) {
      if (this.#conn === conn) log(`agent channel failed: ${(e as Error).message}`);
    }
    if (this.#conn === conn) this.#conn = null;
    for (const [id, w] of this.#waiting) {
      w(null);
      this.#waiting.delete(id);
    }
  }

  /**
   * Asks the agent for its end-of-cell sample (or a flush); null when absent
   * or over 2 s. With a flush marker the agent answers once the marker is
   * sent, behind all of the cell's output: that may take longer.
   */
  ask(op: "sample" | "flush", flush?: number): Promise<AgentSample | null> {
    const timeoutMs = flush === undefined ? 2000 : 120_000;
    const conn = this.#conn;
    if (!conn) return Promise.resolve(null);
    const id = this.#next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        log(`the agent did not answer within ${timeoutMs / 1000} s`);
        resolve(null);
      }, timeoutMs);
      this.#waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      writeLine(conn, { id, op, flush }).catch(() => resolve(null));
    });
  }

  /**
   * Resolves when flush marker `n` comes back on iopub ({@linkcode flushSeen}),
   * after `silenceMs` without output from the engine ({@linkcode activity}),
   * or after `maxMs` in all: a cell that printed a lot has its output still
   * on the way, and the marker comes after it.
   */
  flushed(n: number, silenceMs = 1000, maxMs = 120_000): Promise<void> {
    const t0 = performance.now();
    this.#lastActivity = t0;
    return new Promise((resolve) => {
      const done = () => {
        clearInterval(timer);
        this.#flushWaiting.delete(n);
        resolve();
      };
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - this.#lastActivity > silenceMs || now - t0 > maxMs) done();
      }, Math.min(100, silenceMs));
      this.#flushWaiting.set(n, done);
    });
  }

  /** Notes that the engine sent output (a flush in wait keeps waiting). */
  activity(): void {
    this.#lastActivity = performance.now();
  }

  /** Called when marker `n` arrives on the engine's iopub. */
  flushSeen(n: number): void {
    this.#flushWaiting.get(n)?.();
    this.#flushWaiting.delete(n);
  }
}
