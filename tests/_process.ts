// The one way tests start processes: a script of this project on the runtime running the tests
// (or on another one), a server waited for until it prints "Listening on http://HOST:PORT/",
// and commands run to their end.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";
import { runtime } from "../src/runtime/mod.ts";

/** The repository's root directory. */
export const REPO: string = resolve(import.meta.dirname ?? ".", "..");

/**
 * How each runtime runs a script with every permission: one entry per runtime adapter, keyed by
 * its `name` (adding a runtime adds one here; see `src/runtime/mod.ts`, and
 * `tests/runtime/contract_test.ts` checks the two lists match). The binary of the runtime
 * running the tests is `process.execPath`; others come from npm.
 */
const SCRIPT_ARGS: Record<string, (script: string) => string[]> = {
  deno: (script) => ["run", "-A", script],
  bun: (script) => [script],
};

/** The runtimes a script can be started on from here. */
export const RUNTIME_NAMES: readonly string[] = Object.keys(SCRIPT_ARGS);

/** The name of the runtime running the tests. */
export const CURRENT_RUNTIME: string = runtime.name;

/** Arguments that run `script` on `runtimeName` (default: the one running the tests). */
export function runtimeArgs(script: string, runtimeName: string = CURRENT_RUNTIME): string[] {
  const args = SCRIPT_ARGS[runtimeName];
  if (args === undefined) throw new Error(`No way to run a script on "${runtimeName}" in tests/_process.ts`);
  return args(script);
}

/** The binary of `runtimeName`: this process's own, or the one npm installed. */
export function runtimeBinary(runtimeName: string = CURRENT_RUNTIME): string {
  return runtimeName === CURRENT_RUNTIME ? process.execPath : join(REPO, "node_modules/.bin", runtimeName);
}

/** How {@linkcode spawnScript} and {@linkcode startScript} start a script. */
export interface ScriptOptions {
  /** Added to the environment (`NO_COLOR=1` is always set). */
  env?: Record<string, string>;
  /** The working directory. */
  cwd?: string;
  /** The runtime to run it on. Default: the one running the tests. */
  runtime?: string;
  /** How long `startScript` waits for the Listening line. Default: 30 s. */
  timeoutMs?: number;
}

/** A child process running a script, with what it printed so far. */
export interface ChildScript {
  child: ChildProcess;
  /** The runtime it runs on. */
  runtime: string;
  stdout: () => string;
  stderr: () => string;
  /** stdout and stderr, interleaved as they arrived. */
  output: () => string;
  /** Resolves with the exit code (`null` when a signal ended it). */
  exited: Promise<number | null>;
  /** Whether it is still running. */
  alive: () => boolean;
  /**
   * Sends `name` by pid: Deno's `child.kill()` reports the signal as the exit cause even when
   * the child handled it and exited with a code.
   */
  signal: (name: NodeJS.Signals) => void;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>;
}

/** A child server and where it listens. */
export interface ChildServer extends ChildScript {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  origin: string;
  port: number;
}

/** Starts `script` with `args` and returns at once. */
export function spawnScript(script: string, args: string[] = [], options: ScriptOptions = {}): ChildScript {
  const { env = {}, cwd, runtime: runtimeName = CURRENT_RUNTIME } = options;
  const child = spawn(runtimeBinary(runtimeName), [...runtimeArgs(script, runtimeName), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let both = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s, both += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s, both += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signal = (name: NodeJS.Signals) => {
    if (alive()) process.kill(child.pid!, name);
  };
  const stop = async (graceMs = 10_000) => {
    if (alive()) {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return child.exitCode;
  };
  return {
    child,
    runtime: runtimeName,
    stdout: () => out,
    stderr: () => err,
    output: () => both,
    exited,
    alive,
    signal,
    stop,
  };
}

/**
 * Starts `script` and resolves once it prints its listening address (the banner is one write,
 * so what follows the Listening line is there too); rejects, stopping it, when it exits first
 * or `timeoutMs` pass.
 */
export function startScript(
  script: string,
  args: string[] = [],
  options: ScriptOptions = {},
): Promise<ChildServer> {
  const { timeoutMs = 30_000 } = options;
  const running = spawnScript(script, args, options);
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const match = /^Listening on (http:\/\/[^/\s]+:(\d+))\//m.exec(running.stdout());
      if (match) {
        resolve({ ...running, origin: match[1], port: Number(match[2]) });
      } else if (!running.alive() || Date.now() > deadline) {
        void running.stop(1000);
        const why = running.alive()
          ? `did not start listening within ${timeoutMs} ms`
          : "exited before listening";
        reject(new Error(`${script} on ${running.runtime} ${why}:\n${running.output()}`));
      } else {
        setTimeout(poll, 20);
      }
    };
    poll();
  });
}

/** What a finished command printed, and its exit code (1 when it was killed or timed out). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` to its end (at most `timeout` ms) and collects its output. */
export function runCommand(command: string, args: string[], timeout = 60_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
