import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { createApp } from "../../src/app/app.ts";
import { type CliOptions, main, parseArgs, USAGE, withAccessLog } from "../../src/app/cli.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import { closedPort, openHandlesTo, patternBytes, tempDir, waitFor } from "../_fixtures.ts";
import { type ChildServer, REPO, spawnScript, startScript } from "../_process.ts";

const CLI = join(REPO, "src/app/cli.ts");
const { dir: base, cleanup } = tempDir("sage-cli-");
const servers = new Set<ChildServer>();
after(async () => {
  await Promise.all([...servers].map((cli) => cli.stop())); // those a failed test left running
  cleanup();
});
const root = join(base, "videos");
mkdirSync(root);
const small = patternBytes(5000);
const BIG_SIZE = 48 * 1024 * 1024;
writeFileSync(join(root, "small.mp4"), small);
writeFileSync(join(root, "big.mp4"), new Uint8Array(BIG_SIZE));
writeFileSync(join(base, "secret.mp4"), "SECRET");
symlinkSync("../secret.mp4", join(root, "link.mp4"));

/** The CLI on the test media and any free port, once its banner (Listening line first) is out. */
async function startCli(args: string[], env: Record<string, string> = {}): Promise<ChildServer> {
  const cli = await startScript(CLI, ["--root", root, "--port", "0", ...args], { cwd: base, env });
  servers.add(cli);
  assert.match(cli.stdout(), /^Listening on http:\/\/127\.0\.0\.1:\d+\/\n/);
  return cli;
}

/** Number of file descriptors process `pid` has open (Linux). */
function fdCount(pid: number | "self"): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Opens a raw connection asking for the whole big file, and stops reading after a little. */
function stalledDownload(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("error", reject);
    socket.once("data", () => {
      socket.pause();
      resolve(socket);
    });
    socket.write("GET /stream?path=big.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  });
}

/** The status line of a raw GET of `path` sent with `Host: host`. */
function statusWithHost(port: number, path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.once("error", reject);
    socket.on("data", (chunk) => text += chunk.toString("latin1"));
    socket.on("end", () => resolve(text.slice(0, text.indexOf("\r\n"))));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

test("parseArgs: defaults", () => {
  assert.deepEqual(parseArgs([]), {
    ok: true,
    options: {
      root: ".",
      port: 8000,
      host: "127.0.0.1",
      trustProxy: 0,
      db: "file:watch-log.db",
      log: true,
      quiet: false,
      help: false,
    },
  });
});

test("parseArgs: every flag, with spaces or =", () => {
  const parsed = parseArgs([
    "--root",
    "videos",
    "--port=0",
    "--host",
    "::1",
    "--max-chunk=1048576",
    "--max-chunk-for",
    "all",
    "--stall-timeout=0",
    "--cors",
    "https://a.example",
    "--cors=https://b.example",
    "--signing-secret",
    "0123456789abcdef",
    "--trust-proxy=2",
    "--proxy-header",
    "forwarded",
    "--allow-host",
    "media.example.org",
    "--allow-host=.cdn.example",
    "--db",
    "file:/tmp/w.db",
    "--db-token=t0ken",
    "--db-spool",
    "/tmp/spool.db",
    "--admin-token",
    "an-admin-token-0123",
    "--player",
    "--quiet",
    "--help",
  ]);
  assert.deepEqual(parsed, {
    ok: true,
    options: {
      root: "videos",
      port: 0,
      host: "::1",
      maxChunkSize: 1048576,
      maxChunkSizeFor: "all",
      stallTimeoutSeconds: 0,
      cors: ["https://a.example", "https://b.example"],
      signingSecret: "0123456789abcdef",
      trustProxy: 2,
      proxyHeader: "forwarded",
      allowHosts: ["media.example.org", ".cdn.example"],
      db: "file:/tmp/w.db",
      dbToken: "t0ken",
      dbSpool: "/tmp/spool.db",
      adminToken: "an-admin-token-0123",
      player: true,
      log: true,
      quiet: true,
      help: true,
    },
  });
  assert.equal((parseArgs(["--player"]) as { options: CliOptions }).options.player, true);
  assert.equal((parseArgs(["--no-player"]) as { options: CliOptions }).options.player, false);
  const bare = parseArgs(["--trust-proxy", "--no-log"]);
  assert.equal(bare.ok && bare.options.trustProxy, 1);
  assert.equal(bare.ok && bare.options.log, false);
  // a value that starts with one dash is a value; after "=", anything is
  const dashed = parseArgs(["--root", "-videos", "--cors=--odd", "--trust-proxy=0"]);
  assert.equal(dashed.ok && dashed.options.root, "-videos");
  assert.deepEqual(dashed.ok && dashed.options.cors, ["--odd"]);
  assert.equal(dashed.ok && dashed.options.trustProxy, 0);
});

test("parseArgs: bad command lines are explained", () => {
  const cases: [string[], string][] = [
    [["--bogus"], 'unknown option "--bogus"'],
    [["-p", "80"], 'unexpected argument "-p"'],
    [["videos"], 'unexpected argument "videos"'],
    [["--port"], "--port needs a value"],
    [["--root", "--port", "1"], "--root needs a value"],
    [["--port", "http"], '--port must be a whole number from 0 to 65535, got "http"'],
    [["--port", "65536"], '--port must be a whole number from 0 to 65535, got "65536"'],
    [["--port=-1"], '--port must be a whole number from 0 to 65535, got "-1"'],
    [
      ["--max-chunk", "1.5"],
      `--max-chunk must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got "1.5"`,
    ],
    [["--allow-host", "a b"], '--allow-host is not a host name: "a b"'],
    [["--stall-timeout", "2m"], '--stall-timeout must be a whole number from 0 to 86400, got "2m"'],
    [["--proxy-header", "x-real-ip"], '--proxy-header must be x-forwarded-for or forwarded, got "x-real-ip"'],
    [["--max-chunk-for", "browsers"], '--max-chunk-for must be media-elements or all, got "browsers"'],
    [["--host", "a b"], '--host is not an address: "a b"'],
    [["--signing-secret", "short"], "--signing-secret must be at least 16 bytes long"],
    [["--no-log=yes"], "--no-log takes no value"],
    [["--trust-proxy=x"], '--trust-proxy must be a whole number from 0 to 100, got "x"'],
    [["--db", "file:x.db", "--no-log"], "--db, --db-token and --db-spool cannot be used with --no-log"],
    [["--db-token", "t0ken", "--no-log"], "--db, --db-token and --db-spool cannot be used with --no-log"],
    [["--db", "watch-log.db"], "--db needs a libSQL URL: file:PATH, libsql://, http(s):// or ws(s)://"],
    [["--db", "postgres://x"], "--db needs a libSQL URL: file:PATH, libsql://, http(s):// or ws(s)://"],
    [["--db-spool="], "--db-spool needs a file path"],
    [["--root="], "--root must not be empty"],
    [["--trust-proxy", "3"], 'unexpected argument "3"'],
    [["--", "--root", "x"], 'unexpected argument "--"'],
    [["--quiet=1"], "--quiet takes no value"],
    [["--help=no"], "--help takes no value"],
    [["-p80"], 'unexpected argument "-p80"'],
    [["--Root", "x"], 'unknown option "--Root"'],
    [["--bogus=1"], 'unknown option "--bogus"'],
    // names an Object.prototype member: still no flag
    [["--constructor"], 'unknown option "--constructor"'],
    [["--toString=x"], 'unknown option "--toString"'],
    [["--cors"], "--cors needs a value"],
    [["--cors="], "--cors needs an origin or *"],
    [["--trust-proxy=101"], '--trust-proxy must be a whole number from 0 to 100, got "101"'],
    [
      ["--admin-token", "a-long-enough-token", "--no-log"],
      "--admin-token and --no-log cannot be used together: the admin shows the watch log",
    ],
    // secrets are counted in UTF-8 bytes: seven "é" are 14 bytes
    [["--admin-token", "ééééééé"], "--admin-token must be at least 16 bytes long"],
  ];
  for (const [args, error] of cases) assert.deepEqual(parseArgs(args), { ok: false, error }, args.join(" "));
});

test(
  "main: --help prints the usage and a bad flag exits with 2 and a message",
  async () => {
    let out = "";
    let err = "";
    const io = { stdout: { write: (s: string) => out += s }, stderr: { write: (s: string) => err += s } };
    assert.equal(await main(["--help"], io), 0);
    assert.equal(out, USAGE);
    assert.equal(await main(["--port", "x"], io), 2);
    assert.equal(
      err,
      'sage-stream: --port must be a whole number from 0 to 65535, got "x"\nTry --help for the options.\n',
    );
    err = "";
    assert.equal(await main(["--root", join(root, "small.mp4")], io), 2);
    assert.equal(err, `sage-stream: --root is not a directory: "${join(root, "small.mp4")}"\n`);
  },
);

test(
  "main (in process): an address already taken exits with 1 and says why, with the watch log on",
  { timeout: 60_000 },
  async () => {
    let out = "";
    const stop = new AbortController();
    const first = main(["--root", root, "--port", "0", "--no-log", "--quiet"], {
      stdout: { write: (s: string) => out += s },
      signal: stop.signal,
    });
    try {
      const port = await waitFor(
        "the Listening line",
        () => /^Listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1],
      );
      let err = "";
      let secondOut = "";
      const db = join(base, "taken.db");
      const code = await main(["--root", root, "--port", port, "--quiet", "--db", `file:${db}`], {
        stdout: { write: (s: string) => secondOut += s },
        stderr: { write: (s: string) => err += s },
      });
      assert.equal(code, 1);
      assert.match(err, new RegExp(`^sage-stream: cannot listen on 127\\.0\\.0\\.1:${port}: .+\n$`));
      assert.equal(secondOut, "", "no banner");
    } finally {
      stop.abort();
      assert.equal(await first, 0);
    }
  },
);

test("withAccessLog writes one access-log line per request of the app", async () => {
  const lines: string[] = [];
  const app = withAccessLog(createApp({ root }), (line) => lines.push(line));
  const player = await app(new Request("http://localhost/"));
  assert.equal(player.status, 200);
  assert.match(await player.text(), /small\.mp4/);
  const missing = await app(new Request("http://localhost/admin"));
  assert.equal(missing.status, 404, "no admin without credentials");
  await missing.body?.cancel();
  const stream = await app(
    new Request("http://localhost/stream?path=small.mp4&sig=SECRETSIG&x=%0a", {
      headers: { range: "bytes=0-9" },
    }),
  );
  assert.equal(stream.status, 206);
  await stream.body?.cancel();
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z - "GET \/" 200 (\d+|-) \d+ms$/);
  assert.match(lines[1], / - "GET \/admin" 404 (\d+|-) \d+ms$/);
  // the signature is hidden and control characters escaped
  assert.match(lines[2], / - "GET \/stream\?path=small\.mp4&sig=…&x=%0a" 206 10 \d+ms$/);
});

test("CLI (child process): answers only IP addresses, localhost and --allow-host names (DNS rebinding)", {
  timeout: 60_000,
}, async () => {
  const cli = await startCli(["--no-log", "--quiet", "--allow-host", "media.example.org"]);
  try {
    for (const host of ["127.0.0.1", `127.0.0.1:${cli.port}`, "localhost", "media.example.org"]) {
      assert.match(await statusWithHost(cli.port, "/stream?path=small.mp4", host), /^HTTP\/1\.1 200/, host);
    }
    for (const host of ["rebind.attacker.test", "example.org", "x"]) {
      for (const path of ["/", "/stream?path=small.mp4"]) {
        assert.match(await statusWithHost(cli.port, path, host), /^HTTP\/1\.1 403/, `${host} ${path}`);
      }
    }
  } finally {
    cli.signal("SIGTERM");
  }
  assert.equal(await cli.exited, 0);
});

test("CLI (child process): serves the root, refuses escapes, logs requests, stops on SIGTERM with 0", {
  timeout: 60_000,
}, async () => {
  const cli = await startCli(["--no-log"]);
  try {
    const { origin } = cli;
    const part = await fetch(`${origin}/stream?path=small.mp4`, { headers: { range: "bytes=4990-" } });
    assert.equal(part.status, 206);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), small.subarray(4990));
    const escape = await fetch(`${origin}/stream?path=link.mp4`);
    assert.equal(escape.status, 404);
    assert.equal(await escape.text(), "Not Found");
    const traversal = await fetch(`${origin}/stream?path=../secret.mp4`);
    assert.equal(traversal.status, 400);
    await traversal.body?.cancel();
    const other = await fetch(`${origin}/nothing-here`);
    assert.equal(other.status, 404);
    await other.body?.cancel();
    await waitFor("4 access-log lines", () => cli.stderr().split("\n").length === 5);
    const lines = cli.stderr().trimEnd().split("\n");
    assert.match(lines[0], / 127\.0\.0\.1 "GET \/stream\?path=small\.mp4" 206 10 \d+ms$/);
    assert.match(lines[1], / 127\.0\.0\.1 "GET \/stream\?path=link\.mp4" 404 \S+ \d+ms$/);
    assert.match(lines[2], / 127\.0\.0\.1 "GET \/stream\?path=\.\.\/secret\.mp4" 400 \S+ \d+ms$/);
    assert.match(lines[3], / 127\.0\.0\.1 "GET \/nothing-here" 404 - \d+ms$/);
  } finally {
    cli.signal("SIGTERM");
  }
  assert.equal(await cli.exited, 0);
});

test("CLI (child process): a bad flag exits with code 2 and says why", { timeout: 60_000 }, async () => {
  const cli = spawnScript(CLI, ["--port", "eighty"], { cwd: base });
  assert.equal(await cli.exited, 2);
  assert.equal(
    cli.stderr(),
    'sage-stream: --port must be a whole number from 0 to 65535, got "eighty"\nTry --help for the options.\n',
  );
  assert.equal(cli.stdout(), "");
  const missingRoot = spawnScript(CLI, ["--root", join(base, "nowhere")], { cwd: base });
  assert.equal(await missingRoot.exited, 2);
  assert.match(missingRoot.stderr(), /--root is not a directory/);
});

test("CLI (child process): the watch log is on by default and flushed on SIGINT; --db picks the file", {
  timeout: 60_000,
}, async () => {
  const db = join(base, "watch.db");
  const cli = await startCli(["--db", `file:${db}`, "--quiet"]);
  try {
    const res = await fetch(`${cli.origin}/stream?path=small.mp4`, {
      headers: { range: "bytes=0-99", "user-agent": "cli-test" },
    });
    assert.equal((await res.arrayBuffer()).byteLength, 100);
  } finally {
    cli.signal("SIGINT");
  }
  assert.equal(await cli.exited, 0);
  assert.equal(cli.stderr(), "");
  const reader = createWatchLogger({ url: `file:${db}` });
  try {
    const { items } = await reader.listEvents();
    assert.equal(items.length, 1);
    assert.equal(items[0].path, "small.mp4");
    assert.equal(items[0].status, 206);
    assert.equal(items[0].clientIp, "127.0.0.1");
    assert.equal(items[0].userAgent, "cli-test");
  } finally {
    await reader.close();
  }
});

test(
  "CLI (child process): SIGHUP is a clean stop: the watch log is written first",
  { timeout: 60_000 },
  async () => {
    const db = join(base, "hup.db");
    const cli = await startCli(["--db", `file:${db}`, "--quiet"]);
    try {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${cli.origin}/stream?path=small.mp4`, {
          headers: { range: `bytes=${i * 100}-${i * 100 + 99}` },
        });
        await res.arrayBuffer();
      }
    } finally {
      cli.signal("SIGHUP");
    }
    assert.equal(await cli.exited, 0);
    const reader = createWatchLogger({ url: `file:${db}` });
    try {
      assert.equal((await reader.listEvents({ limit: 100 })).items.length, 20);
    } finally {
      await reader.close();
    }
  },
);

test(
  "CLI (child process): an unreachable database server does not stop streaming; events wait in the spool, no token shown",
  {
    timeout: 60_000,
  },
  async () => {
    const port = await closedPort();
    const token = "tok-" + "s3cr3t".repeat(6);
    const spool = join(base, "unreachable-spool.db");
    const cli = await startCli(
      ["--db", `http://127.0.0.1:${port}`, "--db-spool", spool, "--quiet"],
      { SAGE_STREAM_DB_TOKEN: token },
    );
    try {
      assert.match(
        cli.stdout(),
        new RegExp(`Watch log: http://127\\.0\\.0\\.1:${port}/? is unavailable \\(`),
      );
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${cli.origin}/stream?path=small.mp4`, {
          headers: { range: "bytes=0-99" },
        });
        assert.equal(res.status, 206);
        assert.equal((await res.arrayBuffer()).byteLength, 100);
      }
    } finally {
      cli.signal("SIGTERM");
    }
    assert.equal(await cli.exited, 0);
    assert.ok(!cli.stdout().includes(token) && !cli.stderr().includes(token), "the token is never printed");
    // the spooled events reach the database once it is there (here: a file, via the same spool)
    const db = `file:${join(base, "after-outage.db")}`;
    const next = createWatchLogger({ url: db, spoolPath: spool, inWorker: false });
    try {
      await next.flush();
      assert.equal((await next.listEvents({ limit: 10 })).items.length, 3);
    } finally {
      await next.close();
    }
  },
);

test("CLI (child process): SIGTERM with streams in flight closes them and exits promptly", {
  timeout: 60_000,
}, async () => {
  const cli = await startCli(["--no-log", "--quiet", "--max-chunk", "0"]);
  const pid = cli.child.pid!;
  const baseline = fdCount(pid);
  const sockets = await Promise.all([1, 2, 3].map(() => stalledDownload(cli.port)));
  const closed = sockets.map((s) => new Promise<void>((r) => s.once("close", () => r())));
  for (const s of sockets) s.on("error", () => {});
  try {
    assert.ok(fdCount(pid) >= baseline + 3, "the server holds the three connections");
    const started = Date.now();
    cli.signal("SIGTERM");
    assert.equal(await cli.exited, 0);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    for (const s of sockets) s.resume();
    await Promise.all(closed);
  } finally {
    for (const s of sockets) s.destroy();
  }
});

test(
  "main (in process): stopping with streams in flight releases every file and socket",
  { timeout: 60_000 },
  async () => {
    const bigPath = join(root, "big.mp4");
    const openOnBig = () => openHandlesTo(bigPath);
    const baseline = fdCount("self");
    let out = "";
    const stop = new AbortController();
    const done = main(["--root", root, "--port", "0", "--no-log", "--quiet", "--max-chunk", "0"], {
      stdout: { write: (s: string) => out += s },
      signal: stop.signal,
    });
    const port = Number(
      await waitFor(
        "the Listening line",
        () => /^Listening on http:\/\/127\.0\.0\.1:(\d+)\/\n/.exec(out)?.[1],
      ),
    );
    const sockets = await Promise.all([1, 2, 3].map(() => stalledDownload(port)));
    const closed = sockets.map((s) => new Promise<void>((r) => s.once("close", () => r())));
    for (const s of sockets) s.on("error", () => {});
    try {
      // Deno reads through a file handle per stream; Bun sends from the kernel (one handle or none)
      if (!runtime.capabilities.sendsFileBodiesFromKernel) assert.equal(openOnBig(), 3);
      stop.abort();
      assert.equal(await done, 0);
      await waitFor("the file handles to be released", () => openOnBig() === 0, 5000);
      for (const s of sockets) s.resume();
      await Promise.all(closed);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await waitFor(`the fd count to return to ${baseline}`, () => fdCount("self") <= baseline, 5000);
  },
);

test("parseArgs() counts a secret's bytes, not its characters", () => {
  const eightAccents = "éééééééé"; // 8 characters, 16 bytes
  assert.equal(parseArgs(["--admin-token", eightAccents]).ok, true);
  assert.equal(parseArgs(["--signing-secret", eightAccents]).ok, true);
});

test("parseArgs() checks --admin-token", () => {
  assert.deepEqual(parseArgs(["--admin-token", "short"]), {
    ok: false,
    error: "--admin-token must be at least 16 bytes long",
  });
  const both = parseArgs(["--admin-token", "a-long-enough-token", "--no-log"]);
  assert.equal(both.ok, false);
  const given = parseArgs(["--admin-token=a-long-enough-token"]);
  assert.equal(given.ok && given.options.adminToken, "a-long-enough-token");
});

test("main (in process): prints the player and admin URLs, and the printed token opens the admin", {
  timeout: 60_000,
}, async () => {
  const db = `file:${join(root, "admin-test.db")}`;
  let out = "";
  const stop = new AbortController();
  const done = main(["--root", root, "--port", "0", "--quiet", "--db", db], {
    stdout: { write: (s: string) => out += s },
    signal: stop.signal,
  });
  try {
    const token = await waitFor(
      "the admin line",
      () => /Admin: +http:\/\/\S+\/admin\/ +\(token: ([\w-]+)\)/.exec(out)?.[1],
    );
    const origin = /^Listening on (http:\/\/127\.0\.0\.1:\d+)\/\n {2}Player: http:\/\/127\.0\.0\.1:\d+\/\n/
      .exec(out)?.[1];
    assert.ok(origin, out);
    assert.ok(token.length >= 32);
    const refused = await fetch(`${origin}/admin/api/summary`);
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    const summary = await fetch(`${origin}/admin/api/summary`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(summary.status, 200);
    assert.equal(typeof (await summary.json()), "object");
    const player = await fetch(`${origin}/`);
    assert.match(await player.text(), /small\.mp4/);
  } finally {
    stop.abort();
    assert.equal(await done, 0);
  }
});

test(
  "main (in process): takes the signing secret and admin token from the environment",
  { timeout: 60_000 },
  async () => {
    let out = "";
    let err = "";
    const stop = new AbortController();
    const done = main(
      ["--root", root, "--port", "0", "--quiet", "--db", `file:${join(root, "env-test.db")}`],
      {
        stdout: { write: (s: string) => out += s },
        stderr: { write: (s: string) => err += s },
        signal: stop.signal,
        env: {
          SAGE_STREAM_SIGNING_SECRET: "an-env-secret-of-32-bytes-length",
          SAGE_STREAM_ADMIN_TOKEN: "an-env-admin-token",
        },
      },
    );
    try {
      const origin = await waitFor(
        "the Listening line",
        () => /^Listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1],
      );
      assert.match(out, /\(token from --admin-token\)/, "the token is not printed");
      assert.match(out, /Player: off/, "with a signing secret the player is off");
      const player = await fetch(`${origin}/`);
      assert.equal(player.status, 404, "no public page signs URLs");
      await player.body?.cancel();
      const unsigned = await fetch(`${origin}/stream?path=small.mp4`);
      assert.equal(unsigned.status, 403, "the secret from the environment is required");
      await unsigned.body?.cancel();
      const admin = await fetch(`${origin}/admin/api/summary`, {
        headers: { authorization: "Bearer an-env-admin-token" },
      });
      assert.equal(admin.status, 200);
      await admin.body?.cancel();
    } finally {
      stop.abort();
      assert.equal(await done, 0, err);
    }
    // a bad value from the environment is reported like the flag
    let bad = "";
    const code = await main(["--root", root], {
      stderr: { write: (s: string) => bad += s },
      env: { SAGE_STREAM_SIGNING_SECRET: "short" },
    });
    assert.equal(code, 2);
    assert.match(bad, /--signing-secret must be at least 16 bytes long/);
  },
);
