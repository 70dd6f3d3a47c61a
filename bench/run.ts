/**
 * Benchmarks this project's server against the bare runtimes and nginx, interleaved, with
 * `wrk` and a slow-viewer client. See `bench/README.md`.
 *
 * Usage: `deno task bench [--duration 5] [--rounds 3] [--servers a,b] [--workloads a,b]
 * [--viewers 200] [--hold 4] [--threads 1] [--own-server] [--results bench/RESULTS.md]`
 *
 * @module
 */

import { parseArgs } from "node:util";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DATA = `${REPO}/bench/data`;
const OUT = `${REPO}/bench/out`;
const LUA = `${REPO}/bench/lua/range.lua`;
const BUN = `${REPO}/node_modules/.bin/bun`;
const DENO = Deno.execPath();
const MiB = 1024 * 1024;
const BIG = { name: "1g.mp4", size: 1024 * MiB };
const MEDIUM = { name: "256m.mp4", size: 256 * MiB };
const OPEN_CAP = 8 * MiB;

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    servers: { type: "string", default: "" },
    workloads: { type: "string", default: "seek,probe,open,full,viewers" },
    viewers: { type: "string", default: "200" },
    hold: { type: "string", default: "6" },
    threads: { type: "string", default: "1" },
    "own-server": { type: "boolean", default: false },
    results: { type: "string" },
  },
});
const DURATION = Number(flags.duration);
const ROUNDS = Number(flags.rounds);
const VIEWERS = Number(flags.viewers);
const HOLD = Number(flags.hold);

// ---------------------------------------------------------------------------------------------
// processes: CPU seconds and RSS of a process tree, from /proc

const CLK_TCK =
  Number(new TextDecoder().decode(new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync().stdout)) ||
  100;

function treePids(pid: number): number[] {
  const pids = [pid];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      for (const child of children ? children.split(" ") : []) pids.push(...treePids(Number(child)));
    }
  } catch {
    // the process ended
  }
  return pids;
}

/** utime + stime of the process and its descendants, in seconds. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of treePids(pid)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
    } catch {
      // gone
    }
  }
  return ticks / CLK_TCK;
}

/** Resident set size of the process and its descendants, in MiB. */
function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of treePids(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${p}/status`));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function version(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.trim().split("\n")[0];
  } catch {
    return "not installed";
  }
}

// ---------------------------------------------------------------------------------------------
// servers

interface ServerSpec {
  name: string;
  runtime: "deno" | "bun" | "nginx";
  kind: "sage" | "sage+log" | "bare" | "nginx";
  command: string;
  args: string[];
  /** The URL path that serves a file of bench/data. */
  path(file: string): string;
  /** Whether open-ended ranges must be sent closed (the server does not cap them itself). */
  closeOpen: boolean;
  port?: number;
  note?: string;
}

interface RunningServer {
  spec: ServerSpec;
  pid: number;
  base: string;
  child: Deno.ChildProcess;
  log: string;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function serverSpecs(useCli: boolean, hasLogger: boolean): ServerSpec[] {
  const stream = (file: string) => `/stream?path=${file}`;
  const specs: ServerSpec[] = [];
  for (const rt of ["deno", "bun"] as const) {
    const exe = rt === "deno" ? DENO : BUN;
    const pre = rt === "deno" ? ["run", "-A"] : [];
    const db = `file:${OUT}/watch-${rt}.db`;
    if (useCli) {
      const base = [
        ...pre,
        `${REPO}/src/app/cli.ts`,
        "--root",
        DATA,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--quiet",
      ];
      specs.push({
        name: `sage-${rt}`,
        runtime: rt,
        kind: "sage",
        command: exe,
        args: [...base, "--no-log"],
        path: stream,
        closeOpen: false,
      });
      specs.push({
        name: `sage-${rt}-log`,
        runtime: rt,
        kind: "sage+log",
        command: exe,
        args: [...base, "--db", db],
        path: stream,
        closeOpen: false,
      });
    } else {
      const base = [...pre, `${REPO}/bench/servers/sage.ts`, "--root", DATA];
      specs.push({
        name: `sage-${rt}`,
        runtime: rt,
        kind: "sage",
        command: exe,
        args: base,
        path: stream,
        closeOpen: false,
      });
      if (hasLogger) {
        specs.push({
          name: `sage-${rt}-log`,
          runtime: rt,
          kind: "sage+log",
          command: exe,
          args: [...base, "--db", db],
          path: stream,
          closeOpen: false,
        });
      }
    }
    specs.push({
      name: `bare-${rt}`,
      runtime: rt,
      kind: "bare",
      command: exe,
      args: [...pre, `${REPO}/bench/servers/bare_${rt}.ts`, DATA],
      path: (file) => `/${file}`,
      closeOpen: false,
    });
  }
  if (exists("/usr/sbin/nginx")) {
    specs.push({
      name: "nginx",
      runtime: "nginx",
      kind: "nginx",
      command: "/usr/sbin/nginx",
      args: ["-p", `${OUT}/nginx`, "-c", `${OUT}/nginx/nginx.conf`, "-e", `${OUT}/nginx/error.log`],
      path: (file) => `/${file}`,
      closeOpen: true,
    });
  }
  return specs;
}

function writeNginxConfig(port: number): void {
  Deno.mkdirSync(`${OUT}/nginx`, { recursive: true });
  const template = Deno.readTextFileSync(`${REPO}/bench/nginx.conf`);
  Deno.writeTextFileSync(
    `${OUT}/nginx/nginx.conf`,
    template.replaceAll("{{PORT}}", String(port)).replaceAll("{{OUT}}", `${OUT}/nginx`).replaceAll(
      "{{ROOT}}",
      DATA,
    ),
  );
}

async function startServer(spec: ServerSpec): Promise<RunningServer> {
  let port = 0;
  if (spec.runtime === "nginx") {
    port = freePort();
    writeNginxConfig(port);
  }
  const child = new Deno.Command(spec.command, {
    args: spec.args,
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log = (log + decoder.decode(chunk)).slice(-4000);
  };
  collect(child.stdout);
  collect(child.stderr);
  const deadline = Date.now() + 20_000;
  let base = "";
  while (!base) {
    if (Date.now() > deadline) {
      try {
        child.kill("SIGKILL");
      } catch { /* ended */ }
      throw new Error(`${spec.name} did not start:\n${log}`);
    }
    await sleep(100);
    if (spec.runtime === "nginx") {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
        base = `http://127.0.0.1:${port}`;
      } catch { /* not yet */ }
    } else {
      const m = /Listening on (http:\/\/[^\s/]+)/.exec(log);
      if (m) base = m[1];
    }
  }
  return { spec, pid: child.pid, base, child, log };
}

async function stopServer(server: RunningServer): Promise<void> {
  try {
    server.child.kill(server.spec.runtime === "nginx" ? "SIGQUIT" : "SIGTERM");
  } catch { /* ended */ }
  const timeout = sleep(5000).then(() => "timeout");
  if ((await Promise.race([server.child.status, timeout])) === "timeout") {
    try {
      server.child.kill("SIGKILL");
    } catch { /* ended */ }
  }
}

// ---------------------------------------------------------------------------------------------
// correctness check: every server answers the workloads' requests with the file's bytes

async function readFileRange(name: string, start: number, length: number): Promise<Uint8Array> {
  const file = await Deno.open(`${DATA}/${name}`);
  try {
    await file.seek(start, Deno.SeekMode.Start);
    const out = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      const n = await file.read(out.subarray(at));
      if (n === null) break;
      at += n;
    }
    return out;
  } finally {
    file.close();
  }
}

async function check(server: RunningServer): Promise<void> {
  const cases: [string, number, number | null][] = [[BIG.name, 0, 1], [
    BIG.name,
    123_456_789,
    123_456_789 + MiB - 1,
  ], [
    BIG.name,
    BIG.size - 1000,
    null,
  ]];
  for (const [name, start, end] of cases) {
    const res = await fetch(server.base + server.spec.path(name), {
      headers: { range: `bytes=${start}-${end ?? ""}` },
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const expected = await readFileRange(name, start, (end ?? BIG.size - 1) - start + 1);
    const same = res.status === 206 && body.length === expected.length &&
      body.every((b, i) => b === expected[i]);
    if (!same) {
      throw new Error(`${server.spec.name}: wrong answer for bytes=${start}-${end ?? ""}: ${res.status}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// workloads

interface Workload {
  name: string;
  file: { name: string; size: number };
  connections: number;
  mode: string;
  length: number;
  /** The figure ratios are taken on. */
  key: "rps" | "mbps";
}

const WORKLOADS: Record<string, Workload> = {
  seek: { name: "seek", file: BIG, connections: 32, mode: "seek", length: MiB, key: "rps" },
  probe: { name: "probe", file: BIG, connections: 64, mode: "probe", length: 2, key: "rps" },
  open: { name: "open", file: BIG, connections: 16, mode: "open", length: OPEN_CAP, key: "mbps" },
  full: { name: "full", file: MEDIUM, connections: 4, mode: "full", length: MEDIUM.size, key: "mbps" },
};

interface Sample {
  server: string;
  workload: string;
  round: number;
  rps: number;
  mbps: number;
  p50ms: number;
  p99ms: number;
  cpuSeconds: number;
  cpuMsPerRequest: number;
  cpuSecondsPerGB: number;
  errors: number;
}

async function runWrk(server: RunningServer, w: Workload, seconds: number, round: number): Promise<Sample> {
  const url = server.base + server.spec.path(w.file.name);
  const args = [
    `-t${flags.threads}`,
    `-c${w.connections}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "-s",
    LUA,
    url,
    "--",
    w.mode,
    String(w.file.size),
    String(w.length),
    server.spec.closeOpen ? "1" : "0",
  ];
  const cpuBefore = cpuSeconds(server.pid);
  const out = await new Deno.Command("wrk", { args, stdout: "piped", stderr: "piped" }).output();
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const text = new TextDecoder().decode(out.stdout);
  const line = text.split("\n").find((l) => l.startsWith("JSON:"));
  if (!line) {
    throw new Error(
      `wrk failed for ${server.spec.name}/${w.name}:\n${text}\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const r = JSON.parse(line.slice(5));
  const secs = r.duration_us / 1e6;
  const e = r.errors;
  return {
    server: server.spec.name,
    workload: w.name,
    round,
    rps: r.requests / secs,
    mbps: r.bytes / secs / 1e6,
    p50ms: r.p50_us / 1000,
    p99ms: r.p99_us / 1000,
    cpuSeconds: cpu,
    cpuMsPerRequest: (cpu * 1000) / Math.max(1, r.requests),
    cpuSecondsPerGB: cpu / Math.max(1e-9, r.bytes / 1e9),
    errors: e.connect + e.read + e.write + e.status + e.timeout,
  };
}

interface ViewerSample {
  server: string;
  viewers: number;
  connected: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssDuringMiB: number;
  perViewerMiB: number;
  cpuSeconds: number;
  rssSeries: number[];
}

/**
 * Opens `count` raw connections that each ask for an open-ended range, read the head, then read
 * 16 KiB a second (a viewer whose player buffer is full); samples the server's RSS meanwhile.
 */
async function runViewers(server: RunningServer, count: number, holdSeconds: number): Promise<ViewerSample> {
  await sleep(1000);
  const rssBefore = rssMiB(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const port = Number(new URL(server.base).port);
  const encoder = new TextEncoder();
  const conns: Deno.Conn[] = [];
  let connected = 0;
  const stopAt = Date.now() + holdSeconds * 1000 + 2000;
  const viewer = async (i: number) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conns.push(conn);
    const start = Math.floor(((i * 7919) % 997) / 997 * (BIG.size - OPEN_CAP));
    const range = server.spec.closeOpen ? `bytes=${start}-${start + OPEN_CAP - 1}` : `bytes=${start}-`;
    const path = server.spec.path(BIG.name);
    await conn.write(encoder.encode(`GET ${path} HTTP/1.1\r\nHost: bench\r\nRange: ${range}\r\n\r\n`));
    const buffer = new Uint8Array(16 * 1024);
    const n = await conn.read(buffer);
    if (n !== null && new TextDecoder().decode(buffer.subarray(0, 12)) === "HTTP/1.1 206") connected++;
    while (Date.now() < stopAt) {
      await sleep(1000);
      if ((await conn.read(buffer)) === null) return;
    }
  };
  const all = Array.from({ length: count }, (_, i) => viewer(i).catch(() => {}));
  // RSS every 250 ms: the peak includes the garbage of the first burst (until the runtime
  // collects it); the settled figure is the median of the last second, with viewers still on.
  const rss: number[] = [];
  for (let t = 0; t < holdSeconds * 4; t++) {
    await sleep(250);
    rss.push(rssMiB(server.pid));
  }
  const settled = median(rss.slice(-4));
  const sample: ViewerSample = {
    server: server.spec.name,
    viewers: count,
    connected,
    rssBeforeMiB: rssBefore,
    rssPeakMiB: Math.max(...rss),
    rssDuringMiB: settled,
    perViewerMiB: (settled - rssBefore) / count,
    cpuSeconds: cpuSeconds(server.pid) - cpuBefore,
    rssSeries: rss.map((x) => Math.round(x * 10) / 10),
  };
  for (const conn of conns) {
    try {
      conn.close();
    } catch { /* closed */ }
  }
  await Promise.all(all);
  await sleep(500);
  return sample;
}

// ---------------------------------------------------------------------------------------------
// report

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x: number, digits = 2): string =>
  Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits)) : "–";

function bareOf(name: string): string {
  return name.startsWith("sage-deno") ? "bare-deno" : name.startsWith("sage-bun") ? "bare-bun" : "";
}

/** Median over rounds of the per-round ratio `a / b` on the workload's key figure. */
function ratio(samples: Sample[], w: Workload, a: string, b: string): number {
  const rs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = samples.find((s) => s.server === a && s.workload === w.name && s.round === r);
    const y = samples.find((s) => s.server === b && s.workload === w.name && s.round === r);
    if (x && y) rs.push(x[w.key] / y[w.key]);
  }
  return median(rs);
}

function report(
  samples: Sample[],
  viewerSamples: ViewerSample[],
  servers: ServerSpec[],
  workloads: Workload[],
  meta: string[],
): string {
  const lines = [...meta, ""];
  const names = servers.map((s) => s.name);
  const hasNginx = names.includes("nginx");
  for (const w of workloads) {
    lines.push(
      `### \`${w.name}\` (${w.connections} connections, ${w.file.name}; ratios on ${
        w.key === "rps" ? "requests/s" : "MB/s"
      })`,
      "",
      "| server | req/s | MB/s | p50 ms | p99 ms | CPU ms/req | CPU s/GB | × nginx | × bare | errors |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const name of names) {
      const ss = samples.filter((s) => s.server === name && s.workload === w.name);
      if (ss.length === 0) continue;
      const m = (k: keyof Sample) => median(ss.map((s) => s[k] as number));
      const bare = bareOf(name);
      lines.push(
        `| ${name} | ${fmt(m("rps"))} | ${fmt(m("mbps"))} | ${fmt(m("p50ms"))} | ${fmt(m("p99ms"))} | ${
          fmt(m("cpuMsPerRequest"), 3)
        } | ${fmt(m("cpuSecondsPerGB"), 3)} | ${hasNginx ? fmt(ratio(samples, w, name, "nginx")) : "–"} | ${
          bare && names.includes(bare) ? fmt(ratio(samples, w, name, bare)) : "–"
        } | ${ss.reduce((a, s) => a + s.errors, 0)} |`,
      );
    }
    lines.push("");
  }
  if (viewerSamples.length > 0) {
    lines.push(
      `### \`viewers\` (${VIEWERS} slow clients holding open-ended streams for ${HOLD} s)`,
      "",
      "| server | connected | RSS before MiB | peak MiB | settled MiB | MiB per viewer (settled) | CPU s |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const v of viewerSamples) {
      lines.push(
        `| ${v.server} | ${v.connected} | ${fmt(v.rssBeforeMiB, 1)} | ${fmt(v.rssPeakMiB, 1)} | ${
          fmt(v.rssDuringMiB, 1)
        } | ${fmt(v.perViewerMiB, 3)} | ${fmt(v.cpuSeconds)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// main

async function ensureData(): Promise<void> {
  Deno.mkdirSync(DATA, { recursive: true });
  Deno.mkdirSync(OUT, { recursive: true });
  for (const f of [BIG, MEDIUM]) {
    const path = `${DATA}/${f.name}`;
    let ok = false;
    try {
      ok = Deno.statSync(path).size === f.size;
    } catch { /* missing */ }
    if (!ok) {
      console.error(`generating ${path} (${f.size / MiB} MiB of random bytes)`);
      const file = await Deno.open(path, { write: true, create: true, truncate: true });
      const chunk = new Uint8Array(MiB);
      for (let i = 0; i < f.size / MiB; i++) {
        for (let j = 0; j < MiB; j += 65536) crypto.getRandomValues(chunk.subarray(j, j + 65536));
        await file.write(chunk);
      }
      file.close();
    }
    // warm the page cache
    const file = await Deno.open(path);
    const buffer = new Uint8Array(8 * MiB);
    while ((await file.read(buffer)) !== null) { /* read */ }
    file.close();
  }
}

async function cliWorks(): Promise<boolean> {
  if (!exists(`${REPO}/src/app/cli.ts`)) return false;
  const spec = serverSpecs(true, true)[0];
  try {
    const server = await startServer(spec);
    try {
      await check(server);
      return true;
    } finally {
      await stopServer(server);
    }
  } catch (error) {
    console.error(`the CLI does not work yet, using bench/servers/sage.ts: ${(error as Error).message}`);
    return false;
  }
}

if (import.meta.main) {
  await ensureData();
  const useCli = !flags["own-server"] && (await cliWorks());
  const hasLogger = exists(`${REPO}/src/watch_log/mod.ts`);
  let specs = serverSpecs(useCli, hasLogger);
  if (flags.servers) {
    const wanted = flags.servers.split(",");
    specs = specs.filter((s) => wanted.includes(s.name));
  }
  const wanted = flags.workloads.split(",");
  const workloads = Object.values(WORKLOADS).filter((w) => wanted.includes(w.name));
  for (const rt of ["deno", "bun"]) {
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(`${OUT}/watch-${rt}.db${suffix}`);
      } catch { /* none */ }
    }
  }

  const cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  const memory = /MemTotal:\s*(\d+)/.exec(Deno.readTextFileSync("/proc/meminfo"))?.[1] ?? "0";
  const command = `deno run -A bench/run.ts ${Deno.args.join(" ")}`.trim();
  const meta = [
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\` (${DURATION} s per run, ${ROUNDS} rounds interleaved, wrk -t${flags.threads})`,
    `- Machine: ${cpu}, ${navigator.hardwareConcurrency} cores, ${
      Math.round(Number(memory) / 1024 / 1024)
    } GiB, Linux ${Deno.osRelease()}`,
    `- Versions: deno ${Deno.version.deno}, bun ${await version(BUN, ["--version"])}, ${await version(
      "/usr/sbin/nginx",
      ["-v"],
    )}, ${await version("wrk", ["-v"])}`,
    `- Our server: ${
      useCli
        ? "src/app/cli.ts (`--no-log`; logging on: `--db file:…`)"
        : "bench/servers/sage.ts (runtime.listen + serveStream)"
    }${hasLogger || useCli ? "" : "; logging-on variants skipped (no src/watch_log yet)"}`,
  ];
  console.error(meta.join("\n"));

  const servers: RunningServer[] = [];
  try {
    for (const spec of specs) {
      const server = await startServer(spec);
      await check(server);
      servers.push(server);
      console.error(`started ${spec.name} at ${server.base} (pid ${server.pid})`);
    }
    // JIT and page-cache warm-up, not recorded
    for (const server of servers) {
      for (const w of workloads) await runWrk(server, w, 1, -1);
    }
    const samples: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of workloads) {
        // rotate the order each round so no server always runs first or last
        const order = servers.map((_, i) => servers[(i + round) % servers.length]);
        for (const server of order) {
          const s = await runWrk(server, w, DURATION, round);
          samples.push(s);
          console.error(
            `round ${round + 1}/${ROUNDS} ${w.name.padEnd(5)} ${server.spec.name.padEnd(14)} ${
              fmt(s.rps).padStart(7)
            } req/s ${fmt(s.mbps).padStart(7)} MB/s p99 ${fmt(s.p99ms)} ms cpu ${fmt(s.cpuSeconds)} s${
              s.errors ? ` errors ${s.errors}` : ""
            }`,
          );
        }
      }
    }
    const viewerSamples: ViewerSample[] = [];
    if (wanted.includes("viewers")) {
      for (const server of servers) {
        const v = await runViewers(server, VIEWERS, HOLD);
        viewerSamples.push(v);
        console.error(
          `viewers ${server.spec.name.padEnd(14)} ${v.connected}/${v.viewers} connected, RSS ${
            fmt(v.rssBeforeMiB, 1)
          } → ${fmt(v.rssDuringMiB, 1)} MiB, ${fmt(v.perViewerMiB, 3)} MiB per viewer`,
        );
      }
    }
    const markdown = report(samples, viewerSamples, specs, workloads, meta);
    Deno.writeTextFileSync(`${OUT}/results.md`, markdown);
    Deno.writeTextFileSync(`${OUT}/results.json`, JSON.stringify({ meta, samples, viewerSamples }, null, 2));
    if (flags.results) Deno.writeTextFileSync(flags.results, `# Benchmark results\n\n${markdown}`);
    console.log(markdown);
  } finally {
    for (const server of servers) await stopServer(server);
  }
}
