import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPacingOptions, paceDelayMs, resolvePacing } from "../../src/core/pacing.ts";

test("resolvePacing(): absolute figures stay, relative ones follow the bitrate", () => {
  assert.deepEqual(resolvePacing({ rate: 500_000 }, null), { bytesPerSecond: 500_000, burstBytes: 0 });
  assert.deepEqual(resolvePacing({ rate: 500_000, after: 1_000_000 }, 8_000), {
    bytesPerSecond: 500_000,
    burstBytes: 1_000_000,
  });
  assert.deepEqual(resolvePacing({ rate: { bitrate: 2 }, after: { seconds: 4 } }, 800_000), {
    bytesPerSecond: 200_000,
    burstBytes: 400_000,
  });
  assert.deepEqual(resolvePacing({ rate: 1000, after: { seconds: 1.5 } }, 8_001), {
    bytesPerSecond: 1000,
    burstBytes: 1500,
  });
});

test("resolvePacing(): a relative figure without a bitrate leaves the body unpaced", () => {
  assert.equal(resolvePacing({ rate: { bitrate: 1.5 } }, null), null);
  assert.equal(resolvePacing({ rate: { bitrate: 1.5 } }, 0), null);
  assert.equal(resolvePacing({ rate: 1000, after: { seconds: 10 } }, null), null);
});

test("paceDelayMs(): nothing within the burst, the rate after it, less when the body is late", () => {
  const pace = { bytesPerSecond: 1000, burstBytes: 500 };
  assert.equal(paceDelayMs(pace, 0, 0), 0);
  assert.equal(paceDelayMs(pace, 500, 0), 0);
  assert.equal(paceDelayMs(pace, 1500, 0), 1000);
  assert.equal(paceDelayMs(pace, 1500, 250), 750);
  assert.equal(paceDelayMs(pace, 1500, 5000), 0);
  assert.equal(paceDelayMs({ bytesPerSecond: 1e6, burstBytes: 0 }, 64 * 1024, 0), 65.536);
});

test("checkPacingOptions(): refuses rates that are not positive and negative bursts, naming the field", () => {
  for (
    const bad of [{ rate: 0 }, { rate: -1 }, { rate: Number.NaN }, { rate: { bitrate: 0 } }, {
      rate: Infinity,
    }]
  ) {
    assert.throws(
      () => checkPacingOptions(bad, "Cannot serve stream"),
      /"pacing\.rate"/,
      JSON.stringify(bad),
    );
  }
  for (
    const bad of [{ rate: 1, after: -1 }, { rate: 1, after: { seconds: -2 } }, { rate: 1, after: Number.NaN }]
  ) {
    assert.throws(
      () => checkPacingOptions(bad, "Cannot serve stream"),
      /"pacing\.after"/,
      JSON.stringify(bad),
    );
  }
  // deno-lint-ignore no-explicit-any
  assert.throws(() => checkPacingOptions({} as any, "Cannot serve stream"), RangeError);
  checkPacingOptions({ rate: 1 }, "ok");
  checkPacingOptions({ rate: { bitrate: 1.5 }, after: { seconds: 0 } }, "ok");
});
