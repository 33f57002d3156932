/**
 * Dictionary strings by bytes: a field's byte range is hashed and looked up
 * in an open-addressing table; only a new value is copied (and checked as
 * UTF-8). Codes are stable for the whole pass. No Arrow here (workers); the
 * main thread turns {@linkcode ByteDictionary.bytes} into an Arrow vector.
 * @module
 */

/** Growing UTF-8 storage: values back to back, with offsets. */
export class ByteStrings {
  data = new Uint8Array(1024);
  /** A view of {@linkcode data} for 32-bit stores (replaced with it). */
  view = new DataView(this.data.buffer);
  offsets = new Int32Array(257);
  count = 0;

  /** Bytes used. */
  get byteLength(): number {
    return this.offsets[this.count];
  }

  /** Makes room for `bytes` more bytes and one more value. */
  reserve(bytes: number): void {
    const used = this.offsets[this.count];
    if (used + bytes > this.data.length) this.grow(used, bytes);
    if (this.count + 2 > this.offsets.length) {
      const bigger = new Int32Array(2 * this.offsets.length);
      bigger.set(this.offsets);
      this.offsets = bigger;
    }
  }

  /** Makes room for `bytes` more bytes after `at`, keeping `data[0..at)` (a value being written). */
  grow(at: number, bytes: number): void {
    const bigger = new Uint8Array(Math.max(at + bytes, 2 * this.data.length));
    bigger.set(this.data.subarray(0, at));
    this.data = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /**
   * Appends the unquoted field at `src[from..)` up to the first delimiter, CR
   * or LF (or `end`) as one value: the scan, the copy and the ASCII check in
   * one pass. Returns where the field ends; sets {@linkcode plainHigh}.
   */
  pushPlain(src: Uint8Array, from: number, end: number, delim: number): number {
    this.reserve(0);
    let data = this.data;
    let at = this.offsets[this.count];
    let high = 0;
    let i = from;
    for (; i < end; i++) {
      const c = src[i];
      if (c === delim || c === 10 || c === 13) break;
      if (at === data.length) {
        this.grow(at, 1);
        data = this.data;
      }
      data[at++] = c;
      high |= c;
    }
    this.offsets[++this.count] = at;
    plainHigh = high >= 0x80;
    return i;
  }

  /** Appends `src[from..to)` as one value. */
  push(src: Uint8Array, from: number, to: number): void {
    this.reserve(to - from);
    const at = this.offsets[this.count];
    if (to - from < 48) {
      const data = this.data;
      for (let i = from, j = at; i < to; i++, j++) data[j] = src[i];
    } else this.data.set(src.subarray(from, to), at);
    this.offsets[++this.count] = at + (to - from);
  }
}

/** Whether the last {@linkcode ByteStrings.pushPlain} met a byte ≥ 0x80 (not plain ASCII). */
export let plainHigh = false;

/** Byte-range → code, codes in first-seen order. */
export class ByteDictionary {
  readonly strings = new ByteStrings();
  #table = new Int32Array(1024).fill(-1);
  #hashes = new Int32Array(256);
  /** Bumped on every new value (consumers rebuild their vector only then). */
  version = 0;

  /** The number of distinct values. */
  get size(): number {
    return this.strings.count;
  }

  /**
   * The code of `buf[from..to)` (valid UTF-8), adding it when new; with
   * `asciiOnly`, a new value with non-ASCII bytes is not added and -1 comes
   * back (the caller checks its UTF-8 first).
   */
  code(buf: Uint8Array, from: number, to: number, asciiOnly = false): number {
    let h = 0x811c9dc5 ^ (to - from);
    let high = 0;
    for (let i = from; i < to; i++) {
      const b = buf[i];
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    const table = this.#table;
    const mask = table.length - 1;
    const data = this.strings.data;
    const offsets = this.strings.offsets;
    for (let slot = h & mask;; slot = (slot + 1) & mask) {
      const c = table[slot];
      if (c === -1) break;
      if (this.#hashes[c] !== h) continue;
      const s = offsets[c];
      if (offsets[c + 1] - s !== to - from) continue;
      let same = true;
      for (let i = 0; i < to - from; i++) {
        if (data[s + i] !== buf[from + i]) {
          same = false;
          break;
        }
      }
      if (same) return c;
    }
    if (asciiOnly && high >= 0x80) return -1;
    const code = this.strings.count;
    this.strings.push(buf, from, to);
    if (code >= this.#hashes.length) {
      const bigger = new Int32Array(2 * this.#hashes.length);
      bigger.set(this.#hashes);
      this.#hashes = bigger;
    }
    this.#hashes[code] = h;
    this.version++;
    if (2 * (code + 1) > table.length) this.#rehash();
    else {
      let slot = h & mask;
      while (table[slot] !== -1) slot = (slot + 1) & mask;
      table[slot] = code;
    }
    return code;
  }

  #rehash(): void {
    const table = new Int32Array(2 * this.#table.length).fill(-1);
    const mask = table.length - 1;
    for (let c = 0; c < this.strings.count; c++) {
      let slot = this.#hashes[c] & mask;
      while (table[slot] !== -1) slot = (slot + 1) & mask;
      table[slot] = c;
    }
    this.#table = table;
  }
}
