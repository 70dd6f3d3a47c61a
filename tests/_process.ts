// Starts a script of this project in a child process of the runtime running the tests, and
// waits for its "Listening on http://HOST:PORT/" line.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import process from "node:process";

/** A child server process and where it listens. */
export interface ChildServer {
  child: ChildProcess;
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  origin: string;
  /** Everything the child printed so far, stdout and stderr. */
  output: () => string;
  /** Stops the child (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop: () => Promise<number | null>;
}

/** Arguments that run `script` with the current runtime. */
export function runtimeArgs(script: string): string[] {
  return "Bun" in globalThis ? [script] : ["run", "-A", script];
}

/** Spawns `script` with `args` and resolves once it prints its listening address. */
export function startScript(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<ChildServer> {
  const child = spawn(process.execPath, [...runtimeArgs(script), ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return child.exitCode;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${script} did not start listening in time:\n${text}`));
    }, timeoutMs);
    const onData = (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      const match = /Listening on (http:\/\/[^/\s]+)\//.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ child, origin: match[1], output: () => text, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before listening:\n${text}`));
    });
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
