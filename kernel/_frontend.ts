/**
 * The memkit kernel's side toward the frontend: the five sockets of the
 * connection file, signature checks, header validation, and the helpers that
 * send replies and outputs back, signed with the frontend's key.
 * @module
 */
import { Buffer } from "node:buffer";
import * as zmq from "zeromq";
import { Out } from "./_engine.ts";
import { StreamMerger } from "./_outputs.ts";
import type { Poller } from "./_poll.ts";
import { build, type Frames, type Header, header, Signer, split } from "./_wire.ts";

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

/** The frontend's channels that carry requests. */
export type RequestChannel = "shell" | "control";

/** A verified request: its frames and its parsed, validated header. */
export interface Request {
  frames: Frames;
  header: Header;
  channel: RequestChannel | "stdin";
}

/** The requests Deno's kernel answers, per channel; any other request gets an error reply. */
export const FORWARDED: Record<RequestChannel, Set<string>> = {
  shell: new Set([
    "kernel_info_request",
    "complete_request",
    "inspect_request",
    "is_complete_request",
    "history_request",
    "comm_info_request",
    "comm_open",
    "comm_msg",
    "comm_close",
  ]),
  control: new Set(["kernel_info_request"]),
};

/** Writes one line to the kernel's log (stderr, which Jupyter keeps). */
export function log(msg: string): void {
  console.error(`memkit kernel: ${msg}`);
}

/**
 * Parses a JSON frame that must hold an object; null when it does not
 * (invalid JSON, an array, a string…).
 */
export function jsonObject(frame: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(frame.toString("utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** Why a signed message cannot be handled, or null when it is well-formed. */
export function invalidReason(m: Frames): string | null {
  const h = jsonObject(m.header);
  if (!h) return "its header is not a JSON object";
  if (typeof h.msg_id !== "string" || typeof h.msg_type !== "string" || !h.msg_type) {
    return "its header lacks a string msg_id and msg_type";
  }
  if (!jsonObject(m.parent)) return "its parent_header is not a JSON object";
  if (!jsonObject(m.metadata)) return "its metadata is not a JSON object";
  if (!jsonObject(m.content)) return "its content is not a JSON object";
  return null;
}

/** The frontend's sockets and everything sent on them. */
export class Frontend {
  readonly signer: Signer;
  /** Messages rejected for a bad signature or framing. */
  rejected = 0;
  readonly shell = new zmq.Router({ linger: 0 });
  readonly control = new zmq.Router({ linger: 0 });
  readonly stdin = new zmq.Router({ linger: 0 });
  readonly iopub = new zmq.Publisher({ linger: 0 });
  readonly hb = new zmq.Reply({ linger: 0 });
  readonly #shellOut: Out;
  readonly #controlOut: Out;
  readonly #stdinOut: Out;
  readonly #iopubOut: Out;
  readonly #streams: StreamMerger;

  constructor(
    readonly conn: ConnectionInfo,
    readonly session: string,
    readonly poller: Poller,
  ) {
    if (conn.signature_scheme && conn.signature_scheme !== "hmac-sha256") {
      throw new TypeError(
        `Cannot start the memkit kernel: signature_scheme must be hmac-sha256, got "${conn.signature_scheme}"`,
      );
    }
    this.signer = new Signer(conn.key);
    const woke = () => poller.wake();
    this.#shellOut = new Out(this.shell, "shell", woke);
    this.#controlOut = new Out(this.control, "control", woke);
    this.#stdinOut = new Out(this.stdin, "stdin", woke);
    this.#iopubOut = new Out(this.iopub, "iopub");
    this.#streams = new StreamMerger((m) => this.#iopubOut.send(this.signer.join(m)));
  }

  /** Binds the five sockets and answers heartbeats. */
  async bind(): Promise<void> {
    const c = this.conn;
    const url = (port: number) => `${c.transport}://${c.ip}:${port}`;
    await Promise.all([
      this.shell.bind(url(c.shell_port)),
      this.control.bind(url(c.control_port)),
      this.stdin.bind(url(c.stdin_port)),
      this.iopub.bind(url(c.iopub_port)),
      this.hb.bind(url(c.hb_port)),
    ]);
    this.poller.add(this.hb, async (msg) => {
      await this.hb.send(msg);
      this.poller.wake();
    });
  }

  /**
   * Checks framing, signature and the JSON frames of a message from the
   * frontend. Bad framing or signature: logged and dropped (an unsigned
   * sender gets nothing). Signed but malformed: answered with an error reply
   * when it names a request, so the client does not wait forever.
   */
  verify(raw: Buffer[], channel: RequestChannel | "stdin"): Request | null {
    const m = split(raw);
    if (!m) {
      this.rejected++;
      log(`rejected a malformed message on ${channel} (${raw.length} frames, no <IDS|MSG>)`);
      return null;
    }
    if (!this.signer.verify(m)) {
      this.rejected++;
      const type = jsonObject(m.header)?.msg_type;
      log(`rejected a message with a bad signature on ${channel}: ${String(type ?? "?")}`);
      return null;
    }
    const why = invalidReason(m);
    if (why) {
      log(`rejected a signed message on ${channel}: ${why}`);
      if (channel !== "stdin") this.#invalidReply(m, channel, why);
      return null;
    }
    return { frames: m, header: header(m.header), channel };
  }

  #invalidReply(m: Frames, channel: RequestChannel, why: string): void {
    const h = jsonObject(m.header);
    const type = typeof h?.msg_type === "string" ? h.msg_type : "";
    const replyType = type.endsWith("_request") ? type.replace(/_request$/, "_reply") : "error";
    // An unparseable header cannot be a parent: the reply then has none.
    const parent = h ? m.header : Buffer.from("{}");
    this.reply(
      m.ids,
      channel,
      replyType,
      errorContent("InvalidMessage", `memkit kernel: ${why}`),
      parent,
    );
  }

  /** Sends a reply of the kernel's own making to the request's sender. */
  reply(
    ids: Buffer[],
    channel: RequestChannel,
    type: string,
    content: unknown,
    parent: Buffer,
  ): void {
    const m = build(type, content, { parent, session: this.session });
    this.send(channel, m, ids);
  }

  /** Sends frames (re-signed with the frontend's key) to `ids` on a channel. */
  send(channel: RequestChannel | "stdin", m: Frames, ids: Buffer[]): void {
    const out = channel === "shell"
      ? this.#shellOut
      : channel === "control"
      ? this.#controlOut
      : this.#stdinOut;
    out.send(this.signer.join(m, ids));
  }

  /**
   * Forwards an iopub message (re-signed) to every subscriber; runs of
   * stream messages are merged ({@linkcode StreamMerger}), in order.
   */
  forwardIopub(m: Frames, type = header(m.header).msg_type): void {
    if (type === "stream") return this.#streams.push(m);
    this.#streams.flush();
    this.#iopubOut.send(this.signer.join(m));
  }

  /** Publishes an iopub message of the kernel's own making. */
  publish(type: string, content: unknown, parent?: Buffer, metadata?: unknown): void {
    this.#streams.flush();
    const m = build(type, content, { parent, session: this.session, metadata });
    this.#iopubOut.send(this.signer.join(m, [Buffer.from(`kernel.${this.session}.${type}`)]));
  }

  /** Publishes an error output and the error reply for an execute request, then idle. */
  failExecute(
    ids: Buffer[],
    parent: Buffer,
    count: number,
    ename: string,
    evalue: string,
    busy: boolean,
  ): void {
    if (busy) this.publish("status", { execution_state: "busy" }, parent);
    this.publish("error", { ename, evalue, traceback: [`${ename}: ${evalue}`] }, parent);
    this.reply(ids, "shell", "execute_reply", {
      ...errorContent(ename, evalue),
      execution_count: count,
    }, parent);
    this.publish("status", { execution_state: "idle" }, parent);
  }
}

/** The content of an error reply. */
export function errorContent(ename: string, evalue: string): Record<string, unknown> {
  return { status: "error", ename, evalue, traceback: [`${ename}: ${evalue}`] };
}
