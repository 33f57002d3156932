/**
 * Receives from zeromq sockets without zeromq.js's libuv poller.
 *
 * Why: in Deno 2.9.6, zeromq.js's `receive()` waits on a libuv poll handle
 * that Deno emulates, and that emulation loses wake-ups: a socket idle for a
 * few tens of milliseconds can hold a message while `receive()` never
 * resolves, and a receive timeout (the usual remedy) crashes the process
 * with a segmentation fault (both reproduced here with zeromq 6.8.0).
 *
 * So the kernel asks each socket whether it is readable (ZMQ_EVENTS) and only
 * then receives, which zeromq.js completes at once without its poller. To
 * sleep until something arrives it hands the sockets' ZMQ_FD descriptors to
 * poll(2), called through Deno's FFI on a worker thread (`nonblocking`), the
 * way libzmq's own zmq_poll works. A send processes a socket's pending
 * commands and can swallow the signal of a message that came meanwhile, so
 * every send wakes the poll through an inproc socket pair, and the loop
 * checks every socket again. Without FFI (no libc found) it falls back to
 * checking on a timer.
 * @module
 */
import type { Buffer } from "node:buffer";
import * as zmq from "zeromq";

type Readable = zmq.Socket & zmq.Readable;

interface Entry {
  socket: Readable;
  fd: number;
  handler: ((frames: Buffer[]) => unknown) | null;
  chain: Promise<unknown>;
}

const ZMQ_FD = 14;
const POLLIN = 1;

type Libc = { symbols: { poll(fds: Uint8Array, n: bigint, timeoutMs: number): Promise<number> } };

function openLibc(): Libc | null {
  if (Deno.build.os !== "linux" && Deno.build.os !== "darwin") return null;
  try {
    return Deno.dlopen(Deno.build.os === "darwin" ? "libSystem.dylib" : "libc.so.6", {
      poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
    }) as unknown as Libc;
  } catch {
    return null;
  }
}

function fdOf(socket: zmq.Socket): number {
  return (socket as unknown as { getInt32Option(o: number): number }).getInt32Option(ZMQ_FD);
}

/** Polls a set of sockets and hands each message to its socket's handler, in order. */
export class Poller {
  #entries: Entry[] = [];
  #running = false;
  #stopped = false;
  #blocked = false;
  #dirty = false;
  #waking = false;
  #libc = openLibc();
  #wakeOut: zmq.Pair | null = null;
  #timerWake: (() => void) | null = null;

  constructor() {
    if (this.#libc) {
      const addr = `inproc://memkit-wake-${crypto.randomUUID()}`;
      const wakeIn = new zmq.Pair({ linger: 0 });
      wakeIn.bind(addr);
      this.#wakeOut = new zmq.Pair({ linger: 0, sendHighWaterMark: 1 });
      this.#wakeOut.connect(addr);
      this.#entries.push({
        socket: wakeIn,
        fd: fdOf(wakeIn),
        handler: null,
        chain: Promise.resolve(),
      });
    }
  }

  /** Adds a socket; its handler runs for each message, one after another (awaited if async). */
  add(socket: Readable, handler: (frames: Buffer[]) => unknown): void {
    this.#entries.push({ socket, fd: fdOf(socket), handler, chain: Promise.resolve() });
    this.wake();
    if (!this.#running) this.#loop();
  }

  /** Makes the loop check every socket now (call after sending on a socket it polls). */
  wake(): void {
    this.#dirty = true;
    // zeromq.js allows one send in flight per socket ("Socket is busy
    // writing" otherwise, thrown where no one catches it): one wake-up in
    // flight is enough, since the loop checks every socket when it wakes.
    const out = this.#wakeOut;
    if (out && this.#blocked && !this.#waking && !out.closed && out.writable) {
      this.#waking = true;
      try {
        out.send("").catch(() => {}).finally(() => (this.#waking = false));
      } catch {
        this.#waking = false;
      }
    }
    const w = this.#timerWake;
    this.#timerWake = null;
    w?.();
  }

  stop(): void {
    this.#stopped = true;
    this.wake();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    while (!this.#stopped) {
      this.#dirty = false;
      for (const e of this.#entries) {
        try {
          while (!e.socket.closed && e.socket.readable) {
            const frames = await e.socket.receive();
            const handler = e.handler;
            if (!handler) continue;
            e.chain = e.chain.then(() => handler(frames)).catch((err) =>
              console.error(`memkit kernel: handler failed: ${(err as Error).stack}`)
            );
          }
        } catch (err) {
          if (!e.socket.closed) {
            console.error(`memkit kernel: receive failed: ${(err as Error).message}`);
          }
        }
      }
      if (this.#entries.some((e) => e.socket.closed)) {
        this.#entries = this.#entries.filter((e) => !e.socket.closed);
      }
      // A send during the checks may have swallowed a socket's signal: check again.
      if (!this.#dirty) await this.#sleep();
    }
    this.#running = false;
  }

  /** Waits until a socket may have something (or 100 ms pass: a safety net). */
  async #sleep(): Promise<void> {
    if (this.#libc) {
      const fds = new Uint8Array(8 * this.#entries.length);
      const view = new DataView(fds.buffer);
      this.#entries.forEach((e, i) => {
        view.setInt32(i * 8, e.fd, true);
        view.setInt16(i * 8 + 4, POLLIN, true);
      });
      this.#blocked = true;
      await this.#libc.symbols.poll(fds, BigInt(this.#entries.length), 100);
      this.#blocked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.#timerWake = resolve;
      setTimeout(resolve, 1);
    });
  }
}
