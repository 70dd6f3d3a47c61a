import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { createApp } from "../../src/app/app.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { createWatchLogger } from "../../src/watch_log/mod.ts";
import { patternBytes, tempDir, writeFixture } from "../_fixtures.ts";
import { REPO, startScript } from "../_process.ts";

const TOKEN = "app-test-admin-token-0123";
const SECRET = "app-test-signing-secret-0123456789";
const media = tempDir("sage-app-");
const bytes = patternBytes(5000);
writeFixture(media.dir, "clip.webm", bytes);
const logs: { close(): Promise<void> }[] = [];

after(async () => {
  for (const log of logs) await log.close();
  media.cleanup();
});

function newLog() {
  const log = createWatchLogger({
    url: `file:${join(media.dir, `log-${logs.length}.db`)}`,
    flushIntervalMs: 20,
  });
  logs.push(log);
  return log;
}

async function status(
  app: (req: Request) => Promise<Response>,
  path: string,
  init: RequestInit = {},
): Promise<number> {
  const res = await app(new Request(`http://app.test${path}`, init));
  await res.body?.cancel();
  return res.status;
}

test("routes: / is the player, /stream the endpoint, /admin absent without credentials, the rest 404", {
  timeout: 60_000,
}, async () => {
  const app = createApp({ root: media.dir, watchLog: newLog() });
  const home = await app(new Request("http://app.test/"));
  assert.equal(home.status, 200);
  assert.match(await home.text(), /<a href="\/\?play=clip\.webm"\s*><span>clip\.webm<\/span>/);
  assert.equal(await status(app, "/player/style.css"), 200);
  const range = await app(
    new Request("http://app.test/stream?path=clip.webm", { headers: { range: "bytes=100-199" } }),
  );
  assert.equal(range.status, 206);
  assert.deepEqual(new Uint8Array(await range.arrayBuffer()), bytes.subarray(100, 200));
  for (
    const path of [
      "/admin",
      "/admin/",
      "/admin/api/summary",
      "/admin/login",
      "/player",
      "/clip.webm",
      "/stream/x",
    ]
  ) {
    assert.equal(await status(app, path), 404, path);
  }
});

test("the admin is mounted at /admin when a token is given, and reads the app's watch log", {
  timeout: 60_000,
}, async () => {
  const watchLog = newLog();
  const app = createApp({ root: media.dir, watchLog, adminToken: TOKEN });
  assert.equal(await status(app, "/admin/"), 401);
  assert.equal(
    await status(app, "/admin/api/summary", { headers: { authorization: "Bearer wrong-token-wrong-token" } }),
    401,
  );
  const res = await app(
    new Request("http://app.test/stream?path=clip.webm", { headers: { range: "bytes=0-999" } }),
  );
  await res.arrayBuffer();
  await watchLog.flush();
  const summary = await app(
    new Request("http://app.test/admin/api/summary", { headers: { authorization: `Bearer ${TOKEN}` } }),
  );
  assert.equal(summary.status, 200);
  const body = await summary.json();
  assert.equal(body.viewings, 1);
  assert.equal(body.bytes, 1000);
  assert.deepEqual(body.topVideos.map((v: { path: string }) => v.path), ["clip.webm"]);
});

test("createApp refuses admin credentials without a watch log to read, and can turn the player off", {
  timeout: 60_000,
}, async () => {
  assert.throws(() => createApp({ root: media.dir, adminToken: TOKEN }), {
    name: "TypeError",
    message: 'Cannot create app: the admin needs a "watchLog" that answers queries, or "queries"',
  });
  assert.throws(
    () => createApp({ root: media.dir, watchLog: { record() {} }, adminToken: TOKEN }),
    TypeError,
  );
  assert.throws(() => createApp({ root: media.dir, watchLog: newLog(), adminToken: "short" }), RangeError);
  const app = createApp({ root: media.dir, player: false });
  assert.equal(await status(app, "/"), 404);
  assert.equal(await status(app, "/stream?path=clip.webm"), 200);
});

test("with a signing secret the player is off by default: no public page hands out signed URLs", async () => {
  const app = createApp({ root: media.dir, signingSecret: SECRET });
  for (const path of ["/", "/?play=clip.webm", "/player/style.css"]) {
    assert.equal(await status(app, path), 404, path);
  }
  assert.equal(await status(app, "/stream?path=clip.webm"), 403);
});

test("with a signing secret and player turned on, the player's URL streams and an unsigned one is refused", async () => {
  const app = createApp({ root: media.dir, signingSecret: SECRET, player: true });
  const page = await (await app(new Request("http://app.test/?play=clip.webm"))).text();
  const src = /<video [^>]*src="([^"]+)"/.exec(page)![1].replace(/&amp;/g, "&");
  const signed = await app(new Request(`http://app.test${src}`, { headers: { range: "bytes=4990-" } }));
  assert.equal(signed.status, 206);
  assert.deepEqual(new Uint8Array(await signed.arrayBuffer()), bytes.subarray(4990));
  assert.equal(await status(app, "/stream?path=clip.webm"), 403);
});

test(
  "over HTTP: the page's video URL streams, and the viewing shows in the admin with the client's address",
  { timeout: 60_000 },
  async () => {
    const watchLog = newLog();
    const app = createApp({ root: media.dir, watchLog, adminToken: TOKEN });
    const server = await runtime.listen({ hostname: "127.0.0.1", port: 0, handler: app });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const page = await (await fetch(`${base}/?play=clip.webm`)).text();
      const src = /<video [^>]*src="([^"]+)"/.exec(page)![1].replace(/&amp;/g, "&");
      assert.equal(src, "/stream?path=clip.webm");
      const res = await fetch(base + src, { headers: { range: "bytes=0-", "user-agent": "app-test" } });
      assert.equal(res.status, 206);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
      let viewings;
      for (let i = 0; i < 100; i++) {
        await watchLog.flush();
        const list = await fetch(`${base}/admin/api/viewings`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        viewings = (await list.json()).items;
        if (viewings.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(viewings.length, 1);
      assert.equal(viewings[0].path, "clip.webm");
      assert.equal(viewings[0].clientIp, "127.0.0.1");
      assert.equal(viewings[0].userAgent, "app-test");
      assert.equal(viewings[0].watchedShare, 1);
    } finally {
      await server.close({ force: true });
    }
  },
);

test(
  "the demo (npm run demo: the CLI on the samples) plays, prints the admin token, logs the viewing, stops cleanly",
  { timeout: 60_000 },
  async () => {
    const demo = await startScript(join(REPO, "src", "app", "cli.ts"), [
      "--root",
      join(REPO, "samples"),
      "--port",
      "0",
      "--db",
      `file:${join(media.dir, "demo.db")}`,
    ]);
    try {
      const token = /\(token: ([\w-]{32})\)/.exec(demo.output())![1];
      const page = await (await fetch(`${demo.origin}/`)).text();
      assert.match(page, /<span>sample\.mp4<\/span><small>0:08 · \d+×\d+ · [\d.]+ KiB<\/small>/); // the media index's duration and size, then bytes
      assert.match(page, /<span>sample\.webm<\/span>/);
      const res = await fetch(`${demo.origin}/stream?path=sample.webm`, {
        headers: { range: "bytes=0-1023" },
      });
      assert.equal(res.status, 206);
      assert.deepEqual([...new Uint8Array(await res.arrayBuffer()).subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]); // EBML
      assert.equal((await fetch(`${demo.origin}/admin/api/summary`)).status, 401);
      let viewings = 0;
      for (let i = 0; i < 100 && viewings === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const summary = await fetch(`${demo.origin}/admin/api/summary`, {
          headers: { authorization: `Bearer ${token}` },
        });
        viewings = (await summary.json()).viewings;
      }
      assert.equal(viewings, 1);
      // by pid: Deno's child.kill() reports the signal as the exit cause even when it was handled
      const exited = new Promise((resolve) => demo.child.once("exit", resolve));
      process.kill(demo.child.pid!, "SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      await demo.stop();
    }
  },
);

test("allowedHosts answers IP addresses, localhost and the listed names only (DNS rebinding)", async () => {
  const app = createApp({ root: media.dir, allowedHosts: ["video.example.com", ".cdn.example"] });
  const answered = [
    "http://127.0.0.1:8000/",
    "http://[::1]:8000/",
    "http://10.1.2.3/",
    "http://localhost:8000/",
    "http://dev.localhost/",
    "http://video.example.com/",
    "http://VIDEO.example.com./",
    "http://cdn.example/",
    "http://a.b.cdn.example/",
  ];
  for (const url of answered) {
    const res = await app(new Request(url + "stream?path=clip.webm"));
    assert.equal(res.status, 200, url);
    await res.body?.cancel();
  }
  for (
    const url of [
      "http://rebind.attacker.test/",
      "http://example.com/",
      "http://xcdn.example/",
      "http://localhost.attacker.test/",
    ]
  ) {
    for (const path of ["", "stream?path=clip.webm", "admin/"]) {
      const res = await app(new Request(url + path));
      assert.equal(res.status, 403, url + path);
      assert.match(await res.text(), /is not answered here/);
    }
  }
  // the default answers every name, as a library embedded behind a proxy expects
  assert.equal(await status(createApp({ root: media.dir }), "/stream?path=clip.webm"), 200);
});

test(
  "behind a trusted proxy the admin cookie is Secure when the proxy says https, and throttling counts the forwarded client",
  { timeout: 60_000 },
  async () => {
    const app = createApp({ root: media.dir, watchLog: newLog(), adminToken: TOKEN, trustProxy: 1 });
    const post = (body: string, headers: Record<string, string>) =>
      app(
        new Request("http://app.test/admin/login", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
          body,
        }),
      );
    const ok = await post(`token=${encodeURIComponent(TOKEN)}`, { "x-forwarded-proto": "https" });
    assert.match(ok.headers.get("set-cookie")!, /; Secure$/);
    const plain = await post(`token=${encodeURIComponent(TOKEN)}`, { "x-forwarded-proto": "http" });
    assert.doesNotMatch(plain.headers.get("set-cookie")!, /Secure/);
    for (let i = 0; i < 6; i++) {
      await (await post("token=wrong", { "x-forwarded-for": "192.0.2.1" })).body?.cancel();
    }
    assert.equal((await post("token=wrong", { "x-forwarded-for": "192.0.2.1" })).status, 429);
    assert.equal((await post("token=wrong", { "x-forwarded-for": "192.0.2.2" })).status, 401);
    // without trustProxy the forwarded proto means nothing
    const untrusting = createApp({ root: media.dir, watchLog: newLog(), adminToken: TOKEN });
    const res = await untrusting(
      new Request("http://app.test/admin/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https" },
        body: `token=${encodeURIComponent(TOKEN)}`,
      }),
    );
    assert.doesNotMatch(res.headers.get("set-cookie")!, /Secure/);
  },
);
