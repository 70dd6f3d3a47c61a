import { after, test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { fileChunks } from "../../src/serve/file_chunks.ts";
import { eventually, openHandlesTo, patternBytes, tempDir, writeFixture } from "../_fixtures.ts";

const { dir, cleanup } = tempDir();
after(cleanup);
const DATA = patternBytes(300_000, 5);
const PATH = realpathSync(writeFixture(dir, "clip.mp4", DATA));

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.byteLength) - c.byteLength);
  return out;
}

test("fileChunks() reads a span in chunks of at most chunkSize", async () => {
  const chunks = await collect(fileChunks(PATH, { offset: 1000, length: 25_000, chunkSize: 4096 }));
  assert.ok(chunks.every((c) => c.byteLength <= 4096));
  assert.equal(chunks.length, Math.ceil(25_000 / 4096));
  assert.deepEqual(concat(chunks), DATA.subarray(1000, 26_000));
});

test("fileChunks() reads to the end of the file by default", async () => {
  assert.deepEqual(concat(await collect(fileChunks(PATH))), DATA);
  assert.deepEqual(
    concat(await collect(fileChunks(PATH, { offset: 299_990, length: 1000 }))),
    DATA.subarray(299_990),
  );
  assert.equal((await collect(fileChunks(PATH, { offset: 400_000 }))).length, 0);
});

test("fileChunks() closes the file when the consumer stops early", async () => {
  for (let i = 0; i < 50; i++) {
    for await (const chunk of fileChunks(PATH, { chunkSize: 1024 })) {
      assert.equal(chunk[0], DATA[0]);
      break;
    }
  }
  await assert.rejects(async () => {
    for await (const _ of fileChunks(PATH)) throw new Error("consumer failed");
  }, /consumer failed/);
  assert.ok(await eventually(() => openHandlesTo(PATH) === 0), `handles left: ${openHandlesTo(PATH)}`);
});

test("fileChunks() rejects bad arguments and missing files clearly", async () => {
  assert.throws(() => fileChunks(""), TypeError);
  assert.throws(() => fileChunks(PATH, { offset: -1 }), RangeError);
  assert.throws(() => fileChunks(PATH, { chunkSize: 0 }), RangeError);
  assert.throws(() => fileChunks(PATH, { length: NaN }), RangeError);
  await assert.rejects(() => collect(fileChunks(`${dir}/missing.mp4`)), /not-found/);
  await assert.rejects(() => collect(fileChunks(dir)), /not a regular file/);
});
