/**
 * Remote reads over HTTP(S) and S3: range requests with connect and idle
 * timeouts, retries with backoff, resume after a dropped body (If-Match on
 * the ETag), bounded concurrency and coalescing of nearby ranges. Every
 * failure ends as a {@linkcode RemoteReadError} naming URL, range, status and
 * tries; an AbortSignal ends every request in flight.
 * @module
 */
import { RemoteReadError } from "./remote_read_error.ts";
import { registerProbe } from "../memory/probes.ts";
import type { ByteStream, RandomAccess } from "./_source.ts";
import { bounded, sleep, Slots, Timeout } from "./_http_wait.ts";

/** Options for remote reads (HTTP and S3). */
export interface RemoteOptions {
  /**
   * Milliseconds to wait for a response's headers.
   * @default {10000}
   */
  connectTimeout?: number;
  /**
   * Milliseconds of silence allowed while a body streams.
   * @default {30000}
   */
  idleTimeout?: number;
  /**
   * Retries after the first try, for failures that may pass (5xx, 429, 408,
   * timeouts, dropped connections).
   * @default {4}
   */
  retries?: number;
  /**
   * First wait before a retry in milliseconds; doubled each retry, at most 5 s.
   * @default {100}
   */
  backoff?: number;
  /**
   * Range requests in flight per file.
   * @default {6}
   */
  concurrency?: number;
  /**
   * Ranges asked for together whose gap is at most this many bytes are
   * fetched as one request.
   * @default {32768}
   */
  coalesce?: number;
}

/** Builds the request for a URL with the given headers (signs it for S3). */
export type MakeRequest = (url: URL, headers: Headers) => Promise<Request>;

/** A remote object: where it is, how to ask for it, and what is known about it. */
export interface RemoteTarget {
  /** The name in messages (the s3:// URL as given, or the http URL). */
  readonly name: string;
  /** The URL fetched. */
  readonly url: URL;
  /** Builds (and signs) a request. */
  readonly request: MakeRequest;
  /** Size in bytes when known (from a listing). */
  size?: number;
  /** The ETag when known; later requests send If-Match so a changed object is an error. */
  etag?: string;
  /** The status of the latest response. */
  status?: number;
}

/**
 * A remote object as a URL (`s3://bucket/key` or `http(s)://…`) that also
 * carries how to read it: sources accept it wherever they accept a URL.
 */
export class RemoteFile extends URL {
  constructor(readonly target: RemoteTarget, readonly options: RemoteOptions = {}) {
    super(target.name);
  }
}

const MAX_MERGED = 8 << 20;

/** Counters over all remote reads of this process (tests and benchmarks read them). */
export const remoteStats = { requests: 0, bytes: 0, retries: 0, inFlight: 0, peakInFlight: 0 };

let probeUsers = 0;
let unregister: (() => void) | undefined;

/** Registers the "remote bytes in flight" probe while at least one remote file is open. */
function useProbe(): () => void {
  if (probeUsers++ === 0) {
    unregister = registerProbe("remote bytes in flight", () => remoteStats.inFlight);
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--probeUsers === 0) unregister?.();
  };
}

function option(value: number | undefined, fallback: number, what: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!(typeof value === "number" && value >= min && Number.isFinite(value))) {
    throw new RangeError(`Invalid remote option ${what}: expected a number ≥ ${min}, got ${value}`);
  }
  return value;
}

/** The options with their defaults, checked. */
export function remoteDefaults(o: RemoteOptions = {}): Required<RemoteOptions> {
  return {
    connectTimeout: option(o.connectTimeout, 10_000, "connectTimeout", 1),
    idleTimeout: option(o.idleTimeout, 30_000, "idleTimeout", 1),
    retries: Math.floor(option(o.retries, 4, "retries")),
    backoff: option(o.backoff, 100, "backoff"),
    concurrency: Math.max(1, Math.floor(option(o.concurrency, 6, "concurrency", 1))),
    coalesce: option(o.coalesce, 32768, "coalesce"),
  };
}

class Fatal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The bytes [start, end) of a remote object (to its end when `end` is
 * undefined), as chunks in order. Failures that may pass are retried with
 * backoff, resuming at the first byte not yet received (with If-Match on the
 * ETag, so a changed object is an error, never a mix); a body that ends early
 * is a dropped connection, never the end of the data.
 */
export async function* remoteBody(
  t: RemoteTarget,
  start: number,
  end: number | undefined,
  opts: Required<RemoteOptions>,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let pos = start;
  let tries = 0;
  let status = 0;
  let reason = "";
  while (true) {
    signal?.throwIfAborted();
    if (end !== undefined && pos >= end) return;
    tries++;
    remoteStats.requests++;
    const attempt = new AbortController();
    const forward = () => attempt.abort(signal!.reason);
    signal?.addEventListener("abort", forward, { once: true });
    let res: Response | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const asked = end === undefined ? 0 : end - pos;
    remoteStats.inFlight += asked;
    remoteStats.peakInFlight = Math.max(remoteStats.peakInFlight, remoteStats.inFlight);
    let pending = asked;
    try {
      const headers = new Headers();
      if (pos > 0 || end !== undefined) {
        headers.set("Range", `bytes=${pos}-${end === undefined ? "" : end - 1}`);
      }
      if (t.etag && !t.etag.startsWith("W/")) headers.set("If-Match", t.etag);
      const req = await t.request(t.url, headers);
      res = await bounded(
        fetch(req, { signal: attempt.signal }),
        opts.connectTimeout,
        attempt.signal,
        `no response within ${opts.connectTimeout} ms (connectTimeout)`,
      );
      status = res.status;
      t.status = status;
      if (res.status === 412) {
        throw new Fatal(412, `the object changed while it was read (If-Match ${t.etag} failed)`);
      }
      if (res.status === 416) throw new Fatal(416, "the range is outside the object");
      if (res.status !== 206 && res.status !== 200) {
        const text = res.statusText || "error";
        if (retryable(res.status)) throw new Error(text);
        const body = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ");
        throw new Fatal(res.status, body ? `${text}: ${body}` : text);
      }
      if (res.status === 200 && pos > 0) {
        throw new Fatal(200, "the server ignored the Range header (no range requests)");
      }
      const etag = res.headers.get("etag");
      if (etag && t.etag && etag !== t.etag) {
        throw new Fatal(
          res.status,
          `the object changed while it was read (ETag ${t.etag} → ${etag})`,
        );
      }
      if (etag) t.etag = etag;
      if (res.status === 206) {
        const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
        if (!cr || Number(cr[1]) !== pos) {
          throw new Fatal(
            206,
            `the server answered another range (${res.headers.get("content-range")})`,
          );
        }
        if (cr[3] !== "*") t.size ??= Number(cr[3]);
      } else if (t.size === undefined) {
        const length = res.headers.get("content-length");
        if (length && !res.headers.get("content-encoding")) t.size = Number(length);
      }
      if (!res.body) throw new Error("the response has no body");
      reader = res.body.getReader();
      while (true) {
        const { done, value } = await bounded(
          reader.read(),
          opts.idleTimeout,
          attempt.signal,
          `no data for ${opts.idleTimeout} ms at byte ${pos} (idleTimeout)`,
        );
        if (done) {
          // A cancelled read can look like a clean end: never take it for one.
          signal?.throwIfAborted();
          break;
        }
        let chunk = value;
        if (end !== undefined && pos + chunk.length > end) {
          chunk = chunk.subarray(0, end - pos); // a 200 answer: the whole object
        }
        remoteStats.bytes += value.length;
        pos += chunk.length;
        const got = Math.min(pending, chunk.length);
        pending -= got;
        remoteStats.inFlight -= got;
        if (chunk.length > 0) yield chunk;
        if (end !== undefined && pos >= end) return;
      }
      if (end === undefined && t.size !== undefined && pos < t.size) {
        reason = `the body ended at byte ${pos} of ${t.size}`;
      } else if (end !== undefined) {
        reason = `the body ended at byte ${pos} of ${end}`;
      } else return;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (e instanceof Fatal) {
        throw new RemoteReadError(t.name, start, end, e.status, tries, e.message);
      }
      reason = e instanceof Timeout ? e.message : (e as Error).message ?? String(e);
    } finally {
      remoteStats.inFlight -= pending;
      signal?.removeEventListener("abort", forward);
      attempt.abort();
      if (reader) reader.cancel().catch(() => {});
      else res?.body?.cancel().catch(() => {});
    }
    if (tries > opts.retries) {
      throw new RemoteReadError(t.name, start, end, status, tries, reason);
    }
    remoteStats.retries++;
    await sleep(Math.min(5000, opts.backoff * 2 ** (tries - 1)), signal);
  }
}

/** Reads [start, end) of a remote object into one buffer. */
export async function remoteRead(
  t: RemoteTarget,
  start: number,
  end: number,
  opts: Required<RemoteOptions>,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const out = new Uint8Array(end - start);
  let at = 0;
  for await (const chunk of remoteBody(t, start, end, opts, signal)) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

interface Wanted {
  start: number;
  end: number;
  resolve(bytes: Uint8Array): void;
  reject(e: unknown): void;
}

/**
 * Opens a remote object for random access. Reads asked for in the same tick
 * are sorted and coalesced when their gap is at most `coalesce` bytes; at most
 * `concurrency` requests are in flight. The size comes from the target (a
 * listing) or from a first 1-byte range request.
 */
export async function openRemote(
  t: RemoteTarget,
  what: string,
  options: RemoteOptions = {},
  signal?: AbortSignal,
): Promise<RandomAccess> {
  const opts = remoteDefaults(options);
  const done = useProbe();
  try {
    if (t.size === undefined) {
      for await (const _ of remoteBody(t, 0, 1, opts, signal)) { /* size and ETag from headers */ }
      if (t.status === 200) {
        throw new TypeError(
          `Cannot read ${what} "${t.name}": expected HTTP 206 to a range request, got 200 ` +
            `(the server does not support range requests)`,
        );
      }
      if (t.size === undefined) {
        throw new RemoteReadError(t.name, 0, 1, 206, 1, "the server did not say the object's size");
      }
    }
  } catch (e) {
    done();
    throw e;
  }
  const size = t.size!;
  const slots = new Slots(opts.concurrency);
  // Closing the file (a finished pass, `break`) ends its requests still in flight.
  const closing = new AbortController();
  const live = signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
  let queue: Wanted[] = [];
  const flush = () => {
    const wanted = queue.sort((a, b) => a.start - b.start);
    queue = [];
    let i = 0;
    while (i < wanted.length) {
      const group = [wanted[i]];
      const lo = wanted[i].start;
      let hi = wanted[i].end;
      i++;
      while (
        i < wanted.length && wanted[i].start - hi <= opts.coalesce &&
        Math.max(hi, wanted[i].end) - lo <= MAX_MERGED
      ) {
        hi = Math.max(hi, wanted[i].end);
        group.push(wanted[i++]);
      }
      slots.run(() => remoteRead(t, lo, hi, opts, live)).then(
        (bytes) => {
          for (const w of group) w.resolve(bytes.subarray(w.start - lo, w.end - lo));
        },
        (e) => {
          for (const w of group) w.reject(e);
        },
      );
    }
  };
  const read = (start: number, end: number): Promise<Uint8Array> => {
    if (!(start >= 0 && end <= size && start <= end)) {
      return Promise.reject(
        new RangeError(
          `Cannot read ${what} "${t.name}": bytes ${start}-${end} are outside its ${size} bytes`,
        ),
      );
    }
    if (end === start) return Promise.resolve(new Uint8Array(0));
    return new Promise((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({ start, end, resolve, reject });
    });
  };
  return {
    name: t.name,
    byteLength: size,
    read,
    async readInto(target, position) {
      const bytes = await read(position, position + target.length);
      target.set(bytes);
      return bytes.length;
    },
    close() {
      closing.abort(new DOMException(`${t.name} was closed`, "AbortError"));
      done();
      return Promise.resolve();
    },
  };
}

/** Opens a remote object for sequential reading, with the same retries and resume. */
export async function openRemoteStream(
  t: RemoteTarget,
  options: RemoteOptions = {},
  signal?: AbortSignal,
): Promise<ByteStream> {
  const opts = remoteDefaults(options);
  // The first request happens here so that a missing object fails at open.
  const first = remoteBody(t, 0, undefined, opts, signal);
  const head = await first.next();
  let fresh = true;
  return {
    name: t.name,
    size: t.size,
    async *chunks() {
      const done = useProbe();
      const body = fresh ? first : remoteBody(t, 0, undefined, opts, signal);
      const start = fresh ? head : undefined;
      fresh = false;
      try {
        if (start) {
          if (start.done) return;
          yield start.value;
        }
        for await (const chunk of { [Symbol.asyncIterator]: () => body }) yield chunk;
      } finally {
        await body.return(undefined);
        done();
      }
    },
  };
}

/** A plain HTTP(S) target. */
export function httpTarget(url: URL, name = url.href): RemoteTarget {
  return { name, url, request: (u, headers) => Promise.resolve(new Request(u, { headers })) };
}
