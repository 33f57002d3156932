import assert from "node:assert/strict";
import {
  Dictionary,
  Int32,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Table,
  tableFromArrays,
  tableFromIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { arrow, ArrowFormatError, mmap } from "../../mod.ts";
import { getField, type IpcField, ipcFields, setField } from "../fuzz/_arrow_layout.ts";
import { interruptChild } from "./_sigint.ts";

// Four columns (int, float, string, dictionary of strings), 3 batches of 100 rows
// sharing one dictionary.
function sample(): Table {
  const n = 300;
  const whole = new Table({
    id: vectorFromArray(Int32Array.from({ length: n }, (_, i) => i)),
    x: vectorFromArray(Float64Array.from({ length: n }, (_, i) => i / 7)),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => `s-${i}`), new Utf8()),
    d: vectorFromArray(
      Array.from({ length: n }, (_, i) => ["red", "green", "blue"][i % 3]),
      new Dictionary(new Utf8(), new Int32()),
    ),
  });
  const rb = whole.batches[0];
  return new Table([rb.slice(0, 100), rb.slice(100, 200), rb.slice(200, 300)]);
}

const FILE = RecordBatchFileWriter.writeAll(sample()).toUint8Array(true);
const STREAM = RecordBatchStreamWriter.writeAll(sample()).toUint8Array(true);

function field(bytes: Uint8Array, name: string): IpcField {
  const f = ipcFields(bytes).find((f) => f.name === name);
  assert.ok(f, `no field "${name}" in ${ipcFields(bytes).map((f) => f.name).join(", ")}`);
  return f;
}

function lie(bytes: Uint8Array, name: string, value: (v: bigint) => bigint): Uint8Array {
  const out = bytes.slice();
  const f = field(out, name);
  setField(out, f, value(getField(out, f)));
  return out;
}

// Where a batch's buffer i lies in the bytes (body start + buffer offset).
function bufferAt(bytes: Uint8Array, batch: string, i: number): number {
  const meta = field(bytes, `${batch} metadata length`);
  const bodyStart = meta.pos + 4 + Number(getField(bytes, meta));
  return bodyStart + Number(getField(bytes, field(bytes, `${batch} buffer ${i} offset`)));
}

async function rowsOf(path: string, mapped = false): Promise<number> {
  let rows = 0;
  const done = (async () => {
    for await (const b of arrow(path, { mmap: mapped })) rows += b.numRows;
    return rows;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${path} still reading after 20 s`)), 20_000);
  });
  try {
    return await Promise.race([done, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectFormatError(dir: string, label: string, bytes: Uint8Array, what: RegExp) {
  const path = `${dir}/${label.replace(/\W+/g, "_")}.arrow`;
  await Deno.writeFile(path, bytes);
  for (const mapped of [false, true]) {
    await assert.rejects(() => rowsOf(path, mapped), (e: Error) => {
      assert.ok(
        e instanceof ArrowFormatError,
        `${label} (mmap ${mapped}): ${e.name}: ${e.message}`,
      );
      assert.ok(e.message.startsWith(`Cannot read Arrow IPC "${path}"`), e.message);
      assert.match(e.message, what, `${label} (mmap ${mapped})`);
      return true;
    });
  }
}

Deno.test("arrow: the valid sample reads as apache-arrow reads it, file and stream", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const want = tableFromIPC(FILE).toArray().map((r) => JSON.stringify(r));
    for (const [name, bytes] of [["f.arrow", FILE], ["s.arrows", STREAM]] as const) {
      await Deno.writeFile(`${dir}/${name}`, bytes);
      for (const mapped of [false, true]) {
        const got: string[] = [];
        for await (const b of arrow(`${dir}/${name}`, { mmap: mapped })) {
          for (const r of b) got.push(JSON.stringify(r));
        }
        assert.deepEqual(got, want, `${name} mmap ${mapped}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow: every variant listed in issue 17 is an ArrowFormatError naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, Uint8Array, RegExp][] = [
      ["empty file", new Uint8Array(0), /empty/],
      ["one byte", new Uint8Array([0x41]), /truncated|empty|metadata/],
      [
        "end-of-stream marker alone",
        new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]),
        /only an end-of-stream marker/,
      ],
      ["truncated file", FILE.slice(0, FILE.length >> 1), /does not end with it/],
      ["truncated stream", STREAM.slice(0, STREAM.length >> 1), /truncated/],
      [
        "header type changed",
        lie(FILE, "batch 1 header type", () => 1n),
        /not a record batch|malformed/,
      ],
      ["header type 9", lie(FILE, "batch 1 header type", () => 9n), /header type 9/],
      ["metadata length -2", lie(FILE, "batch 1 metadata length", () => -2n), /metadata length -2/],
      [
        "metadata length 7",
        lie(FILE, "batch 1 metadata length", () => 7n),
        /metadata length 7|decode/,
      ],
      [
        "metadata length 0 in a file",
        lie(FILE, "batch 1 metadata length", () => 0n),
        /metadata length 0/,
      ],
      [
        "metadata length 0 in a stream",
        lie(STREAM, "batch 1 metadata length", () => 0n),
        /after the end-of-stream marker/,
      ],
      [
        "batch length + 1",
        lie(FILE, "batch 0 length", (v) => v + 1n),
        /has 100 rows, the batch says 101/,
      ],
      [
        "stream batch length + 1",
        lie(STREAM, "batch 2 length", (v) => v + 1n),
        /the batch says 101/,
      ],
      ["node length 2^40", lie(FILE, "batch 0 node 0 length", () => 1n << 40n), /rows|need/],
      ["node length -5", lie(FILE, "batch 0 node 1 length", () => -5n), /length -5/],
      [
        "null count over length",
        lie(STREAM, "batch 0 node 0 null count", () => 500n),
        /null count 500/,
      ],
      [
        "block offset past the end",
        lie(FILE, "footer batch 2 offset", () => BigInt(FILE.length)),
        /outside the data region/,
      ],
      [
        "block offset at another block",
        lie(FILE, "footer batch 2 offset", (v) => v - 8n),
        /overlap|metadata|type/,
      ],
      [
        "block count lies",
        lie(FILE, "footer batch count", () => 1000000n),
        /more than it can hold|decode|malformed/,
      ],
      ["footer length lies", lie(FILE, "footer length", () => 1n << 30n), /footer length/],
      ["body length 2^40", lie(STREAM, "batch 0 body length", () => 1n << 40n), /body length/],
      [
        "buffer past the body",
        lie(STREAM, "batch 1 buffer 4 offset", () => 1n << 20n),
        /outside the \d+-byte body/,
      ],
      ["buffer count lies", lie(STREAM, "batch 1 buffer count", (v) => v - 1n), /buffers/],
      ["node count lies", lie(STREAM, "batch 1 node count", (v) => v - 1n), /field nodes/],
      [
        "dictionary id unknown",
        lie(STREAM, "dictionary 0 dictionary id", () => 77n),
        /dictionary batch id 77|never sent/,
      ],
    ];
    // Dictionary index past the dictionary (buffer 8: the d column's indices).
    const badIndex = STREAM.slice();
    new DataView(badIndex.buffer).setInt32(bufferAt(badIndex, "batch 1", 8) + 4 * 5, 999, true);
    cases.push([
      "dictionary index 999",
      badIndex,
      /row 5 has dictionary index 999, the dictionary has 3/,
    ]);
    // A string offset past the data (buffer 5: the s column's offsets).
    const badOffset = FILE.slice();
    new DataView(badOffset.buffer).setInt32(
      bufferAt(badOffset, "batch 0", 5) + 4 * 100,
      1 << 20,
      true,
    );
    cases.push([
      "string offset past the data",
      badOffset,
      /offsets end at 1048576, past the \d+ data bytes/,
    ]);
    // Decreasing offsets.
    const down = FILE.slice();
    new DataView(down.buffer).setInt32(bufferAt(down, "batch 2", 5) + 4 * 50, 0, true);
    cases.push(["decreasing string offsets", down, /offsets decrease at row 50/]);
    for (const [label, bytes, what] of cases) await expectFormatError(dir, label, bytes, what);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow: a compressed buffer that declares 2^40 bytes is an error, not an allocation", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { CompressionType, compressionRegistry } = await import("apache-arrow");
    const zlib = await import("node:zlib");
    const z = zlib as unknown as { zstdCompressSync: (b: Uint8Array) => Uint8Array };
    const prev = compressionRegistry.get(CompressionType.ZSTD)!;
    compressionRegistry.set(CompressionType.ZSTD, {
      ...prev,
      encode: (d) => new Uint8Array(z.zstdCompressSync(d)),
    });
    const table = tableFromArrays({ x: new Float64Array(50_000) }); // zeros compress well
    const bytes = RecordBatchStreamWriter.writeAll(table, { compressionType: CompressionType.ZSTD })
      .toUint8Array(true);
    const at = bufferAt(bytes, "batch 0", 1);
    new DataView(bytes.buffer).setBigInt64(at, 1n << 40n, true);
    const before = Deno.memoryUsage().rss;
    await expectFormatError(
      dir,
      "zstd declares 2^40",
      bytes,
      /declares 1099511627776 bytes|decodes/,
    );
    assert.ok(Deno.memoryUsage().rss - before < 500e6, "no huge allocation");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow({ mmap: true }): a file truncated while mapped is an error before the next batch, not SIGBUS", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Big batches so the truncation lands on pages not yet touched.
    const t = tableFromArrays({ x: new Float64Array(1 << 17) });
    const bytes = RecordBatchFileWriter.writeAll(new Table(Array(8).fill(t.batches[0])))
      .toUint8Array(true);
    const path = `${dir}/shrinks.arrow`;
    await Deno.writeFile(path, bytes);
    let n = 0;
    await assert.rejects(async () => {
      for await (const b of arrow(path, { mmap: true })) {
        n += b.numRows;
        if (n === 1 << 17) await Deno.truncate(path, 4096);
      }
    }, (e: Error) => {
      assert.ok(e instanceof ArrowFormatError, e.message);
      assert.match(e.message, /shrank to 4096 bytes while mapped/);
      return true;
    });
    assert.equal(n, 1 << 17);
    // mmap().table() checks the same way.
    await Deno.writeFile(path, bytes);
    using m = mmap(path, { warn: false });
    await Deno.truncate(path, 100);
    assert.throws(() => m.table(), /shrank to 100 bytes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow: abort ends a mapped read; timers run while batches are decoded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const t = tableFromArrays({ x: new Float64Array(1000) });
    const bytes = RecordBatchFileWriter.writeAll(new Table(Array(200).fill(t.batches[0])))
      .toUint8Array(true);
    const path = `${dir}/many.arrow`;
    await Deno.writeFile(path, bytes);
    for (const mapped of [true, false]) {
      const ctl = new AbortController();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      let batches = 0;
      // An endless pass that only the abort (a macrotask) can end; the
      // consumer never awaits anything itself.
      await assert.rejects(async () => {
        for await (const _ of arrow(path, { mmap: mapped, signal: ctl.signal }).repeat()) {
          // The interval must tick during the read before the abort is sent.
          if (batches++ > 0 && ticks >= 3 && !ctl.signal.aborted) {
            setTimeout(() => ctl.abort(new Error("stop")), 0);
          }
          if (batches > 2_000_000) break; // no abort got through: fails below
        }
      }, /stop/);
      clearInterval(timer);
      assert.ok(batches < 2_000_000, `mmap ${mapped}: aborted after ${batches} batches`);
      assert.ok(ticks >= 3, `mmap ${mapped}: timers ran during the read`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow({ mmap: true }): the consumer's own work counts toward the ~20 ms slice", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A small file: the reader's own work per pass is far under 20 ms, so only
    // a slice clock that also counts the consumer's time (and runs across
    // repeat() passes) lets the loop turn.
    const t = tableFromArrays({ x: new Float64Array(16) });
    const path = `${dir}/small.arrow`;
    await Deno.writeFile(
      path,
      RecordBatchFileWriter.writeAll(new Table(Array(4).fill(t.batches[0]))).toUint8Array(true),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let batches = 0;
    try {
      for await (const _ of arrow(path, { mmap: true }).repeat()) {
        // Synchronous work longer than a slice, and no await of its own.
        const until = performance.now() + 25;
        while (performance.now() < until) { /* busy */ }
        if (++batches === 20) break;
      }
    } finally {
      clearInterval(timer);
    }
    // Every batch after the first is pulled more than 20 ms after the loop
    // last ran, so the reader lets it run (and the interval tick) each time.
    assert.ok(ticks >= 10, `timers ran between batches: ${ticks} ticks over ${batches} batches`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("arrow({ mmap: true }): SIGINT stops a pass whose consumer never awaits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const t = tableFromArrays({ x: new Float64Array(4096) });
    const path = `${dir}/loop.arrow`;
    await Deno.writeFile(
      path,
      RecordBatchFileWriter.writeAll(new Table(Array(64).fill(t.batches[0]))).toUint8Array(true),
    );
    const { text, result: r } = await interruptChild(
      new URL("./_arrow_sigint_child.ts", import.meta.url).pathname,
      [path],
    );
    assert.equal(r.name, "AbortError", text);
    assert.match(r.message, /SIGINT/);
    assert.ok(r.pulled > 64, `looped over the file more than once (${r.pulled} batches)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
