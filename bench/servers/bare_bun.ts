// The floor on Bun: single-range `Bun.file().slice()` (sent by Bun with sendfile).
// Usage: bun bench/servers/bare_bun.ts ROOT
// deno-lint-ignore-file no-explicit-any
const Bun = (globalThis as any).Bun;
const root = (globalThis as any).process.argv[2] ?? "bench/data", CAP = 8 * 1024 * 1024;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 120,
  async fetch(req: Request) {
    const file = Bun.file(root + new URL(req.url).pathname);
    const size: number = (await file.stat()).size;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.get("range") ?? "");
    const start = m ? Number(m[1]) : 0;
    const end = m ? Math.min(m[2] ? Number(m[2]) : start + CAP - 1, size - 1) : size - 1;
    if (start > end) return new Response(null, { status: 416 });
    const headers: Record<string, string> = { "accept-ranges": "bytes" };
    if (m) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    return new Response(file.slice(start, end + 1), { status: m ? 206 : 200, headers });
  },
});
console.log(`Listening on http://${server.hostname}:${server.port}/`);
