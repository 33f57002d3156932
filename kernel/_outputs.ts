/**
 * Outputs on their way from the engine to the frontend: a cell's output
 * larger than a browser tab can take (50 MB in one line, say) is cut to its
 * first part with a visible note instead of silencing the kernel or the
 * frontend.
 * @module
 */
import { Buffer } from "node:buffer";
import { humanBytes } from "../lib/plot/human_bytes.ts";
import type { Frames } from "./_wire.ts";

/** Options of {@linkcode limitOutput}. */
export interface OutputLimits {
  /**
   * A message whose content is larger than this many bytes is truncated.
   * @default {8_000_000}
   */
  maxBytes?: number;
  /**
   * Characters of text kept from a truncated output.
   * @default {1_000_000}
   */
  keepChars?: number;
}

const OUTPUT_TYPES = new Set(["stream", "display_data", "update_display_data", "execute_result"]);

/** The note appended to a truncated output. */
export function truncationNote(total: number, kept: number): string {
  return `\n[memkit: output truncated: ${humanBytes(total)} in one message, ` +
    `showing the first ${humanBytes(kept)}; write large data to a file instead]\n`;
}

/**
 * Returns `m` unchanged when it is small, else a copy whose text is cut to
 * `keepChars` with a note; non-text MIME parts that are too big are dropped
 * and named in the note.
 */
export function limitOutput(type: string, m: Frames, limits: OutputLimits = {}): Frames {
  const maxBytes = limits.maxBytes ?? 8_000_000;
  const keep = limits.keepChars ?? 1_000_000;
  if (m.content.length <= maxBytes || !OUTPUT_TYPES.has(type)) return m;
  let content: Record<string, unknown>;
  try {
    content = JSON.parse(m.content.toString("utf8"));
  } catch {
    return m;
  }
  const total = m.content.length;
  if (type === "stream" && typeof content.text === "string") {
    const text = content.text;
    const head = text.slice(0, keep);
    content.text = head + truncationNote(total, Buffer.byteLength(head));
  } else if (content.data && typeof content.data === "object") {
    const data = content.data as Record<string, unknown>;
    const dropped: string[] = [];
    let plain = typeof data["text/plain"] === "string" ? data["text/plain"] as string : "";
    for (const [mime, v] of Object.entries(data)) {
      const size = typeof v === "string" ? v.length : JSON.stringify(v ?? null).length;
      if (mime === "text/plain" || size <= keep) continue;
      delete data[mime];
      dropped.push(`${mime} (${humanBytes(size)})`);
    }
    const head = plain.slice(0, keep);
    plain = head +
      (plain.length > keep || dropped.length
        ? truncationNote(total, Buffer.byteLength(head)) +
          (dropped.length ? `[memkit: dropped ${dropped.join(", ")}]\n` : "")
        : "");
    data["text/plain"] = plain;
  } else return m;
  return { ...m, content: Buffer.from(JSON.stringify(content)) };
}

/**
 * Merges runs of stream messages (one per `console.log` from Deno's kernel)
 * into fewer, larger ones: 500,000 printed lines would otherwise be 500,000
 * messages, more than a frontend takes in minutes. A run ends at the first
 * other message, after `delayMs`, at `maxChars`, or on another parent or
 * stream name, so the order of everything the frontend sees is unchanged.
 */
export class StreamMerger {
  #first: Frames | null = null;
  #name = "";
  #parent = "";
  #texts: string[] = [];
  #chars = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly send: (m: Frames) => void,
    readonly options: { delayMs?: number; maxChars?: number } = {},
  ) {}

  /** Takes a stream message into the current run (sending the previous run if it differs). */
  push(m: Frames): void {
    let content: { name?: unknown; text?: unknown };
    try {
      content = JSON.parse(m.content.toString("utf8"));
    } catch {
      this.flush();
      return this.send(m);
    }
    const name = String(content.name);
    const text = typeof content.text === "string" ? content.text : "";
    const parent = m.parent.toString("latin1");
    if (this.#first && (name !== this.#name || parent !== this.#parent)) this.flush();
    if (!this.#first) {
      this.#first = m;
      this.#name = name;
      this.#parent = parent;
      this.#timer = setTimeout(() => this.flush(), this.options.delayMs ?? 20);
    }
    this.#texts.push(text);
    this.#chars += text.length;
    if (this.#chars >= (this.options.maxChars ?? 1_000_000)) this.flush();
  }

  /** Sends the current run, if any, as one message. */
  flush(): void {
    const first = this.#first;
    if (!first) return;
    clearTimeout(this.#timer);
    const texts = this.#texts;
    this.#first = null;
    this.#texts = [];
    this.#chars = 0;
    if (texts.length === 1) return this.send(first);
    const content = Buffer.from(JSON.stringify({ name: this.#name, text: texts.join("") }));
    this.send({ ...first, content });
  }
}
