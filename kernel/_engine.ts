/**
 * Deno's own kernel (`deno jupyter --kernel`) run as the memkit kernel's
 * engine: its own connection file, key and loopback ports, and the client
 * sockets the kernel talks to it through.
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import * as zmq from "zeromq";
import { Signer } from "./_wire.ts";

/** A zeromq socket that queues sends: zeromq.js allows one send in flight per socket. */
export class Out {
  #queue: Buffer[][] = [];
  #busy = false;
  constructor(
    readonly socket: zmq.Writable & zmq.Socket,
    readonly name: string,
    readonly afterSend: () => void = () => {},
  ) {}

  send(frames: Buffer[]): void {
    this.#queue.push(frames);
    if (!this.#busy) this.#drain();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#queue.length) {
      const frames = this.#queue.shift()!;
      try {
        await this.socket.send(frames);
      } catch (e) {
        if (this.socket.closed) break;
        console.error(`memkit kernel: cannot send on ${this.name}: ${(e as Error).message}`);
      }
    }
    this.#busy = false;
    this.afterSend();
  }
}

/** Deno's warning on every start of `deno jupyter`: noise to a notebook user. */
const UNSTABLE = /"deno jupyter" is unstable/;

/** Copies the engine's stderr to the kernel's, without Deno's unstable warning. */
async function filterStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  const write = (text: string) => {
    const bytes = encoder.encode(text);
    for (let off = 0; off < bytes.length;) off += Deno.stderr.writeSync(bytes.subarray(off));
  };
  try {
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const cut = pending.lastIndexOf("\n") + 1;
      if (!cut) continue;
      // deno colours the warning: match it without ANSI codes.
      const lines = pending.slice(0, cut).split(/(?<=\n)/);
      pending = pending.slice(cut);
      write(lines.filter((l) => !UNSTABLE.test(l.replace(ANSI, ""))).join(""));
    }
  } catch {
    // the engine is gone
  }
  if (pending && !UNSTABLE.test(pending.replace(ANSI, ""))) write(pending);
}
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

function freePorts(n: number): number[] {
  const listeners = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

/** One run of Deno's kernel. */
export class Engine {
  readonly signer: Signer;
  readonly shell: zmq.Dealer;
  readonly control: zmq.Dealer;
  readonly stdin: zmq.Dealer;
  readonly iopub: zmq.Subscriber;
  readonly shellOut: Out;
  readonly controlOut: Out;
  readonly stdinOut: Out;
  readonly process: Deno.ChildProcess;
  readonly dir: string;
  /** Resolves with the exit code when the engine process ends. */
  readonly exited: Promise<number>;

  private constructor(
    process: Deno.ChildProcess,
    dir: string,
    key: string,
    sockets: { shell: zmq.Dealer; control: zmq.Dealer; stdin: zmq.Dealer; iopub: zmq.Subscriber },
    afterSend: () => void,
  ) {
    this.process = process;
    this.dir = dir;
    this.signer = new Signer(key);
    this.shell = sockets.shell;
    this.control = sockets.control;
    this.stdin = sockets.stdin;
    this.iopub = sockets.iopub;
    this.shellOut = new Out(this.shell, "engine shell", afterSend);
    this.controlOut = new Out(this.control, "engine control", afterSend);
    this.stdinOut = new Out(this.stdin, "engine stdin", afterSend);
    this.exited = process.status.then((s) => s.code);
  }

  get pid(): number {
    return this.process.pid;
  }

  /**
   * Starts Deno's kernel in `cwd` (the notebook's folder, or memkit's own when
   * that folder has no Deno config) and connects to it.
   */
  static async start(cwd: string, afterSend: () => void): Promise<Engine> {
    const dir = await Deno.makeTempDir({ prefix: "memkit-engine-" });
    const [shell, iopub, stdin, control, hb] = freePorts(5);
    const key = randomBytes(32).toString("hex");
    const conn = {
      ip: "127.0.0.1",
      transport: "tcp",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key,
      signature_scheme: "hmac-sha256",
      kernel_name: "deno",
    };
    const file = `${dir}/engine.json`;
    // The file holds the engine's key: readable by this user only.
    await Deno.writeTextFile(file, JSON.stringify(conn), { mode: 0o600 });
    await Deno.chmod(file, 0o600).catch(() => {});
    const child = new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--kernel", "--conn", file],
      cwd,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).spawn();
    filterStderr(child.stderr);
    // Deno's kernel sends input_request to the identity of the shell socket
    // that sent the execute request, so stdin must share that identity.
    const routingId = `memkit-${randomBytes(6).toString("hex")}`;
    const url = (port: number) => `tcp://127.0.0.1:${port}`;
    const sockets = {
      shell: new zmq.Dealer({ routingId, linger: 0 }),
      control: new zmq.Dealer({ linger: 0 }),
      stdin: new zmq.Dealer({ routingId, linger: 0 }),
      iopub: new zmq.Subscriber({ linger: 0 }),
    };
    sockets.iopub.subscribe();
    sockets.shell.connect(url(shell));
    sockets.control.connect(url(control));
    sockets.stdin.connect(url(stdin));
    sockets.iopub.connect(url(iopub));
    return new Engine(child, dir, key, sockets, afterSend);
  }

  /** Closes the sockets, ends the process if it still runs, removes the connection file. */
  async stop(): Promise<void> {
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) {
      if (!s.closed) s.close();
    }
    try {
      this.process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.exited;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

export { Buffer };
