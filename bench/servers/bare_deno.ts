// The floor on Deno: single-range `Deno.open` + seek + a bounded 64 KiB-chunk stream.
// Usage: deno run -A bench/servers/bare_deno.ts ROOT
const root = Deno.args[0] ?? "bench/data", CAP = 8 * 1024 * 1024, CHUNK = 64 * 1024;
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: (a) => console.log(`Listening on http://${a.hostname}:${a.port}/`),
}, async (req) => {
  const file = await Deno.open(root + new URL(req.url).pathname);
  const size = (await file.stat()).size;
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.get("range") ?? "");
  const start = m ? Number(m[1]) : 0;
  const end = m ? Math.min(m[2] ? Number(m[2]) : start + CAP - 1, size - 1) : size - 1;
  if (start > end) return file.close(), new Response(null, { status: 416 });
  await file.seek(start, Deno.SeekMode.Start);
  let left = end - start + 1;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      const buf = new Uint8Array(Math.min(left, CHUNK));
      const n = await file.read(buf);
      if (n === null) return file.close(), c.error(new Error("short file"));
      left -= n;
      c.enqueue(buf.subarray(0, n));
      if (left === 0) file.close(), c.close();
    },
    cancel: () => file.close(),
  }, { highWaterMark: 0 });
  const headers: Record<string, string> = {
    "content-length": String(end - start + 1),
    "accept-ranges": "bytes",
  };
  if (m) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  return new Response(body, { status: m ? 206 : 200, headers });
});
