/**
 * The command-line server: serves `GET /stream?path=…` from a media directory, with the watch
 * log on by default.
 *
 * ```sh
 * deno run -A jsr:@sage/stream/cli --root ./videos
 * bun src/app/cli.ts --root ./videos
 * ```
 *
 * @module
 */

import { statSync } from "node:fs";
import process from "node:process";
import { formatAccessLine } from "./access_log.ts";
import { base64url } from "../core/http.ts";
import { isLongEnoughSecret } from "../core/secret.ts";
import { clientAddressOf, PROXY_HEADERS, type ProxyHeader } from "../endpoint/client_address.ts";
import { createApp } from "./app.ts";
import { runtime, type RuntimeHandler } from "../runtime/mod.ts";
import type { ChunkCapScope } from "../serve/serve_stream.ts";
import { createWatchLogger, type WatchLogger } from "../watch_log/mod.ts";
import { redactUrl } from "../watch_log/connection.ts";

/** A request handler that {@linkcode withAccessLog} wraps: any handler `listen` takes. */
export type RouteHandler = RuntimeHandler;

/** The settings of the command-line server, as {@linkcode parseArgs} reads them. */
export interface CliOptions {
  /** `--root DIR`: the media directory. */
  root: string;
  /** `--port N`: `0` picks a free port. */
  port: number;
  /** `--host H`: the address to listen on. */
  host: string;
  /** `--max-chunk BYTES`: the longest open-ended range response; `undefined` keeps 8 MiB. */
  maxChunkSize?: number;
  /** `--max-chunk-for media-elements|all`: which requests `--max-chunk` shortens. */
  maxChunkSizeFor?: ChunkCapScope;
  /**
   * `--allow-host NAME` (repeatable): DNS names answered besides IP addresses and `localhost`;
   * `*` answers any.
   */
  allowHosts?: string[];
  /** `--cors ORIGIN` (repeatable): allowed cross-origin callers, `*` for any. */
  cors?: string[];
  /** `--signing-secret S`: require URLs signed with `signStreamUrl`. */
  signingSecret?: string;
  /** `--trust-proxy[=N]`: how many proxies in front are trusted for the client's address. */
  trustProxy: number;
  /** `--proxy-header x-forwarded-for|forwarded`: the header the trusted proxy sets. */
  proxyHeader?: ProxyHeader;
  /** `--db URL`: where the watch log is written (libSQL URL). */
  db: string;
  /** `--db-token T`: the token for a libSQL server (or `SAGE_STREAM_DB_TOKEN`). */
  dbToken?: string;
  /** `--db-spool PATH`: where events wait while the database cannot take them. */
  dbSpool?: string;
  /** `false` with `--no-log`. */
  log: boolean;
  /** `--admin-token T`: the admin's token; a random one is made when the watch log is on. */
  adminToken?: string;
  /**
   * `--player` / `--no-player`: serve the player page at `/`; `undefined` serves it unless URLs
   * must be signed (the page would sign every path for anyone).
   */
  player?: boolean;
  /** `--quiet`: no access log on stderr. */
  quiet: boolean;
  /** `--help`. */
  help: boolean;
}

/** The result of {@linkcode parseArgs}: the options, or a message for a bad command line. */
export type ParsedArgs = { ok: true; options: CliOptions } | { ok: false; error: string };

/** Where {@linkcode main} writes; defaults to the process's stdout and stderr. */
export interface MainOptions {
  /** Receives the `Listening on …` line and `--help`. */
  stdout?: { write(text: string): unknown };
  /** Receives the access log and errors. */
  stderr?: { write(text: string): unknown };
  /** Stops the server when aborted, like SIGINT/SIGTERM (for tests and embedding). */
  signal?: AbortSignal;
  /**
   * Where `SAGE_STREAM_SIGNING_SECRET` and `SAGE_STREAM_ADMIN_TOKEN` are read, so secrets need
   * not appear on a command line (visible to every user in `ps`). Flags win over them.
   *
   * @default {process.env}
   */
  env?: Record<string, string | undefined>;
}

/** Secrets taken from the environment when their flag is not given, as flags. */
function _secretsFromEnv(args: readonly string[], env: Record<string, string | undefined>): string[] {
  const given = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  const extra: string[] = [];
  const secret = env.SAGE_STREAM_SIGNING_SECRET;
  if (secret && !given("--signing-secret")) extra.push(`--signing-secret=${secret}`);
  const token = env.SAGE_STREAM_ADMIN_TOKEN;
  if (token && !given("--admin-token") && !args.includes("--no-log")) extra.push(`--admin-token=${token}`);
  const dbToken = env.SAGE_STREAM_DB_TOKEN;
  if (dbToken && !given("--db-token") && !args.includes("--no-log")) extra.push(`--db-token=${dbToken}`);
  return extra;
}

/** The text printed by `--help`. */
export const USAGE: string = `Usage: sage-stream [options]

Serves GET /stream?path=FILE from a media directory (ranges, conditional requests,
multipart), a player page at / and, with the watch log, a read-only admin at /admin;
records who watched what in a libSQL watch log.

Options:
  --root DIR             media directory (default: .)
  --port N               port, 0 for any free one (default: 8000)
  --host H               address to listen on (default: 127.0.0.1)
  --max-chunk BYTES      longest answer to a browser media element's open-ended
                         range, 0 for no cap (default: 8388608)
  --max-chunk-for SCOPE  which requests --max-chunk shortens: media-elements
                         (browsers' <video>/<audio>, which ask again) or all
                         (truncates downloads; default: media-elements)
  --allow-host NAME      answer requests for this host name (".example.com" for
                         it and its subdomains; "*" for any; repeatable). IP
                         addresses and localhost are always answered; other names
                         get 403, against DNS rebinding (default: none)
  --cors ORIGIN          allow cross-origin players; "*" for any (repeatable)
  --signing-secret S     only serve URLs signed with this secret (16+ bytes)
  --trust-proxy[=N]      take the client's address from the proxy's forwarding
                         header, trusting N proxies in front (default N: 1)
  --proxy-header H       that header: x-forwarded-for or forwarded (RFC 7239);
                         only it is read (default: x-forwarded-for)
  --db URL               watch-log database, a libSQL URL: file:PATH, or a libSQL
                         server (sqld, Turso) shared by several servers, such as
                         libsql://db.example.com or http://127.0.0.1:8080
                         (default: file:watch-log.db)
  --db-token T           token for that server (better: SAGE_STREAM_DB_TOKEN)
  --db-spool PATH        where events wait while the database is unreachable
                         (default: beside a file:, else ./watch-log-spool.db)
  --no-log               do not record a watch log (and serve no admin)
  --admin-token T        token for the admin at /admin (16+ bytes; default: a random
                         one, printed at start-up)
  --player, --no-player  serve the player page at / (default: on, but off with
                         --signing-secret: the page signs every file for anyone)
  --quiet                no access log on stderr
  --help                 show this help

Environment: SAGE_STREAM_SIGNING_SECRET, SAGE_STREAM_ADMIN_TOKEN and
SAGE_STREAM_DB_TOKEN stand in for --signing-secret, --admin-token and --db-token,
so secrets stay out of the process list.

The server starts and streams while the watch-log database is unreachable: events
wait in the spool and are written when it is back. SIGINT, SIGTERM and SIGHUP stop
it cleanly (the watch log is written or spooled first).
`;

const VALUE_FLAGS = new Set([
  "root",
  "port",
  "host",
  "max-chunk",
  "max-chunk-for",
  "proxy-header",
  "allow-host",
  "cors",
  "signing-secret",
  "db",
  "db-token",
  "db-spool",
  "admin-token",
]);
const BOOLEAN_FLAGS = new Set(["no-log", "player", "no-player", "quiet", "help"]);

function wholeNumber(text: string, flag: string, max: number): number | string {
  if (!/^[0-9]+$/.test(text) || Number(text) > max) {
    return `--${flag} must be a whole number from 0 to ${max}, got "${text}"`;
  }
  return Number(text);
}

/**
 * Reads the command line (without the runtime and script arguments). Flags take their value as
 * the next argument or after `=`. Pure: it does not look at the disk.
 *
 * @param args The arguments, such as `process.argv.slice(2)`.
 * @returns The options, or the message explaining what is wrong.
 *
 * @example Usage
 * ```ts
 * import { parseArgs } from "@sage/stream/cli";
 * import assert from "node:assert/strict";
 *
 * const parsed = parseArgs(["--root", "videos", "--port=0", "--no-log"]);
 * assert.equal(parsed.ok && parsed.options.port, 0);
 * assert.deepEqual(parseArgs(["--port", "http"]), {
 *   ok: false,
 *   error: '--port must be a whole number from 0 to 65535, got "http"',
 * });
 * ```
 */
export function parseArgs(args: readonly string[]): ParsedArgs {
  const options: CliOptions = {
    root: ".",
    port: 8000,
    host: "127.0.0.1",
    trustProxy: 0,
    db: "file:watch-log.db",
    log: true,
    quiet: false,
    help: false,
  };
  let dbGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (match === null) return { ok: false, error: `unexpected argument "${arg}"` };
    const [, name, inline] = match;
    if (name === "trust-proxy") {
      if (inline === undefined) options.trustProxy = 1;
      else {
        const hops = wholeNumber(inline, name, 100);
        if (typeof hops === "string") return { ok: false, error: hops };
        options.trustProxy = hops;
      }
      continue;
    }
    if (BOOLEAN_FLAGS.has(name)) {
      if (inline !== undefined) return { ok: false, error: `--${name} takes no value` };
      if (name === "no-log") options.log = false;
      else if (name === "player" || name === "no-player") options.player = name === "player";
      else if (name === "quiet") options.quiet = true;
      else options.help = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return { ok: false, error: `unknown option "--${name}"` };
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
        return { ok: false, error: `--${name} needs a value` };
      }
      value = args[++i];
    }
    switch (name) {
      case "root":
        if (value === "") return { ok: false, error: "--root must not be empty" };
        options.root = value;
        break;
      case "port": {
        const port = wholeNumber(value, name, 65535);
        if (typeof port === "string") return { ok: false, error: port };
        options.port = port;
        break;
      }
      case "host":
        if (!/^[0-9A-Za-z.:_-]+$/.test(value)) {
          return { ok: false, error: `--host is not an address: "${value}"` };
        }
        options.host = value;
        break;
      case "max-chunk": {
        const size = wholeNumber(value, name, Number.MAX_SAFE_INTEGER);
        if (typeof size === "string") return { ok: false, error: size };
        options.maxChunkSize = size;
        break;
      }
      case "max-chunk-for":
        if (value !== "media-elements" && value !== "all") {
          return { ok: false, error: `--max-chunk-for must be media-elements or all, got "${value}"` };
        }
        options.maxChunkSizeFor = value;
        break;
      case "proxy-header":
        if (!(PROXY_HEADERS as readonly string[]).includes(value)) {
          return { ok: false, error: `--proxy-header must be x-forwarded-for or forwarded, got "${value}"` };
        }
        options.proxyHeader = value as ProxyHeader;
        break;
      case "allow-host":
        if (!/^(\*|\.?[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)*\.?)$/.test(value)) {
          return { ok: false, error: `--allow-host is not a host name: "${value}"` };
        }
        (options.allowHosts ??= []).push(value);
        break;
      case "cors":
        if (value === "") return { ok: false, error: "--cors needs an origin or *" };
        (options.cors ??= []).push(value);
        break;
      case "signing-secret":
        if (!isLongEnoughSecret(value)) {
          return { ok: false, error: "--signing-secret must be at least 16 bytes long" };
        }
        options.signingSecret = value;
        break;
      case "db":
        if (!/^(file:|libsql:|https?:|wss?:|:memory:$)/i.test(value)) {
          return {
            ok: false,
            error: "--db needs a libSQL URL: file:PATH, libsql://, http(s):// or ws(s)://",
          };
        }
        options.db = value;
        dbGiven = true;
        break;
      case "db-token":
        if (value === "") return { ok: false, error: "--db-token needs the libSQL server's token" };
        options.dbToken = value;
        dbGiven = true;
        break;
      case "db-spool":
        if (value === "") return { ok: false, error: "--db-spool needs a file path" };
        options.dbSpool = value;
        dbGiven = true;
        break;
      case "admin-token":
        if (!isLongEnoughSecret(value)) {
          return { ok: false, error: "--admin-token must be at least 16 bytes long" };
        }
        options.adminToken = value;
        break;
    }
  }
  if (dbGiven && !options.log) {
    return { ok: false, error: "--db, --db-token and --db-spool cannot be used with --no-log" };
  }
  if (options.adminToken !== undefined && !options.log) {
    return {
      ok: false,
      error: "--admin-token and --no-log cannot be used together: the admin shows the watch log",
    };
  }
  return { ok: true, options };
}

/**
 * Wraps a handler so that it writes one access-log line per request to `log`.
 *
 * @param handler The handler.
 * @param log Receives access-log lines.
 * @param trustProxy Proxies trusted for the logged client address.
 * @param proxyHeader The forwarding header those proxies set.
 * @returns The wrapped handler.
 */
export function withAccessLog(
  handler: RouteHandler,
  log: (line: string) => void,
  trustProxy = 0,
  proxyHeader: ProxyHeader = "x-forwarded-for",
): RouteHandler {
  return async (req, info) => {
    const started = performance.now();
    const res = await handler(req, info);
    const url = new URL(req.url);
    const length = res.headers.get("content-length");
    log(formatAccessLine({
      time: new Date(),
      clientAddress: clientAddressOf(req, info, trustProxy, proxyHeader),
      method: req.method,
      target: url.pathname + url.search,
      status: res.status,
      length: length === null ? null : Number(length),
      durationMs: performance.now() - started,
    }));
    return res;
  };
}

/** Signals that stop the server cleanly: SIGHUP too, which would otherwise kill it unflushed. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** How long start-up waits for the watch-log database before serving without it. */
const STARTUP_CHECK_MS = 3000;

function _within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** An error's message without the database token, which a driver may echo. */
function _message(error: unknown, token: string | undefined): string {
  const text = error instanceof Error ? error.message : String(error);
  return token ? text.split(token).join("***") : text;
}

/** 24 random bytes, base64url: the admin token made when none is given. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return base64url(bytes);
}

/**
 * Runs the command-line server until SIGINT, SIGTERM, SIGHUP or `options.signal`: then in-flight
 * streams are cut off, their files released, and the watch log flushed and closed.
 *
 * @param args The command line, such as `process.argv.slice(2)`.
 * @param options Where to write, and a signal to stop, see {@linkcode MainOptions}.
 * @returns The exit code: `0` after a clean stop or `--help`, `2` for a bad command line, `1`
 *   when the server cannot start. An unreachable watch-log database does not stop it: events
 *   wait in the spool.
 *
 * @example Usage
 * ```ts ignore
 * import { main } from "@sage/stream/cli";
 * import process from "node:process";
 *
 * process.exitCode = await main(["--root", "./videos", "--port", "8080"]);
 * ```
 */
export async function main(args: readonly string[], options: MainOptions = {}): Promise<number> {
  const { stdout = process.stdout, stderr = process.stderr, signal, env = process.env } = options;
  const parsed = parseArgs([...args, ..._secretsFromEnv(args, env)]);
  if (!parsed.ok) {
    stderr.write(`sage-stream: ${parsed.error}\nTry --help for the options.\n`);
    return 2;
  }
  const cli = parsed.options;
  if (cli.help) {
    stdout.write(USAGE);
    return 0;
  }
  let isDirectory = false;
  try {
    isDirectory = statSync(cli.root).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) {
    stderr.write(`sage-stream: --root is not a directory: "${cli.root}"\n`);
    return 2;
  }

  let watchLog: WatchLogger | null = null;
  let watchLogState = "";
  if (cli.log) {
    const where = redactUrl(cli.db);
    try {
      watchLog = createWatchLogger({
        url: cli.db,
        authToken: cli.dbToken,
        spoolPath: cli.dbSpool,
        onError: (error) =>
          stderr.write(`sage-stream: watch log (${where}): ${_message(error, cli.dbToken)}\n`),
      });
    } catch (error) {
      stderr.write(`sage-stream: cannot use the watch log "${where}": ${_message(error, cli.dbToken)}\n`);
      return 2;
    }
    // Streaming never waits on the database: an unreachable one is reported, not fatal.
    try {
      await _within(STARTUP_CHECK_MS, watchLog.flush());
      watchLogState = `  Watch log: ${where}\n`;
    } catch (error) {
      watchLogState = `  Watch log: ${where} is unavailable (${
        _message(error, cli.dbToken)
      }); events wait in the spool until it is back\n`;
    }
  }

  const adminToken = cli.adminToken ?? (watchLog ? randomToken() : undefined);
  const app = createApp({
    root: cli.root,
    maxChunkSize: cli.maxChunkSize,
    maxChunkSizeFor: cli.maxChunkSizeFor,
    cors: cli.cors === undefined ? undefined : cli.cors.includes("*") ? "*" : cli.cors,
    signingSecret: cli.signingSecret,
    trustProxy: cli.trustProxy,
    proxyHeader: cli.proxyHeader,
    watchLog: watchLog ?? undefined,
    adminToken,
    player: cli.player,
    allowedHosts: cli.allowHosts?.includes("*") ? true : cli.allowHosts ?? [],
  });
  const handler = cli.quiet ? app : withAccessLog(
    app,
    (line) => stderr.write(line + "\n"),
    cli.trustProxy,
    cli.proxyHeader,
  );
  let listener;
  try {
    listener = await runtime.listen({ hostname: cli.host, port: cli.port, handler });
  } catch (error) {
    stderr.write(`sage-stream: cannot listen on ${cli.host}:${cli.port}: ${(error as Error).message}\n`);
    await watchLog?.close();
    return 1;
  }
  const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
  const base = `http://${host}:${listener.port}`;
  const playerOn = cli.player ?? cli.signingSecret === undefined;
  let banner = `Listening on ${base}/\n` +
    (playerOn
      ? `  Player: ${base}/\n`
      : "  Player: off (URLs must be signed; --player serves it to anyone)\n");
  if (adminToken !== undefined) {
    const shown = cli.adminToken === undefined ? `token: ${adminToken}` : "token from --admin-token";
    banner += `  Admin:  ${base}/admin/  (${shown})\n`;
  }
  banner += watchLogState;
  stdout.write(banner); // one write, so readers of the Listening line see the rest with it

  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const name of STOP_SIGNALS) process.off(name, stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    for (const name of STOP_SIGNALS) process.on(name, stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop);
  });

  await listener.close({ force: true });
  await watchLog?.close();
  return 0;
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
