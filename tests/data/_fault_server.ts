/**
 * A small HTTP/1.1 server on raw TCP (127.0.0.1 only) that serves one byte
 * array with range requests and misbehaves on command: fail with a status,
 * cut the body after some bytes (the connection closes mid-body), stall the
 * body, never answer, or change the ETag. Each request is recorded.
 * @module
 */

/** What the server does with one request. */
export interface Fault {
  /** Answer with this status and no body. */
  status?: number;
  /** Send only this many body bytes, then close the connection. */
  cutAt?: number;
  /** Send this many body bytes, then nothing (until the client gives up). */
  stallAt?: number;
  /** Accept the connection and never answer. */
  silent?: boolean;
}

/** One request as the server saw it. */
export interface Seen {
  range: string | null;
  ifMatch: string | null;
}

/** A running fault server. */
export interface FaultServer {
  url: string;
  seen: Seen[];
  /** Bytes of body sent so far. */
  sent: number;
  /** Most requests answered at the same time. */
  peak: number;
  etag: string;
  close(): Promise<void>;
}

/**
 * Serves `bytes` at `http://127.0.0.1:<port>/<name>`; `fault(i, seen)` picks
 * what to do with request `i` (undefined: answer correctly).
 */
export function faultServer(
  bytes: Uint8Array,
  name: string,
  fault: (i: number, seen: Seen) => Fault | undefined = () => undefined,
): FaultServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  let active = 0;
  const server: FaultServer = {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/${name}`,
    seen: [],
    sent: 0,
    peak: 0,
    etag: '"v1"',
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop.catch(() => {});
    },
  };
  const encoder = new TextEncoder();
  const handle = async (conn: Deno.Conn) => {
    conns.add(conn);
    const buf = new Uint8Array(65536);
    let pending = "";
    try {
      while (true) {
        while (!pending.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) return;
          pending += new TextDecoder().decode(buf.subarray(0, n));
        }
        const end = pending.indexOf("\r\n\r\n");
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const headers = new Map<string, string>();
        for (const line of head.split("\r\n").slice(1)) {
          const c = line.indexOf(":");
          headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
        }
        const seen: Seen = {
          range: headers.get("range") ?? null,
          ifMatch: headers.get("if-match") ?? null,
        };
        const i = server.seen.length;
        server.seen.push(seen);
        const f = fault(i, seen) ?? {};
        if (f.silent) {
          await new Promise(() => {}); // never answers; closed by close()
        }
        active++;
        server.peak = Math.max(server.peak, active);
        try {
          const write = async (s: string | Uint8Array) => {
            const data = typeof s === "string" ? encoder.encode(s) : s;
            for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
          };
          if (f.status) {
            await write(`HTTP/1.1 ${f.status} Failing\r\ncontent-length: 0\r\n\r\n`);
            continue;
          }
          if (seen.ifMatch && seen.ifMatch !== server.etag) {
            await write(`HTTP/1.1 412 Precondition Failed\r\ncontent-length: 0\r\n\r\n`);
            continue;
          }
          const m = /bytes=(\d+)-(\d*)/.exec(seen.range ?? "");
          const start = m ? Number(m[1]) : 0;
          const last = m && m[2] !== ""
            ? Math.min(Number(m[2]), bytes.length - 1)
            : bytes.length - 1;
          const body = bytes.subarray(start, last + 1);
          await write(
            (m
              ? `HTTP/1.1 206 Partial Content\r\ncontent-range: bytes ${start}-${last}/${bytes.length}\r\n`
              : `HTTP/1.1 200 OK\r\n`) +
              `etag: ${server.etag}\r\ncontent-length: ${body.length}\r\n\r\n`,
          );
          if (f.cutAt !== undefined && f.cutAt < body.length) {
            await write(body.subarray(0, f.cutAt));
            server.sent += f.cutAt;
            conn.close();
            return;
          }
          if (f.stallAt !== undefined && f.stallAt < body.length) {
            await write(body.subarray(0, f.stallAt));
            server.sent += f.stallAt;
            await new Promise(() => {}); // stalls; closed by close()
          }
          await write(body);
          server.sent += body.length;
        } finally {
          active--;
        }
      }
    } catch {
      // the client went away
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const loop = (async () => {
    for await (const conn of listener) handle(conn);
  })();
  return server;
}
