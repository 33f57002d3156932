/**
 * The Jupyter wire protocol's framing and signing: a message on the wire is
 * `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata,
 * content, buffers…]`, the signature being HMAC-SHA256 (hex) over the four
 * JSON frames. The kernel forwards frames as bytes and only parses the
 * headers it routes on, so a message reaches the other side unchanged.
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The delimiter between routing identities and the message proper. */
export const DELIM = Buffer.from("<IDS|MSG>");

/** A message split into its parts; the four JSON frames stay raw bytes. */
export interface Frames {
  /** Routing identities (ROUTER) or topic frames (PUB) before the delimiter. */
  ids: Buffer[];
  signature: string;
  header: Buffer;
  parent: Buffer;
  metadata: Buffer;
  content: Buffer;
  buffers: Buffer[];
}

/** The fields of a header that routing needs. */
export interface Header {
  msg_id: string;
  msg_type: string;
  session?: string;
  [key: string]: unknown;
}

/** Splits raw zeromq frames at the delimiter; null when the message is malformed. */
export function split(raw: Buffer[]): Frames | null {
  const at = raw.findIndex((f) => f.length === DELIM.length && f.equals(DELIM));
  if (at < 0 || raw.length < at + 6) return null;
  return {
    ids: raw.slice(0, at),
    signature: raw[at + 1].toString("latin1"),
    header: raw[at + 2],
    parent: raw[at + 3],
    metadata: raw[at + 4],
    content: raw[at + 5],
    buffers: raw.slice(at + 6),
  };
}

/** Signs and verifies with one connection file's key. */
export class Signer {
  #key: Buffer;
  constructor(key: string) {
    this.#key = Buffer.from(key, "utf8");
  }

  /** The hex HMAC-SHA256 of the four JSON frames ("" when the key is empty: signing is off). */
  sign(m: Pick<Frames, "header" | "parent" | "metadata" | "content">): string {
    if (this.#key.length === 0) return "";
    const h = createHmac("sha256", this.#key);
    h.update(m.header);
    h.update(m.parent);
    h.update(m.metadata);
    h.update(m.content);
    return h.digest("hex");
  }

  /** True when the signature matches (compared in constant time). */
  verify(m: Frames): boolean {
    if (this.#key.length === 0) return true;
    const want = Buffer.from(this.sign(m), "latin1");
    const got = Buffer.from(m.signature, "latin1");
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** Frames ready to send: identities, delimiter, a fresh signature, the rest unchanged. */
  join(m: Frames, ids: Buffer[] = m.ids): Buffer[] {
    return [
      ...ids,
      DELIM,
      Buffer.from(this.sign(m), "latin1"),
      m.header,
      m.parent,
      m.metadata,
      m.content,
      ...m.buffers,
    ];
  }
}

/** Builds a new message (for the kernel's own requests and outputs). */
export function build(
  msgType: string,
  content: unknown,
  options: { parent?: Buffer; session: string; ids?: Buffer[]; metadata?: unknown },
): Frames {
  const header: Header = {
    msg_id: randomUUID(),
    msg_type: msgType,
    session: options.session,
    username: "memkit",
    date: new Date().toISOString(),
    version: "5.3",
  };
  return {
    ids: options.ids ?? [],
    signature: "",
    header: Buffer.from(JSON.stringify(header)),
    parent: options.parent ?? Buffer.from("{}"),
    metadata: Buffer.from(JSON.stringify(options.metadata ?? {})),
    content: Buffer.from(JSON.stringify(content)),
    buffers: [],
  };
}

/** Parses a header frame; an empty object parses to msg_id "" and msg_type "". */
export function header(frame: Buffer): Header {
  const h = JSON.parse(frame.toString("utf8")) as Partial<Header>;
  return { ...h, msg_id: h.msg_id ?? "", msg_type: h.msg_type ?? "" };
}
