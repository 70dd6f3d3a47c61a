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
import { parseArgs as nodeParseArgs } from "node:util";
import process from "node:process";
import { withAccessLog } from "./access_log.ts";
import { base64url } from "../core/http.ts";
import { isLongEnoughSecret, MIN_SECRET_BYTES } from "../core/secret.ts";
import { PROXY_HEADERS, type ProxyHeader } from "../endpoint/client_address.ts";
import { createApp, PLAYER_PACING } from "./app.ts";
import { checkMediaDirectory, formatCheckReport } from "./check.ts";
import type { PacingOptions } from "../core/pacing.ts";
import { type Listener, runtime, type RuntimeHandler } from "../runtime/mod.ts";
import type { ChunkCapScope } from "../serve/serve_stream.ts";
import { createWatchLogger, type WatchLogger } from "../watch_log/mod.ts";
import { redactUrl } from "../watch_log/connection.ts";

/** A request handler that {@linkcode withAccessLog} wraps: any handler `listen` takes. */
export type RouteHandler = RuntimeHandler;

export { withAccessLog };
export type { ChunkCapScope, PacingOptions, ProxyHeader, RuntimeHandler };

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
  /** `--stall-timeout SECONDS`: cut off a body unread this long; `undefined` keeps 120 s. */
  stallTimeoutSeconds?: number;
  /** `--fast-start`: serve MP4s whose index is at the end as if it came first. */
  fastStart?: boolean;
  /** `false` with `--no-clips`: ignore `start=` and `end=`. */
  clips?: boolean;
  /** `--pace RATE`: bytes per second, or a multiple of the file's bitrate; `"off"`: no pacing. */
  paceRate?: PacingOptions["rate"] | "off";
  /** `--pace-after AMOUNT`: bytes, or seconds of media, sent at full speed first. */
  paceAfter?: PacingOptions["after"];
  /** `--pace-for media-elements|all`: which requests are paced. */
  paceFor?: ChunkCapScope;
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

/** Something text is written to: `process.stdout`, `process.stderr`, or a test's collector. */
export interface Writer {
  /** Writes `text`. */
  write(text: string): unknown;
}

/** Where {@linkcode main} writes; defaults to the process's stdout and stderr. */
export interface MainOptions {
  /** Receives the `Listening on …` line and `--help`. */
  stdout?: Writer;
  /** Receives the access log and errors. */
  stderr?: Writer;
  /** Stops the server when aborted, like SIGINT/SIGTERM (for tests and embedding). */
  signal?: AbortSignal;
  /**
   * Where `SAGE_STREAM_SIGNING_SECRET`, `SAGE_STREAM_ADMIN_TOKEN` and `SAGE_STREAM_DB_TOKEN`
   * are read, so secrets need not appear on a command line (visible to every user in `ps`).
   * Flags win over them.
   *
   * @default {process.env}
   */
  env?: Record<string, string | undefined>;
}

/** The text printed by `--help`. */
export const USAGE: string = `Usage: sage-stream [options]
       sage-stream check DIR   list the media files under DIR that do not stream well

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
  --fast-start           serve MP4 files whose index (moov) is at the end as if it
                         came first (media bytes are not copied)
  --no-clips             ignore start= and end= (default: answer them with a clip
                         of an MP4, from the key frame before start)
  --pace RATE            pace each response after its burst: bytes per second
                         (500000), a multiple of the file's bitrate (1.5x), or
                         off (default: 1.25x, so players fetch as they play and
                         the watch log sees what was reached)
  --pace-after AMOUNT    the burst sent at full speed first: bytes (4000000) or
                         seconds of media (10s) (default: 4s, 0 with --pace)
  --pace-for SCOPE       which requests are paced: media-elements (browsers'
                         <video>/<audio>) or all (default: media-elements)
  --stall-timeout S      cut off a response body its client has not read for S
                         seconds (on Deno; Bun's idle timeout is 120 s); 0 never,
                         which also lets Deno's server read files itself, faster,
                         when the watch log is off (default: 120)
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

/** Checks a flag's value and sets it in `options`; returns why the value is refused, if it is. */
type ValueFlag = (value: string, options: CliOptions) => string | undefined;

/** A whole number from 0 to `max`, or `undefined` when `text` is not one. */
function wholeNumber(text: string, max: number): number | undefined {
  return /^[0-9]+$/.test(text) && Number(text) <= max ? Number(text) : undefined;
}

/** A flag whose value is a whole number from 0 to `max`. */
function numberFlag(flag: string, max: number, set: (options: CliOptions, n: number) => void): ValueFlag {
  return (value, options) => {
    const n = wholeNumber(value, max);
    if (n === undefined) return `--${flag} must be a whole number from 0 to ${max}, got "${value}"`;
    set(options, n);
  };
}

/** A flag whose value is a secret, at least `MIN_SECRET_BYTES` long. */
function secretFlag(flag: string, set: (options: CliOptions, secret: string) => void): ValueFlag {
  return (value, options) => {
    if (!isLongEnoughSecret(value)) return `--${flag} must be at least ${MIN_SECRET_BYTES} bytes long`;
    set(options, value);
  };
}

/** A flag whose value must match `pattern`; `refusal` explains a value that does not. */
function patternFlag(
  pattern: RegExp,
  refusal: (value: string) => string,
  set: (options: CliOptions, value: string) => void,
): ValueFlag {
  return (value, options) => {
    if (!pattern.test(value)) return refusal(value);
    set(options, value);
  };
}

/** A flag whose value must not be empty; `refusal` explains an empty one. */
function nonEmptyFlag(refusal: string, set: (options: CliOptions, value: string) => void): ValueFlag {
  return patternFlag(/./s, () => refusal, set);
}

const HOST_REGEXP = /^[0-9A-Za-z.:_-]+$/;
const HOST_NAME_REGEXP = /^(\*|\.?[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)*\.?)$/;
const DB_URL_REGEXP = /^(file:|libsql:|https?:|wss?:|:memory:$)/i;
const CHUNK_CAP_SCOPE_REGEXP = /^(media-elements|all)$/;
const PROXY_HEADER_REGEXP = new RegExp(`^(${PROXY_HEADERS.join("|")})$`);
const PACE_REGEXP = /^([1-9]\d{0,11}|\d{1,3}(\.\d{1,3})?x|off)$/;
const PACE_AFTER_REGEXP = /^(\d{1,12}|\d{1,6}(\.\d{1,3})?s)$/;

/** The flags that take a value, after `=` or as the next argument. */
const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  root: nonEmptyFlag("--root must not be empty", (o, v) => o.root = v),
  port: numberFlag("port", 65535, (o, n) => o.port = n),
  host: patternFlag(HOST_REGEXP, (v) => `--host is not an address: "${v}"`, (o, v) => o.host = v),
  "max-chunk": numberFlag("max-chunk", Number.MAX_SAFE_INTEGER, (o, n) => o.maxChunkSize = n),
  "max-chunk-for": patternFlag(
    CHUNK_CAP_SCOPE_REGEXP,
    (v) => `--max-chunk-for must be media-elements or all, got "${v}"`,
    (o, v) => o.maxChunkSizeFor = v as ChunkCapScope,
  ),
  "stall-timeout": numberFlag("stall-timeout", 86_400, (o, n) => o.stallTimeoutSeconds = n),
  pace: patternFlag(
    PACE_REGEXP,
    (v) => `--pace must be bytes per second (500000), a multiple of the bitrate (1.5x) or off, got "${v}"`,
    (o, v) =>
      o.paceRate = v === "off" ? "off" : v.endsWith("x") ? { bitrate: Number(v.slice(0, -1)) } : Number(v),
  ),
  "pace-for": patternFlag(
    CHUNK_CAP_SCOPE_REGEXP,
    (v) => `--pace-for must be media-elements or all, got "${v}"`,
    (o, v) => o.paceFor = v as ChunkCapScope,
  ),
  "pace-after": patternFlag(
    PACE_AFTER_REGEXP,
    (v) => `--pace-after must be bytes (4000000) or seconds of media (10s), got "${v}"`,
    (o, v) => o.paceAfter = v.endsWith("s") ? { seconds: Number(v.slice(0, -1)) } : Number(v),
  ),
  "proxy-header": patternFlag(
    PROXY_HEADER_REGEXP,
    (v) => `--proxy-header must be x-forwarded-for or forwarded, got "${v}"`,
    (o, v) => o.proxyHeader = v as ProxyHeader,
  ),
  "allow-host": patternFlag(
    HOST_NAME_REGEXP,
    (v) => `--allow-host is not a host name: "${v}"`,
    (o, v) => (o.allowHosts ??= []).push(v),
  ),
  cors: nonEmptyFlag("--cors needs an origin or *", (o, v) => (o.cors ??= []).push(v)),
  "signing-secret": secretFlag("signing-secret", (o, v) => o.signingSecret = v),
  db: patternFlag(
    DB_URL_REGEXP,
    () => "--db needs a libSQL URL: file:PATH, libsql://, http(s):// or ws(s)://",
    (o, v) => o.db = v,
  ),
  "db-token": nonEmptyFlag("--db-token needs the libSQL server's token", (o, v) => o.dbToken = v),
  "db-spool": nonEmptyFlag("--db-spool needs a file path", (o, v) => o.dbSpool = v),
  "admin-token": secretFlag("admin-token", (o, v) => o.adminToken = v),
};

/** The flags whose value is optional: only after `=`, so they never take the next argument. */
const OPTIONAL_VALUE_FLAGS: Readonly<Record<string, { absent: string; flag: ValueFlag }>> = {
  "trust-proxy": { absent: "1", flag: numberFlag("trust-proxy", 100, (o, n) => o.trustProxy = n) },
};

/** The flags that take no value. */
const BOOLEAN_FLAGS: Readonly<Record<string, (options: CliOptions) => void>> = {
  "no-log": (o) => o.log = false,
  "fast-start": (o) => o.fastStart = true,
  "no-clips": (o) => o.clips = false,
  player: (o) => o.player = true,
  "no-player": (o) => o.player = false,
  quiet: (o) => o.quiet = true,
  help: (o) => o.help = true,
};

/** `table[name]` when `name` is one of its own keys (so `--constructor` is no flag). */
function lookUp<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The settings before any flag. */
function defaultCliOptions(): CliOptions {
  return {
    root: ".",
    port: 8000,
    host: "127.0.0.1",
    trustProxy: 0,
    db: "file:watch-log.db",
    log: true,
    quiet: false,
    help: false,
  };
}

/**
 * `node:util`'s reading of `args` as tokens: each flag with its value, and each other argument.
 * Not `strict`: its errors are the runtime's own English, which neither names the flag the way
 * the messages below do nor is the same on every runtime, and it cannot express a flag whose
 * value is optional (`--trust-proxy[=N]`). {@linkcode refusalOf} checks each token instead.
 */
function tokensOf(args: readonly string[]) {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const name of Object.keys(VALUE_FLAGS)) options[name] = { type: "string" };
  for (const name of Object.keys(OPTIONAL_VALUE_FLAGS)) options[name] = { type: "boolean" };
  for (const name of Object.keys(BOOLEAN_FLAGS)) options[name] = { type: "boolean" };
  return nodeParseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true })
    .tokens;
}

type Token = ReturnType<typeof tokensOf>[number];

/**
 * Applies one token to `options`, or returns why it is refused. A value flag followed by
 * another flag (`--root --port 1`) has forgotten its value: the flag is not taken as it.
 */
function refusalOf(token: Token, args: readonly string[], options: CliOptions): string | undefined {
  if (token.kind !== "option" || !token.rawName.startsWith("--")) {
    return `unexpected argument "${args[token.index]}"`;
  }
  const { name, value, inlineValue } = token;
  const valueFlag = lookUp(VALUE_FLAGS, name);
  if (valueFlag !== undefined) {
    if (value === undefined || (!inlineValue && value.startsWith("--"))) return `--${name} needs a value`;
    return valueFlag(value, options);
  }
  const optional = lookUp(OPTIONAL_VALUE_FLAGS, name);
  if (optional !== undefined) return optional.flag(value ?? optional.absent, options);
  const booleanFlag = lookUp(BOOLEAN_FLAGS, name);
  if (booleanFlag === undefined) return `unknown option "--${name}"`;
  if (value !== undefined) return `--${name} takes no value`;
  booleanFlag(options);
}

/** Why the flags given cannot be used together, or `undefined` when they can. */
function conflictOf(options: CliOptions, given: ReadonlySet<string>): string | undefined {
  if (!options.log && (given.has("db") || given.has("db-token") || given.has("db-spool"))) {
    return "--db, --db-token and --db-spool cannot be used with --no-log";
  }
  if (!options.log && options.adminToken !== undefined) {
    return "--admin-token and --no-log cannot be used together: the admin shows the watch log";
  }
}

/**
 * Reads the command line (without the runtime and script arguments). Flags take their value as
 * the next argument or after `=`, except `--trust-proxy`, which takes one only after `=`;
 * `--allow-host` and `--cors` may be repeated. Pure: it does not look at the disk.
 *
 * @param args The arguments, such as `process.argv.slice(2)`.
 * @returns The options, or the message explaining what is wrong: an unknown option, a missing
 *   or refused value, a value given to a flag that takes none, or flags that conflict.
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
  const options = defaultCliOptions();
  const given = new Set<string>();
  for (const token of tokensOf(args)) {
    const error = refusalOf(token, args, options);
    if (error !== undefined) return { ok: false, error };
    if (token.kind === "option") given.add(token.name);
  }
  const conflict = conflictOf(options, given);
  return conflict === undefined ? { ok: true, options } : { ok: false, error: conflict };
}

/** The exit code after a clean stop or `--help`. */
const EXIT_OK = 0;
/** The exit code when the server cannot start (the address cannot be listened on). */
const EXIT_CANNOT_START = 1;
/** The exit code of `check` when some files do not stream well. */
const EXIT_SOME_DO_NOT_STREAM = 1;
/** The exit code for a bad command line or settings. */
const EXIT_BAD_COMMAND_LINE = 2;

/** Signals that stop the server cleanly: SIGHUP too, which would otherwise kill it unflushed. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** How long start-up waits for the watch-log database before serving without it. */
const STARTUP_CHECK_MS = 3000;

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
  if (args[0] === "check") return await checkCommand(args.slice(1), stdout, stderr);
  const parsed = parseArgs([...args, ...secretsFromEnv(args, env)]);
  if (!parsed.ok) return badCommandLine(stderr, parsed.error);
  const cli = parsed.options;
  if (cli.help) return helpShown(stdout);
  if (!isDirectory(cli.root)) return rootNotADirectory(stderr, cli.root);
  let watchLog: WatchLogger | null = null;
  if (cli.log) {
    try {
      watchLog = openWatchLog(cli, stderr);
    } catch (error) {
      return watchLogRefused(stderr, cli, error);
    }
  }
  try {
    return await serve(cli, watchLog, { stdout, stderr, signal });
  } finally {
    await watchLog?.close(); // the one place the watch log is closed: flushed, or spooled
  }
}

/**
 * Serves until a stop is asked for: checks the watch log, builds the app, listens, prints the
 * banner, waits, then closes the listener, cutting off streams in flight.
 */
async function serve(
  cli: CliOptions,
  watchLog: WatchLogger | null,
  io: { stdout: Writer; stderr: Writer; signal: AbortSignal | undefined },
): Promise<number> {
  const watchLogLine = watchLog === null ? "" : await watchLogState(watchLog, cli);
  const adminToken = cli.adminToken ?? (watchLog === null ? undefined : randomToken());
  const handler = buildHandler(cli, watchLog, adminToken, io.stderr);
  let listener: Listener;
  try {
    listener = await runtime.listen({ hostname: cli.host, port: cli.port, handler });
  } catch (error) {
    return cannotListen(io.stderr, cli, error);
  }
  // one write, so readers of the Listening line see the rest with it
  io.stdout.write(banner(cli, listener, adminToken) + watchLogLine);
  await stopRequested(io.signal);
  await listener.close({ force: true });
  return EXIT_OK;
}

/** Secrets taken from the environment when their flag is not given, as flags. */
function secretsFromEnv(args: readonly string[], env: Record<string, string | undefined>): string[] {
  const given = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  const logOff = args.includes("--no-log");
  const extra: string[] = [];
  const secret = env.SAGE_STREAM_SIGNING_SECRET;
  if (secret && !given("--signing-secret")) extra.push(`--signing-secret=${secret}`);
  const token = env.SAGE_STREAM_ADMIN_TOKEN;
  if (token && !given("--admin-token") && !logOff) extra.push(`--admin-token=${token}`);
  const dbToken = env.SAGE_STREAM_DB_TOKEN;
  if (dbToken && !given("--db-token") && !logOff) extra.push(`--db-token=${dbToken}`);
  return extra;
}

/** Exit 0 when every file under the directory streams well, 1 when some do not. */
async function checkCommand(args: readonly string[], stdout: Writer, stderr: Writer): Promise<number> {
  if (args.length !== 1 || args[0].startsWith("-")) {
    return badCommandLine(stderr, "usage: sage-stream check DIR");
  }
  if (!isDirectory(args[0])) return badCommandLine(stderr, `check: not a directory: "${args[0]}"`);
  const report = await checkMediaDirectory(args[0]);
  stdout.write(formatCheckReport(report));
  return report.files.some((file) => file.problems.length > 0) ? EXIT_SOME_DO_NOT_STREAM : EXIT_OK;
}

/** Exit: writes the usage. */
function helpShown(stdout: Writer): number {
  stdout.write(USAGE);
  return EXIT_OK;
}

/** Exit: writes what is wrong with the command line, and where to look. */
function badCommandLine(stderr: Writer, message: string): number {
  stderr.write(`sage-stream: ${message}\nTry --help for the options.\n`);
  return EXIT_BAD_COMMAND_LINE;
}

/** Exit: `--root` names no directory. */
function rootNotADirectory(stderr: Writer, root: string): number {
  stderr.write(`sage-stream: --root is not a directory: "${root}"\n`);
  return EXIT_BAD_COMMAND_LINE;
}

/** Exit: the watch logger refused its settings. */
function watchLogRefused(stderr: Writer, cli: CliOptions, error: unknown): number {
  const why = redactedMessage(error, cli.dbToken);
  stderr.write(`sage-stream: cannot use the watch log "${redactUrl(cli.db)}": ${why}\n`);
  return EXIT_BAD_COMMAND_LINE;
}

/** Exit: the address cannot be listened on (taken, or not this machine's). */
function cannotListen(stderr: Writer, cli: CliOptions, error: unknown): number {
  const why = error instanceof Error ? error.message : String(error);
  stderr.write(`sage-stream: cannot listen on ${cli.host}:${cli.port}: ${why}\n`);
  return EXIT_CANNOT_START;
}

/** Whether `path` is a directory (`false` when it does not exist or cannot be read). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The watch logger of the command line's settings; it reports write failures on `stderr`.
 *
 * @throws {Error} When the logger refuses the settings.
 */
function openWatchLog(cli: CliOptions, stderr: Writer): WatchLogger {
  const where = redactUrl(cli.db);
  return createWatchLogger({
    url: cli.db,
    authToken: cli.dbToken,
    spoolPath: cli.dbSpool,
    onError: (error) =>
      stderr.write(`sage-stream: watch log (${where}): ${redactedMessage(error, cli.dbToken)}\n`),
  });
}

/**
 * The banner's watch-log line, after waiting at most `STARTUP_CHECK_MS` for its database: an
 * unreachable one is reported, not fatal, since streaming never waits on it.
 */
async function watchLogState(watchLog: WatchLogger, cli: CliOptions): Promise<string> {
  const where = redactUrl(cli.db);
  try {
    await within(STARTUP_CHECK_MS, watchLog.flush());
    return `  Watch log: ${where}\n`;
  } catch (error) {
    const why = redactedMessage(error, cli.dbToken);
    return `  Watch log: ${where} is unavailable (${why}); events wait in the spool until it is back\n`;
  }
}

/** `work`, or a rejection when it has not settled within `ms`. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** An error's message without the database token, which a driver may echo. */
function redactedMessage(error: unknown, token: string | undefined): string {
  const text = error instanceof Error ? error.message : String(error);
  return token ? text.split(token).join("***") : text;
}

/** 24 random bytes, base64url: the admin token made when none is given. */
function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(24)));
}

/**
 * The pacing the command line asks for: the app's default (tuned by `--pace-after` and
 * `--pace-for`), `--pace RATE` with its burst (none unless `--pace-after`), or `null` for
 * `--pace off`.
 *
 * @param cli The parsed command line.
 * @returns The pacing option of the app.
 *
 * @example Usage
 * ```ts
 * import { pacingOf, parseArgs } from "@sage/stream/cli";
 * import assert from "node:assert/strict";
 *
 * const parsed = parseArgs(["--pace", "2x"]);
 * assert.ok(parsed.ok);
 * assert.deepEqual(pacingOf(parsed.options), { rate: { bitrate: 2 }, after: 0, for: "media-elements" });
 * ```
 */
export function pacingOf(cli: CliOptions): PacingOptions | null {
  if (cli.paceRate === "off") return null;
  const given = cli.paceRate !== undefined;
  return {
    rate: cli.paceRate ?? PLAYER_PACING.rate,
    after: cli.paceAfter ?? (given ? 0 : PLAYER_PACING.after),
    for: cli.paceFor ?? "media-elements",
  };
}

/** The app for the command line's settings, with the access log on `stderr` unless `--quiet`. */
function buildHandler(
  cli: CliOptions,
  watchLog: WatchLogger | null,
  adminToken: string | undefined,
  stderr: Writer,
): RouteHandler {
  const app = createApp({
    root: cli.root,
    maxChunkSize: cli.maxChunkSize,
    maxChunkSizeFor: cli.maxChunkSizeFor,
    stallTimeoutMs: cli.stallTimeoutSeconds === undefined ? undefined : cli.stallTimeoutSeconds * 1000,
    fastStart: cli.fastStart,
    clips: cli.clips,
    pacing: pacingOf(cli),
    cors: cli.cors?.includes("*") ? "*" : cli.cors,
    signingSecret: cli.signingSecret,
    trustProxy: cli.trustProxy,
    proxyHeader: cli.proxyHeader,
    watchLog: watchLog ?? undefined,
    adminToken,
    player: cli.player,
    allowedHosts: cli.allowHosts?.includes("*") ? true : cli.allowHosts ?? [],
  });
  if (cli.quiet) return app;
  return withAccessLog(app, (line) => stderr.write(line + "\n"), cli.trustProxy, cli.proxyHeader);
}

/** The start-up banner: where it listens, the player, the admin and its token. */
function banner(cli: CliOptions, listener: Listener, adminToken: string | undefined): string {
  const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
  const base = `http://${host}:${listener.port}`;
  const playerOn = cli.player ?? cli.signingSecret === undefined;
  let text = `Listening on ${base}/\n` +
    (playerOn
      ? `  Player: ${base}/\n`
      : "  Player: off (URLs must be signed; --player serves it to anyone)\n");
  if (adminToken !== undefined) {
    const shown = cli.adminToken === undefined ? `token: ${adminToken}` : "token from --admin-token";
    text += `  Admin:  ${base}/admin/  (${shown})\n`;
  }
  return text;
}

/** Resolves on SIGINT, SIGTERM, SIGHUP or when `signal` aborts, whichever comes first. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      for (const name of STOP_SIGNALS) process.off(name, stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    for (const name of STOP_SIGNALS) process.on(name, stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop);
  });
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
