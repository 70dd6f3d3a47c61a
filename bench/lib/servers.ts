/**
 * The servers the bench compares, as a table: ours (the CLI, or `bench/servers/sage.ts`), with
 * and without the watch log, the bare server of each runtime, and nginx. Starting, checking and
 * stopping them.
 *
 * Every script server of a runtime is started by `startScript` of `tests/_process.ts` with the
 * spec's `runtime`, so ours and the bare one always run on the same binary (`runtimeBinary`):
 * a ratio between binaries would measure the binaries.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { closedPort, waitFor } from "../../tests/_fixtures.ts";
import { REPO, startScript } from "../../tests/_process.ts";
import { BIG, DATA_DIR, MiB, OUT_DIR, readDataRange } from "./data.ts";

/** The runtimes script servers run on. */
export const SCRIPT_RUNTIMES: readonly ("deno" | "bun")[] = ["deno", "bun"];

/** Where nginx is looked for; without it the nginx reference point is left out. */
export const NGINX_BINARY = "/usr/sbin/nginx";

/** What a server is, for the report. */
export type ServerKind = "sage" | "sage+log" | "bare" | "nginx";

/** How to start one server and how to ask it for a file. */
export interface ServerSpec {
  /** The name `--servers` and the report use, e.g. `sage-deno`. */
  name: string;
  /** The runtime that runs `script`, or `"nginx"`. */
  runtime: "deno" | "bun" | "nginx";
  /** What it is, for the report. */
  kind: ServerKind;
  /** The script the runtime runs (for nginx: its binary). */
  script: string;
  /** The arguments after the script. */
  args: string[];
  /** The URL path that serves a file of bench/data. */
  path(file: string): string;
  /** Whether open-ended ranges must be sent closed (the server does not cap them itself). */
  closeOpen: boolean;
}

/** A started server. */
export interface RunningServer {
  /** How it was started. */
  spec: ServerSpec;
  /** The process whose tree's CPU and memory are measured. */
  pid: number;
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  base: string;
  /** What it printed so far. */
  output: () => string;
  /** Stops it (SIGTERM; nginx: SIGQUIT), with SIGKILL after a grace period. */
  stop: () => Promise<void>;
}

/** Which of our servers to list. */
export interface ServerChoice {
  /** Run the CLI (`src/app/cli.ts`); otherwise `bench/servers/sage.ts`. */
  cli: boolean;
  /** List the watch-log variants (`sage-<runtime>-log`). */
  logging: boolean;
}

/** Our server, run one of two ways. */
interface OurServer {
  script: string;
  args: string[];
  /** Added for the variant without the watch log. */
  logOff: string[];
  /** Added for the variant that never cuts off a stalled body (`sage-<runtime>-nostall`); none: not listed. */
  noStall?: string[];
}

const OURS: Record<"cli" | "own", OurServer> = {
  cli: {
    script: `${REPO}/src/app/cli.ts`,
    args: ["--root", DATA_DIR, "--port", "0", "--host", "127.0.0.1", "--quiet"],
    logOff: ["--no-log"],
    noStall: ["--stall-timeout", "0"],
  },
  own: { script: `${REPO}/bench/servers/sage.ts`, args: ["--root", DATA_DIR], logOff: [] },
};

/** One row per server of each runtime, in the order they run and are reported. */
interface ScriptServerRow {
  name: (runtime: string) => string;
  kind: ServerKind;
  script: (runtime: string, ours: OurServer) => string;
  args: (runtime: string, ours: OurServer) => string[];
  path: (file: string) => string;
  /** Listed only when the watch-log variants are. */
  logging?: true;
  /** Listed only when `ours` has a no-stall variant. */
  noStall?: true;
}

const streamPath = (file: string): string => `/stream?path=${file}`;
const filePath = (file: string): string => `/${file}`;

const SCRIPT_SERVERS: readonly ScriptServerRow[] = [
  {
    name: (rt) => `sage-${rt}`,
    kind: "sage",
    script: (_, ours) => ours.script,
    args: (_, ours) => [...ours.args, ...ours.logOff],
    path: streamPath,
  },
  {
    // without a stall timeout and a watch log, Deno's server may read the file itself
    name: (rt) => `sage-${rt}-nostall`,
    kind: "sage",
    script: (_, ours) => ours.script,
    args: (_, ours) => [...ours.args, ...ours.logOff, ...(ours.noStall ?? [])],
    path: streamPath,
    noStall: true,
  },
  {
    name: (rt) => `sage-${rt}-log`,
    kind: "sage+log",
    script: (_, ours) => ours.script,
    args: (rt, ours) => [...ours.args, "--db", watchDatabaseUrl(rt)],
    path: streamPath,
    logging: true,
  },
  {
    name: (rt) => `bare-${rt}`,
    kind: "bare",
    script: (rt) => `${REPO}/bench/servers/bare_${rt}.ts`,
    args: () => [DATA_DIR],
    path: filePath,
  },
];

const NGINX_DIR = `${OUT_DIR}/nginx`;
const NGINX: ServerSpec = {
  name: "nginx",
  runtime: "nginx",
  kind: "nginx",
  script: NGINX_BINARY,
  args: ["-p", NGINX_DIR, "-c", `${NGINX_DIR}/nginx.conf`, "-e", `${NGINX_DIR}/error.log`],
  path: filePath,
  closeOpen: true,
};

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/**
 * The servers available here, in the order they run: per runtime ours, ours with the watch log,
 * the bare one; then nginx when it is installed.
 *
 * @param choice Which of our servers, and whether the watch-log variants are listed.
 * @returns One spec per server.
 */
export function serverSpecs(choice: ServerChoice): ServerSpec[] {
  const ours = choice.cli ? OURS.cli : OURS.own;
  const specs: ServerSpec[] = [];
  for (const runtime of SCRIPT_RUNTIMES) {
    for (const row of SCRIPT_SERVERS) {
      if (row.logging && !choice.logging) continue;
      if (row.noStall && ours.noStall === undefined) continue;
      specs.push({
        name: row.name(runtime),
        runtime,
        kind: row.kind,
        script: row.script(runtime, ours),
        args: row.args(runtime, ours),
        path: row.path,
        closeOpen: false,
      });
    }
  }
  if (existsSync(NGINX_BINARY)) specs.push(NGINX);
  return specs;
}

/**
 * The libSQL URL of the watch-log variant's database on `runtime`.
 *
 * @param runtime `deno` or `bun`.
 * @returns A `file:` URL under `bench/out/`.
 */
export function watchDatabaseUrl(runtime: string): string {
  return `file:${OUT_DIR}/watch-${runtime}.db`;
}

/** Removes the watch-log variants' databases, so every run starts from empty ones. */
export function removeWatchDatabases(): void {
  for (const runtime of SCRIPT_RUNTIMES) {
    const path = watchDatabaseUrl(runtime).slice("file:".length);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  }
}

/**
 * Starts a server and waits until it accepts requests: a script server prints its Listening
 * line, nginx accepts a connection.
 *
 * @param spec The server.
 * @returns The running server.
 * @throws {Error} When it does not start within 20 s (it is stopped, its output in the message).
 */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  if (spec.runtime === "nginx") return await _startNginx(spec);
  const child = await startScript(spec.script, spec.args, {
    runtime: spec.runtime,
    cwd: REPO,
    timeoutMs: START_TIMEOUT_MS,
  });
  return {
    spec,
    pid: child.child.pid!,
    base: child.origin,
    output: child.output,
    stop: async () => void await child.stop(STOP_GRACE_MS),
  };
}

/**
 * The longest answer our server and the bare ones give to an open-ended range from a media
 * element; nginx does not cap, so the workloads send it the same span as a closed range (same
 * bytes on the wire).
 */
export const OPEN_CAP: number = 8 * MiB;

/**
 * Checks that `server` answers the workloads' kinds of range with the file's exact bytes, and
 * caps an open-ended range at {@linkcode OPEN_CAP} unless it is sent closed: a server that
 * answers fast with wrong bytes, or with other lengths than the others, is not measured.
 *
 * @param server The running server.
 * @throws {Error} On the first answer that is not a 206 with the expected bytes.
 */
export async function checkServer(server: RunningServer): Promise<void> {
  const cases: [start: number, end: number | null, expectedEnd: number][] = [
    [0, 1, 1],
    [123_456_789, 123_456_789 + MiB - 1, 123_456_789 + MiB - 1],
    [BIG.size - 1000, null, BIG.size - 1],
  ];
  if (!server.spec.closeOpen) cases.push([MiB, null, MiB + OPEN_CAP - 1]);
  for (const [start, end, expectedEnd] of cases) {
    const range = `bytes=${start}-${end ?? ""}`;
    const res = await fetch(server.base + server.spec.path(BIG.name), {
      headers: { range, "sec-fetch-dest": "video" }, // as the workloads send it
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const expected = await readDataRange(BIG.name, start, expectedEnd - start + 1);
    const same = res.status === 206 && body.length === expected.length &&
      body.every((b, i) => b === expected[i]);
    if (!same) {
      throw new Error(`${server.spec.name}: wrong answer for ${range}: ${res.status}, ${body.length} bytes`);
    }
  }
}

/**
 * Whether the CLI starts and answers correctly on Deno; when not, the bench runs
 * `bench/servers/sage.ts` instead and says why on stderr.
 *
 * @returns `true` when the CLI passed {@linkcode checkServer}.
 */
export async function cliServes(): Promise<boolean> {
  if (!existsSync(OURS.cli.script)) return false;
  const [spec] = serverSpecs({ cli: true, logging: false });
  let server: RunningServer | null = null;
  try {
    server = await startServer(spec);
    await checkServer(server);
    return true;
  } catch (error) {
    console.error(`the CLI does not work yet, using bench/servers/sage.ts: ${(error as Error).message}`);
    return false;
  } finally {
    await server?.stop();
  }
}

async function _startNginx(spec: ServerSpec): Promise<RunningServer> {
  const port = await closedPort();
  _writeNginxConfig(port);
  const child = spawn(spec.script, spec.args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => output += s);
  child.stderr!.setEncoding("utf8").on("data", (s: string) => output += s);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGQUIT"); // nginx's graceful stop
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${spec.name} on port ${port}`, () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error("it exited");
      return _accepts(port);
    }, START_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw new Error(`${spec.name} did not start: ${(error as Error).message}:\n${output}`);
  }
  return { spec, pid: child.pid!, base, output: () => output, stop };
}

async function _accepts(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

function _writeNginxConfig(port: number): void {
  mkdirSync(NGINX_DIR, { recursive: true });
  const config = readFileSync(`${REPO}/bench/nginx.conf`, "utf8")
    .replaceAll("{{PORT}}", String(port))
    .replaceAll("{{OUT}}", NGINX_DIR)
    .replaceAll("{{ROOT}}", DATA_DIR);
  writeFileSync(`${NGINX_DIR}/nginx.conf`, config);
}
