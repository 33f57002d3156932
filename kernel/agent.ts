/**
 * The agent the memkit kernel injects into Deno's kernel (its engine) when the
 * engine starts. It runs inside the notebook's process, so it sees what the
 * kernel cannot: the V8 heap, tfjs's tensor counts and GPU bytes. It answers
 * the kernel's per-cell question over a loopback socket (one JSON line each
 * way, well under a millisecond), and gives the notebook one global,
 * `memkit`, to switch the report and show the session timeline.
 *
 * It imports no tfjs: it notices tfjs when tfjs creates its global engine,
 * and reads tensor counts from that engine, so a notebook without tfjs pays
 * nothing and one with tfjs gets every tensor it creates counted, from the
 * first.
 * @module
 */
import type { EngineBreakdown, SessionView, TimelineData } from "../lib/memory/_kernel_protocol.ts";
// None of these three loads tfjs: a Symbol.for key, the tensor-event hub
// (which finds tfjs's engine when tfjs creates it) and the dtype byte table.
import { LEAK_TRACKER_KEY, type LeakTrackerHook } from "../lib/dispose/leak_tracker_hook.ts";
import { onTensorEvents } from "../lib/dispose/tensor_events.ts";
import { dtypeBytes } from "../lib/dtype/dtype_bytes.ts";

/** The report modes: everything, nothing, or only cells that did something notable. */
export type ReportMode = "on" | "off" | "quiet";

/** What the agent says about the cell that just ended. */
export interface AgentSample {
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** Memory outside the V8 heap held by JS objects (ArrayBuffers…), bytes. */
  external: number;
  /** tfjs's live tensors and their bytes; null when tfjs is not loaded. */
  tf: { numTensors: number; numBytes: number } | null;
  /** GPU bytes in use and pooled (lib/backend/gpu_memory.ts); null when not readable. */
  gpu: { backend: string; inUse: number; pooled: number; wasmHeap: number } | null;
  /** Tensors created during the cell that are still alive at its end. */
  survivors: number;
  /** Their bytes. */
  survivorBytes: number;
  /**
   * Where they were created, grouped, largest first (five groups at most):
   * from memkit's `trackLeaks()` when it runs in the notebook (grouped by
   * site, shape and dtype), else from the agent's own stack per tensor when
   * `memkit.sites(true)`; empty otherwise.
   */
  sites: { site: string; count: number; bytes: number; shape?: number[]; dtype?: string }[];
  /** The parts of the engine's RSS at the cell's end (lib/memory's breakdown); null if unreadable. */
  breakdown: EngineBreakdown | null;
}

/** Options of {@linkcode startAgent}. */
export interface AgentOptions {
  /** The kernel's loopback port for the side channel. */
  port: number;
  /** The token that proves to the kernel this connection is its engine's agent. */
  token: string;
  /**
   * Record where each tensor is created (a stack trace per tensor: slower).
   * @default {false}
   */
  sites?: boolean;
  /**
   * The report mode the kernel starts with; with "off" no tensor is recorded.
   * @default {"on"}
   */
  mode?: ReportMode;
}

interface TfEngineLike {
  state: { numTensors: number; numBytes: number };
  registryFactory?: Record<string, { factory?: unknown }>;
}

let tfEngine: TfEngineLike | null = null;
let cellTensors = new Map<number, { bytes: number; site: string }>();
let withSites = false;
let mode: ReportMode = "on";
let gpuReader: (() => AgentSample["gpu"] & { hostGpu: number }) | null | undefined;

/**
 * Counts each tensor created and disposed through memkit's tensor-event hub
 * (lib/dispose/tensor_events.ts), the one place that hooks tfjs's engine;
 * the hub finds the engine the moment tfjs creates it.
 */
function watchForTf(): void {
  onTensorEvents({
    created(a) {
      if (mode === "off") return;
      cellTensors.set(a.id, {
        bytes: a.size * dtypeBytes(a.dtype),
        // A running trackLeaks() records the site itself: no second stack.
        site: withSites && !leakTracker() ? creationSite() : "",
      });
    },
    disposed(a) {
      cellTensors.delete(a.id);
    },
  });
}

/** tfjs's engine, once tfjs has created it (the hub's trap keeps the property readable). */
function findEngine(): TfEngineLike | null {
  return tfEngine ??= (globalThis as { _tfengine?: TfEngineLike })._tfengine ?? null;
}

/** The hook of a running `trackLeaks()` (lib/dispose/leak_tracker_hook.ts), if any. */
function leakTracker(): LeakTrackerHook | undefined {
  const hook = (globalThis as Record<symbol, unknown>)[LEAK_TRACKER_KEY] as
    | LeakTrackerHook
    | undefined;
  return hook?.version === 1 && typeof hook.describe === "function" ? hook : undefined;
}

/** The first stack frame outside tfjs and this file: where user code made the tensor. */
function creationSite(): string {
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  for (const line of stack) {
    if (line.includes("@tensorflow") || line.includes("/kernel/agent.ts")) continue;
    if (line.includes("/lib/dispose/_tensor_hub.ts")) continue;
    if (line.includes("/lib/") && line.includes("memkit")) continue;
    return line.trim().replace(/^at /, "");
  }
  return "unknown";
}

/**
 * GPU bytes come from lib/backend/gpu_memory.ts, but importing it loads
 * memkit's tfjs entry, which re-registers tfjs's cpu backend: harmless when
 * memkit is already loaded (the import is then a cache hit), harmful to a
 * notebook that uses plain tfjs. So it is imported only when memkit's entry
 * has run (its cpu factory is the one that silences tfjs's banner), and the
 * agent reports no GPU numbers otherwise.
 */
async function loadGpuReader(): Promise<void> {
  const factory = tfEngine?.registryFactory?.cpu?.factory;
  if (!factory || !String(factory).includes("firstUse")) return;
  try {
    const { gpuMemory } = await import("../lib/backend/gpu_memory.ts");
    const { loadHostGpuBytes } = await import("../lib/memory/_kernel_protocol.ts");
    const hostGpuBytes = await loadHostGpuBytes();
    gpuReader = () => {
      const m = gpuMemory();
      const host = hostGpuBytes(m);
      return {
        backend: m.backend,
        inUse: m.inUse,
        pooled: m.pooled,
        wasmHeap: m.wasmHeap,
        hostGpu: host,
      };
    };
  } catch {
    gpuReader = null;
  }
}

/** Answers the kernel's question at the end of a cell, and starts the next cell's count. */
async function sample(): Promise<AgentSample> {
  if (findEngine() && gpuReader === undefined) await loadGpuReader();
  const mem = Deno.memoryUsage();
  let survivors = 0;
  let survivorBytes = 0;
  const bySite = new Map<string, AgentSample["sites"][number]>();
  const tracker = cellTensors.size > 0 ? leakTracker() : undefined;
  for (const [id, t] of cellTensors) {
    survivors++;
    survivorBytes += t.bytes;
    // The tracker knows the tensors created since it started, except
    // variables; the agent's own site (if any) covers the rest.
    let found;
    try {
      found = tracker?.describe(id);
    } catch {
      found = undefined;
    }
    const key = found ? `${found.site}\u0000${found.shape}\u0000${found.dtype}` : t.site;
    if (!key) continue;
    let s = bySite.get(key);
    if (!s) {
      s = found
        ? { site: found.site, count: 0, bytes: 0, shape: found.shape, dtype: found.dtype }
        : { site: t.site, count: 0, bytes: 0 };
      bySite.set(key, s);
    }
    s.count++;
    s.bytes += found ? found.bytes : t.bytes;
  }
  cellTensors = new Map();
  let gpu: ReturnType<NonNullable<typeof gpuReader>> | null = null;
  try {
    gpu = gpuReader ? gpuReader() : null;
  } catch {
    gpu = null;
  }
  const breakdown = await readEngineBreakdown(gpu?.wasmHeap ?? 0, gpu?.hostGpu ?? 0);
  return {
    heapUsed: mem.heapUsed,
    external: mem.external,
    tf: tfEngine
      ? { numTensors: tfEngine.state.numTensors, numBytes: tfEngine.state.numBytes }
      : null,
    gpu: gpu &&
      { backend: gpu.backend, inUse: gpu.inUse, pooled: gpu.pooled, wasmHeap: gpu.wasmHeap },
    survivors,
    survivorBytes,
    sites: [...bySite.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 5),
    breakdown,
  };
}

/** The parts of the engine's RSS, through lib/memory's kernel protocol (loaded at the first cell). */
async function readEngineBreakdown(
  wasmHeap: number,
  gpuStaging: number,
): Promise<EngineBreakdown | null> {
  try {
    const { engineBreakdown } = await import("../lib/memory/_kernel_protocol.ts");
    return engineBreakdown({ wasmHeap, gpuStaging });
  } catch {
    return null;
  }
}

let conn: Deno.TcpConn | null = null;
let nextId = 1;
const waiting = new Map<number, (data: unknown) => void>();
const encoder = new TextEncoder();

async function send(msg: unknown): Promise<void> {
  if (!conn) throw new Error("The memkit kernel is not connected");
  const bytes = encoder.encode(JSON.stringify(msg) + "\n");
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

function ask(op: string, extra: Record<string, unknown> = {}): Promise<unknown> {
  const rid = nextId++;
  const p = new Promise<unknown>((resolve) => waiting.set(rid, resolve));
  return send({ rid, op, ...extra }).then(() => p);
}

async function serve(c: Deno.TcpConn): Promise<void> {
  const decoder = new TextDecoder();
  let buf = "";
  const chunk = new Uint8Array(65536);
  while (true) {
    const n = await c.read(chunk);
    if (n === null) break;
    buf += decoder.decode(chunk.subarray(0, n), { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const msg = JSON.parse(line) as {
        id?: number;
        rid?: number;
        op?: string;
        data?: unknown;
        flush?: number;
      };
      if (msg.rid !== undefined) {
        waiting.get(msg.rid)?.(msg.data);
        waiting.delete(msg.rid);
      } else if (msg.op === "sample" || msg.op === "flush") {
        if (typeof msg.flush === "number") await flush(msg.flush);
        await send({ id: msg.id, data: msg.op === "sample" ? await sample() : null });
      }
    }
  }
}

/** The MIME type of the kernel's flush marker; the kernel swallows outputs that carry it. */
export const FLUSH_MIME = "application/x-memkit-flush";

/**
 * Deno's kernel sends a cell's outputs (results, displays, streams) through
 * a queue that can lag behind the cell's idle. A marker sent through the same
 * queue arrives after everything the cell sent, so the kernel waits for it
 * before it lets the cell go idle.
 */
async function flush(n: number): Promise<void> {
  try {
    const api = (Deno as unknown as {
      jupyter: { broadcast(type: string, content: Record<string, unknown>): Promise<void> };
    }).jupyter;
    await api.broadcast("display_data", { data: { [FLUSH_MIME]: n }, metadata: {}, transient: {} });
  } catch {
    // not in a kernel: nothing to flush
  }
}

/** The object the notebook sees as `memkit`. */
export interface KernelHandle {
  /**
   * Sets the per-cell report: "on" (every cell), "quiet" (only cells whose
   * memory changed notably or that leaked tensors) or "off". Takes effect for
   * the cell it runs in when awaited.
   */
  report(mode: ReportMode): Promise<ReportMode>;
  /** Turns recording of tensor creation sites on or off (each tensor then costs a stack trace). */
  sites(on: boolean): boolean;
  /** The session timeline so far: engine RSS and its parts, each cell a band; displays itself. */
  timeline(): Promise<SessionView>;
}

/**
 * Connects the agent to the kernel and installs `globalThis.memkit`. The
 * kernel calls this once per engine start with a silent execute request; a
 * notebook never needs to.
 *
 * @param options The kernel's side-channel port and token, and whether to record creation sites.
 * @returns Once connected.
 * @example
 * ```ts ignore
 * // What the kernel sends to Deno's kernel, silently, when it starts:
 * await (await import("file:///path/to/memkit/kernel/agent.ts")).startAgent({ port: 40123, token: "…" });
 * // …after which a notebook cell can say:
 * await memkit.report("quiet");
 * await memkit.timeline();
 * ```
 */
export async function startAgent(options: AgentOptions): Promise<void> {
  withSites = options.sites ?? false;
  mode = options.mode ?? "on";
  watchForTf();
  try {
    // Deno's kernel dies on SIGINT; the kernel sends SIGINT to interrupt an
    // awaiting cell (memkit's datasets listen for it), so it must not kill us.
    Deno.addSignalListener("SIGINT", () => {});
  } catch {
    // no signals on this platform
  }
  try {
    // Before any notebook code: what lib/memory cannot name now is the runtime's own.
    (await import("../lib/memory/_kernel_protocol.ts")).markEngineStart();
  } catch {
    // no /proc or FFI: the breakdown leaves it unexplained
  }
  conn = await Deno.connect({ hostname: "127.0.0.1", port: options.port });
  conn.setNoDelay(true);
  await send({ token: options.token, pid: Deno.pid });
  const c = conn;
  // When the kernel goes away without stopping the engine (killed), the
  // channel closes: the engine would be an orphan holding memory, so it ends.
  serve(c).catch(() => {}).finally(() => {
    if (conn === c) Deno.exit(0);
  });
  const handle: KernelHandle = {
    async report(next) {
      if (next !== "on" && next !== "off" && next !== "quiet") {
        throw new TypeError(
          `Cannot set the memkit report: mode must be "on", "off" or "quiet", got ${
            JSON.stringify(next)
          }`,
        );
      }
      await ask("mode", { mode: next });
      mode = next;
      return next;
    },
    sites(on) {
      withSites = on;
      return on;
    },
    async timeline() {
      return showTimeline(await ask("timeline") as TimelineData);
    },
  };
  (globalThis as { memkit?: KernelHandle }).memkit = handle;
}

/**
 * The one place the timeline turns into output. The drawing (lib/plot) is
 * imported at the first call, not with the agent: it costs the engine's start
 * nothing and a notebook that never asks for the timeline never loads it.
 */
async function showTimeline(data: TimelineData): Promise<SessionView> {
  const { sessionView } = await import("../lib/memory/_kernel_protocol.ts");
  return await sessionView(data);
}
