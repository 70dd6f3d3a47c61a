import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCues } from "../../../src/media/webm/cues.ts";
import { MatroskaFormatError } from "../../../src/media/webm/ebml.ts";
import { ELEMENT_ID as ID } from "../../../src/media/webm/elements.ts";
import { concat, element, uint } from "./_ebml_builder.ts";

const CONTEXT = { segmentDataOffset: 1000, segmentEnd: 50_000, timestampScale: 1_000_000, maxCuePoints: 100 };

function cuePoint(time: number, ...positions: [track: number, cluster: number][]): Uint8Array {
  return element(
    ID.CuePoint,
    uint(ID.CueTime, time),
    ...positions.map(([track, cluster]) =>
      element(ID.CueTrackPositions, uint(ID.CueTrack, track), uint(ID.CueClusterPosition, cluster))
    ),
  );
}

test("parseCues() lists one point per track position, in time order, at file offsets", () => {
  const body = concat(cuePoint(2000, [1, 300], [2, 320]), cuePoint(0, [1, 10]), cuePoint(1000, [2, 150]));
  assert.deepEqual(parseCues(body, CONTEXT), [
    { time: 0, track: 1, clusterOffset: 1010 },
    { time: 1, track: 2, clusterOffset: 1150 },
    { time: 2, track: 1, clusterOffset: 1300 },
    { time: 2, track: 2, clusterOffset: 1320 },
  ]);
});

test("parseCues() counts in TimestampScale ticks", () => {
  const body = cuePoint(90_000, [1, 0]);
  assert.equal(parseCues(body, { ...CONTEXT, timestampScale: 1_000_000_000 / 90_000 })[0].time, 1);
  assert.equal(parseCues(body, { ...CONTEXT, timestampScale: 1000 })[0].time, 0.09);
});

test("parseCues() leaves out positions past the Segment and skips unknown children", () => {
  const body = concat(cuePoint(0, [1, 10], [1, 49_000]), element(0xec), cuePoint(5, [1, 20]));
  assert.deepEqual(parseCues(body, CONTEXT).map((point) => point.clusterOffset), [1010, 1020]);
});

test("parseCues() refuses more positions than the limit", () => {
  const body = concat(...Array.from({ length: 6 }, (_, i) => cuePoint(i, [1, i], [2, i])));
  assert.equal(parseCues(body, { ...CONTEXT, maxCuePoints: 12 }).length, 12);
  assert.throws(() => parseCues(body, { ...CONTEXT, maxCuePoints: 11 }), (error: unknown) => {
    assert.ok(error instanceof MatroskaFormatError);
    assert.equal(error.reason, "too-large");
    return true;
  });
});
