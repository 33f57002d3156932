/**
 * Receives from zeromq sockets without zeromq.js's libuv poller.
 *
 * Why: in Deno 2.9.6, zeromq.js's `receive()` waits on a libuv poll handle
 * that Deno emulates, and that emulation loses wake-ups: a socket idle for a
 * few tens of milliseconds can hold a message while `receive()` never
 * resolves, and a receive timeout (the usual remedy) crashes the process
 * (measured here: tests/kernel notes). So the kernel asks each socket whether
 * it is readable (a plain `getsockopt(ZMQ_EVENTS)`) and only then receives,
 * which zeromq.js completes at once without the poller.
 *
 * Polling costs latency or CPU; it adapts: right after traffic it re-checks
 * on every event-loop turn (setImmediate, ~20 µs), after 30 ms of quiet every
 * ~1 ms timer, after 1 s every 10 ms.
 * @module
 */
import type { Buffer } from "node:buffer";
import { setImmediate } from "node:timers";
import type * as zmq from "zeromq";

type Readable = zmq.Socket & zmq.Readable;

interface Entry {
  socket: Readable;
  handler: (frames: Buffer[]) => unknown;
  chain: Promise<unknown>;
}

/** Polls a set of sockets and hands each message to its socket's handler, in order. */
export class Poller {
  #entries: Entry[] = [];
  #last = performance.now();
  #running = false;
  #stopped = false;
  #wake: (() => void) | null = null;

  /** Adds a socket; its handler runs for each message, one after another (awaited if async). */
  add(socket: Readable, handler: (frames: Buffer[]) => unknown): void {
    this.#entries.push({ socket, handler, chain: Promise.resolve() });
    if (!this.#running) this.#loop();
  }

  /** Removes sockets that were closed. */
  prune(): void {
    this.#entries = this.#entries.filter((e) => !e.socket.closed);
  }

  /** Marks traffic: the next checks come fast (call when a reply is expected soon). */
  poke(): void {
    this.#last = performance.now();
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  stop(): void {
    this.#stopped = true;
    this.poke();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    while (!this.#stopped) {
      let got = false;
      for (const e of this.#entries) {
        try {
          while (!e.socket.closed && e.socket.readable) {
            const frames = await e.socket.receive();
            got = true;
            e.chain = e.chain.then(() => e.handler(frames)).catch((err) =>
              console.error(`memkit kernel: handler failed: ${(err as Error).stack}`)
            );
          }
        } catch (err) {
          if (!e.socket.closed) {
            console.error(`memkit kernel: receive failed: ${(err as Error).message}`);
          }
        }
      }
      if (got) this.#last = performance.now();
      const quiet = performance.now() - this.#last;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (quiet < 30) setImmediate(resolve);
        else setTimeout(resolve, quiet < 1000 ? 1 : 10);
      });
      this.#wake = null;
      if (this.#entries.some((e) => e.socket.closed)) this.prune();
    }
    this.#running = false;
  }
}
