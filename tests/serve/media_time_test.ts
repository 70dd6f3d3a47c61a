// serveStream({ mediaTime }): each served response reports the seconds of media its delivered
// bytes covered, traced through the layout it served (the file, a fast start, a clip).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serveStream, type StreamEvent } from "../../src/serve/serve_stream.ts";
import { eventually, tempDir } from "../_fixtures.ts";
import { runtime } from "../../src/runtime/mod.ts";
import { sample, videoPackets } from "../media/mp4/_samples.ts";

const { dir, cleanup } = tempDir("sage-media-time-");
after(cleanup);
const TIMEOUT = { timeout: 120_000 };

interface ServeWish {
  fastStart?: boolean;
  clip?: { start?: number; end?: number };
  mediaTime?: boolean;
}

// a real server, so that each runtime reports a body when it has sent it
const events: StreamEvent[] = [];
const wishes = new Map<string, { path: string; wish: ServeWish }>();
const server = await runtime.listen({
  hostname: "127.0.0.1",
  port: 0,
  handler: (req) => {
    const { path, wish } = wishes.get(new URL(req.url).searchParams.get("id")!)!;
    return serveStream(req, { path, mediaTime: true, ...wish, onServed: (e) => events.push(e) });
  },
});
after(() => server.close({ force: true }));
let ids = 0;

/** Serves `path` for `range` (or whole): the body, and what onServed saw. */
async function served(path: string, range: string | null, wish: ServeWish = {}): Promise<StreamEvent> {
  return (await fetched(path, range, wish)).event;
}

async function fetched(
  path: string,
  range: string | null,
  wish: ServeWish = {},
): Promise<{ event: StreamEvent; body: Uint8Array }> {
  const id = String(++ids);
  wishes.set(id, { path, wish });
  const before = events.length;
  const headers: Record<string, string> = range === null ? {} : { range };
  const res = await fetch(`http://127.0.0.1:${server.port}/?id=${id}`, { headers });
  const body = new Uint8Array(await res.arrayBuffer());
  assert.ok(await eventually(() => events.length > before, 5000), "onServed was called");
  return { event: events[before], body };
}

/** The file offset of the first video packet at or after `seconds`, and its time. */
async function packetAt(path: string, seconds: number): Promise<{ pos: number; pts: number }> {
  const packets = (await videoPackets(path)).sort((a, b) => a.pos - b.pos);
  const packet = packets.find((p) => p.key && p.pts >= seconds);
  assert.ok(packet, `a key frame after ${seconds} s`);
  return packet;
}

/** Where the first box of `type` starts in `bytes`. */
function boxOffset(bytes: Uint8Array, type: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length;) {
    if (new TextDecoder().decode(bytes.subarray(at + 4, at + 8)) === type) return at;
    const size = view.getUint32(at);
    at += size === 1 ? Number(view.getBigUint64(at + 8)) : size;
  }
  throw new Error(`no ${type} box`);
}

test(
  "a range from a key frame to the end covers the seconds from that frame to the end",
  TIMEOUT,
  async () => {
    const film = await sample("faststart");
    const key = await packetAt(film, 6);
    const event = await served(film, `bytes=${key.pos}-`);
    assert.ok(event.media, "media seconds reported");
    assert.ok(Math.abs(event.media.duration - 12) < 0.1, `duration ${event.media.duration}`);
    assert.equal(event.media.seconds.length, 1);
    const [start, end] = event.media.seconds[0];
    assert.ok(Math.abs(start - key.pts) <= 0.6, `starts at ${start}, the frame is at ${key.pts}`);
    assert.equal(end, event.media.duration);
    const whole = await served(film, null);
    assert.deepEqual(whole.media!.seconds, [[0, whole.media!.duration]]);
  },
);

test("the header alone covers no time", TIMEOUT, async () => {
  const film = await sample("faststart");
  const mdat = boxOffset(readFileSync(film), "mdat");
  const header = await served(film, `bytes=0-${mdat - 1}`);
  assert.deepEqual(header.media!.seconds, []);
  assert.ok(header.media!.duration > 11);
});

test("with fast start, the same media bytes map to the same seconds as in the file", TIMEOUT, async () => {
  const late = await sample("moovEnd");
  const key = await packetAt(late, 6);
  const plain = await served(late, `bytes=${key.pos}-${key.pos + 40_000}`);
  const composed = (await fetched(late, null, { fastStart: true })).body;
  const shift = boxOffset(composed, "mdat") - boxOffset(readFileSync(late), "mdat");
  assert.ok(shift > 0, "the moov moved in front of the media");
  const fast = await served(late, `bytes=${key.pos + shift}-${key.pos + shift + 40_000}`, {
    fastStart: true,
  });
  assert.ok(plain.media!.seconds.length > 0);
  assert.deepEqual(fast.media, plain.media);
  const moov = await served(late, `bytes=0-${boxOffset(composed, "mdat") - 1}`, { fastStart: true });
  assert.deepEqual(moov.media!.seconds, [], "the rewritten header covers no time");
});

test("a clip's seconds are those of the film it was cut from", TIMEOUT, async () => {
  const film = await sample("faststart");
  const event = await served(film, null, { clip: { start: 4, end: 8 } });
  const [start, end] = [event.media!.seconds[0][0], event.media!.seconds.at(-1)![1]];
  assert.ok(Math.abs(event.media!.duration - 12) < 0.1);
  assert.ok(start >= 3.4 && start <= 4.6, `clip starts at ${start}`);
  assert.ok(end >= 7.4 && end <= 8.6, `clip ends at ${end}`);
});

test("files the index does not read report media: null; without mediaTime nothing", TIMEOUT, async () => {
  const text = join(dir, "notes.mp4");
  writeFileSync(text, "not a movie at all");
  assert.equal((await served(text, null)).media, null);
  const film = await sample("faststart");
  assert.equal((await served(film, null, { mediaTime: false })).media, undefined);
  // the media layer reads the index for a fast start too; the event still carries no seconds
  assert.equal((await served(film, null, { mediaTime: false, fastStart: true })).media, undefined);
});
