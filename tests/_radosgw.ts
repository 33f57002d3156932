/**
 * A real S3 server for tests and benchmarks: Ceph's radosgw on a one-node
 * test cluster (one monitor, one memstore OSD with pool size 1, no manager)
 * in a temporary folder, bound to 127.0.0.1 only, started and stopped by PID
 * (the approach of go-ceph's micro-osd script). Needs Debian's radosgw,
 * ceph-mon and ceph-osd; as root they are installed when missing (without
 * recommends), otherwise {@linkcode startRadosgw} returns why it cannot run.
 * @module
 */

/** A running radosgw with one S3 user. */
export interface Radosgw {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Seconds from the first daemon's start to the first S3 answer. */
  startSeconds: number;
  /** Resident memory of the three daemons, bytes. */
  rss(): Promise<number>;
  /** Stops the daemons (by PID) and deletes the folder. */
  stop(): Promise<void>;
}

/** The Debian packages the server needs. */
export const CEPH_PACKAGES = ["radosgw", "ceph-mon", "ceph-osd"];
const BINARIES = ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph"];

async function has(bin: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${bin}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).spawn();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}): ${
        new TextDecoder().decode(out.stderr).slice(-2000)
      }`,
    );
  }
  return text;
}

/** Installs the ceph packages when missing (as root); returns why not otherwise. */
export async function ensureCeph(): Promise<string | null> {
  // The test runner's way to exercise the skip path on a machine that has Ceph.
  for (const name of ["MEMKIT_ASSUME_MISSING", "MEMKIT_MISSING"]) {
    if ((Deno.env.get(name) ?? "").split(",").includes("ceph")) {
      return `Ceph is taken as missing (${name}=ceph): run ` +
        `'sudo apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(" ")}'`;
    }
  }
  const missing: string[] = [];
  for (const b of BINARIES) if (!(await has(b))) missing.push(b);
  if (missing.length === 0) return null;
  if (Deno.uid() !== 0) {
    return `Ceph is not installed (missing ${missing.join(", ")}) and this is not root: ` +
      `run 'sudo apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(" ")}' ` +
      `(or 'deno task test' as root, which installs them)`;
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (
    const args of [
      ["-o", "DPkg::Lock::Timeout=600", "update"],
      [
        "-o",
        "DPkg::Lock::Timeout=600",
        "install",
        "-y",
        "--no-install-recommends",
        ...CEPH_PACKAGES,
      ],
    ]
  ) {
    const out = await new Deno.Command("apt-get", { args, env, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) {
      return `apt-get ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr).slice(-500)
      }`;
    }
  }
  for (const b of BINARIES) {
    if (!(await has(b))) return `${b} is still missing after installing ${CEPH_PACKAGES.join(" ")}`;
  }
  return null;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Resident set size of a process in bytes (0 when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts monitor, OSD and radosgw in a new temporary folder and creates an S3
 * user. Returns the server, or a string saying why it cannot start here (the
 * caller skips with it).
 */
export async function startRadosgw(): Promise<Radosgw | string> {
  const why = await ensureCeph();
  if (why) return why;
  const dir = await Deno.makeTempDir({ prefix: "memkit-rgw-" });
  const children: Deno.ChildProcess[] = [];
  const started = performance.now();
  const stop = async () => {
    // Reverse order: radosgw, then the OSD (fast shutdown off), then the monitor.
    for (const child of children.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const ended = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
      ]);
      if (!ended) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        await child.status;
      }
    }
    children.length = 0;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const fsid = crypto.randomUUID();
    const monPort = freePort();
    const rgwPort = freePort();
    const conf = `${dir}/ceph.conf`;
    await Deno.mkdir(`${dir}/mon`);
    await Deno.mkdir(`${dir}/osd`);
    await Deno.mkdir(`${dir}/run`);
    await Deno.mkdir(`${dir}/rgw`);
    await Deno.writeTextFile(
      conf,
      `[global]
fsid = ${fsid}
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/$name.log
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms mon client mode = crc secure
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false
osd pool default size = 1
osd pool default min size = 1
osd crush chooseleaf type = 0
osd pool default pg autoscale mode = off
mon allow pool delete = true
mon data avail crit = 0
mon data avail warn = 0
mon pg warn min per osd = 0
paxos propose interval = 0.05
[mon.a]
mon data = ${dir}/mon
[osd.0]
osd data = ${dir}/osd
osd objectstore = memstore
memstore device bytes = 2147483648
osd fast shutdown = false
osd class load list = *
osd class default list = *
[client.rgw.x]
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw dns name = 127.0.0.1
rgw enable usage log = false
`,
    );
    const c = ["-c", conf];
    await run("monmaptool", [
      "--create",
      "--fsid",
      fsid,
      "--addv",
      "a",
      `[v2:127.0.0.1:${monPort}]`,
      `${dir}/monmap`,
    ]);
    await run("ceph-mon", [
      ...c,
      "--id",
      "a",
      "--mkfs",
      "--monmap",
      `${dir}/monmap`,
      "--keyring",
      "/dev/null",
    ]);
    const daemon = (cmd: string, args: string[]) => {
      children.push(
        new Deno.Command(cmd, { args: [...c, "-f", ...args], stdout: "null", stderr: "null" })
          .spawn(),
      );
    };
    daemon("ceph-mon", ["--id", "a"]);
    const id = (await run("ceph", [...c, "--connect-timeout", "30", "osd", "create"])).trim();
    if (id !== "0") throw new Error(`ceph osd create gave id "${id}", expected 0`);
    await run("ceph", [...c, "osd", "crush", "add", "osd.0", "1", "root=default"]);
    await run("ceph-osd", [...c, "--id", "0", "--mkfs"]);
    daemon("ceph-osd", ["--id", "0"]);
    daemon("radosgw", ["-n", "client.rgw.x"]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    // Bounded wait for the first S3 answer (any HTTP status).
    let up = false;
    for (let i = 0; i < 240 && !up; i++) {
      try {
        const res = await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        up = true;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    if (!up) throw new Error(`radosgw did not answer on ${endpoint} within 60 s (logs in ${dir})`);
    const startSeconds = (performance.now() - started) / 1000;
    const accessKeyId = "MEMKITTEST" + crypto.randomUUID().slice(0, 8).toUpperCase();
    const secretAccessKey = crypto.randomUUID().replaceAll("-", "");
    await run("radosgw-admin", [
      ...c,
      "-n",
      "client.rgw.x",
      "user",
      "create",
      "--uid",
      "memkit",
      "--display-name",
      "memkit tests",
      "--access-key",
      accessKeyId,
      "--secret",
      secretAccessKey,
    ]);
    return {
      endpoint,
      accessKeyId,
      secretAccessKey,
      startSeconds,
      async rss() {
        let sum = 0;
        for (const child of children) sum += await rssOf(child.pid);
        return sum;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
