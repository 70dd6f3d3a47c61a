// A video's page and charts rendered from literal reports: every value escaped, no NaN or
// Infinity in the SVG whatever the duration, a notice instead of charts in bytes only, and the
// table with the same numbers as the charts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fillDays, retentionChart, seekChart } from "../../src/admin/chart.ts";
import { formatPosition, formatShare, formatWatchTime } from "../../src/admin/format.ts";
import { videoPage } from "../../src/admin/pages.ts";
import type { AdminVideoReport } from "../../src/admin/watch_log_read.ts";
import type { RetentionPoint, SeekTarget } from "../../src/watch_log/types.ts";

const CTX = { base: "/admin", title: "sage-stream admin", session: false };
const HOSTILE = `<script>alert(1)</script>"onload=x'.mp4`;

/** 100 parts of `duration` seconds, each reached by `reached(part)` of `timed` viewings. */
function parts(duration: number, timed: number, reached: (part: number) => number): RetentionPoint[] {
  return Array.from({ length: 100 }, (_, part) => ({
    start: part * duration / 100,
    end: (part + 1) * duration / 100,
    viewings: reached(part),
    share: timed > 0 ? reached(part) / timed : 0,
  }));
}

function seekParts(duration: number, seeks: (part: number) => number): SeekTarget[] {
  return Array.from({ length: 100 }, (_, part) => ({
    start: part * duration / 100,
    end: (part + 1) * duration / 100,
    seeks: seeks(part),
  }));
}

/** A 100-second video: two timed viewings (0-40 s and 80-90 s; 0-1 s), one in bytes only. */
function report(changes: Partial<AdminVideoReport> = {}): AdminVideoReport {
  const reached = (p: number) => (p === 0 ? 2 : p < 40 || (p >= 80 && p < 90) ? 1 : 0);
  return {
    path: "film.mp4",
    viewings: 3,
    timedViewings: 2,
    uniqueViewers: 3,
    duration: 100,
    watchedSeconds: 51,
    averageWatchedSeconds: 25.5,
    completed: 0,
    completionRate: 0,
    seeks: 1,
    retention: parts(100, 2, reached),
    seekTargets: seekParts(100, (p) => (p === 80 ? 1 : 0)),
    ...changes,
  };
}

/** The rows of the parts table: [part, from, to, viewings, share, seeks]. */
function tableRows(page: string): string[][] {
  const table = page.slice(page.indexOf('<details id="video-parts">'));
  const body = table.slice(table.indexOf("<tbody>"), table.indexOf("</tbody>"));
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) =>
    [...row[1].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((cell) => cell[1])
  );
}

function card(page: string, id: string): string {
  const match = new RegExp(`<div class="card" id="${id}"><b>([^<]*)</b>`).exec(page);
  assert.ok(match, `card ${id}`);
  return match[1];
}

test("the page shows the video's figures as cards", () => {
  const page = videoPage(CTX, report()).value;
  assert.equal(card(page, "stat-viewings"), "3");
  assert.equal(card(page, "stat-viewers"), "3");
  assert.equal(card(page, "stat-watch-time"), "0:00:51");
  assert.equal(card(page, "stat-average-watch-time"), "0:00:26");
  assert.equal(card(page, "stat-completion"), "0%");
  assert.equal(card(page, "stat-seeks"), "1");
  assert.equal(card(page, "stat-duration"), "1:40");
  assert.equal(card(page, "stat-bytes-only"), "1");
  assert.match(page, /1 viewing counted in bytes only is left out/);
  assert.match(page, /<a href="\/admin\/video\.csv\?path=film\.mp4" download>Export CSV<\/a>/);
  assert.match(page, /<a href="\/admin\/api\/video\?path=film\.mp4">JSON<\/a>/);
  assert.doesNotMatch(page, /id="bytes-only"/);
});

test("both charts are accessible images with a title and a description, and axes with labels", () => {
  const page = videoPage(CTX, report()).value;
  for (const id of ["retention-chart", "seek-chart"]) {
    const svg = new RegExp(
      `<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title" aria-describedby="${id}-desc"`,
    );
    assert.match(page, svg, id);
    assert.match(page, new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`));
  }
  const retention = retentionChart(report().retention, 2).value;
  assert.match(
    retention,
    /<desc id="retention-chart-desc">Share of the 2 viewings with watch time that reached each point of the video \(0:00 to 1:40\): 100% at 0:00, 50% at 0:25, 0% at 0:50, 0% at 1:15, 0% at 1:39\./,
  );
  const labels = [...retention.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const label of ["0%", "25%", "50%", "75%", "100%", "0:00", "0:25", "0:50", "1:15", "1:40"]) {
    assert.ok(labels.includes(label), `label ${label} in ${labels.join(" | ")}`);
  }
  assert.ok(labels.includes("Time in the video (m:ss)") && labels.includes("Share of viewings"));
  const columns = [...retention.matchAll(/<rect class="retention" [^>]*height="([\d.]+)"/g)].map((m) =>
    +m[1]
  );
  assert.equal(columns.length, 100);
  assert.equal(columns[0], 2 * columns[1], "100 % is twice as high as 50 %");
  assert.equal(columns[50], 0);
  assert.match(retention, /<title>0:30–0:31: 50% \(1 of 2\)<\/title>/);
  const seeks = seekChart(report().seekTargets).value;
  assert.equal([...seeks.matchAll(/<rect class="seeks"/g)].length, 1, "a bar only where seeks landed");
  assert.match(seeks, /<title>1:20–1:21: 1 seek<\/title>/);
  assert.match(seeks, /1 seek in all; most \(1\) landed at 1:20–1:21\./);
});

test("the table holds every part's numbers, the gap included, collapsed under the charts", () => {
  const page = videoPage(CTX, report()).value;
  assert.match(page, /<details id="video-parts">\s*<summary>Retention and seeks for each 1% of the video/);
  const rows = tableRows(page);
  assert.equal(rows.length, 100);
  assert.deepEqual(rows[0], ["0–1%", "0:00", "0:01", "2", "100%", "0"]);
  assert.deepEqual(rows[30], ["30–31%", "0:30", "0:31", "1", "50%", "0"]);
  assert.deepEqual(rows[60], ["60–61%", "1:00", "1:01", "0", "0%", "0"]);
  assert.deepEqual(rows[80], ["80–81%", "1:20", "1:21", "1", "50%", "1"]);
  assert.deepEqual(rows[99], ["99–100%", "1:39", "1:40", "0", "0%", "0"]);
});

test("a hostile path is text everywhere: in the title, the path line and the links", () => {
  const page = videoPage(CTX, report({ path: HOSTILE })).value;
  assert.doesNotMatch(page, /<script|"onload=|'\.mp4/);
  assert.match(page, /<title>&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;onload=x&#39;\.mp4 · /);
  assert.match(page, /<code>&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;onload=x&#39;\.mp4<\/code>/);
  const href = `/admin/video.csv?path=${new URLSearchParams({ path: HOSTILE }).toString().slice(5)}`;
  assert.ok(page.includes(`<a href="${href.replace(/'/g, "&#39;")}" download>`), href);
});

test("no NaN or Infinity in the SVG for a zero duration, zero timed viewings or odd shares", () => {
  const cases: AdminVideoReport[] = [
    report({ duration: 0, retention: parts(0, 2, () => 1), seekTargets: seekParts(0, () => 0) }),
    report({ retention: parts(100, 0, () => 0).map((p) => ({ ...p, share: NaN })), timedViewings: 0 }),
    report({ retention: parts(100, 2, () => 3).map((p) => ({ ...p, share: 1.5 })) }),
    report({ seekTargets: seekParts(100, () => Infinity) }),
  ];
  for (const [i, video] of cases.entries()) {
    for (
      const markup of [
        videoPage(CTX, video).value,
        retentionChart(video.retention, video.timedViewings).value,
        seekChart(video.seekTargets).value,
      ]
    ) {
      assert.doesNotMatch(markup, /NaN|Infinity|undefined/, `case ${i}`);
    }
  }
  const zero = retentionChart(parts(0, 2, () => 1), 2).value;
  assert.ok(
    [...zero.matchAll(/ x="([^"]*)"/g)].every((m) => Number.isFinite(Number(m[1]))),
    "every x is a number",
  );
  // shares above 1 are drawn at 100 %, never above the plot
  const over = retentionChart(parts(100, 2, () => 3).map((p) => ({ ...p, share: 1.5 })), 2).value;
  const tops = [...over.matchAll(/<rect class="retention" [^>]*? y="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(tops.length, 100);
  assert.ok(tops.every((top) => top >= 12), `tops: ${tops.join(", ")}`);
});

test("a video counted in bytes only shows a notice, no chart and no table", () => {
  const video = report({
    timedViewings: 0,
    duration: null,
    watchedSeconds: 0,
    averageWatchedSeconds: null,
    completed: 0,
    completionRate: null,
    seeks: 0,
    retention: [],
    seekTargets: [],
  });
  const page = videoPage(CTX, video).value;
  assert.match(
    page,
    /<div class="panel" role="note" id="bytes-only">\s*<p><strong>Counted in bytes only\.<\/strong>/,
  );
  assert.match(page, /None of its 3 viewings has watch time: the bytes served were not mapped/);
  assert.doesNotMatch(page, /<svg|<details/);
  assert.equal(card(page, "stat-watch-time"), "0:00:00");
  assert.equal(card(page, "stat-average-watch-time"), "–");
  assert.equal(card(page, "stat-completion"), "–");
  assert.equal(card(page, "stat-duration"), "–");
  assert.equal(card(page, "stat-bytes-only"), "3");
  // the media index still knows the file's length
  const known = videoPage(CTX, {
    ...video,
    media: {
      duration: 123.4,
      width: 640,
      height: 360,
      codecs: ["avc1.64001f"],
      mimeType: "",
      fastStart: true,
      bitrate: 0,
    },
  }).value;
  assert.equal(card(known, "stat-duration"), "2:03");
  assert.match(known, /<small class="media">2:03 · 640×360 · avc1\.64001f<\/small>/);
  // the charts drawn without points say so, with no NaN
  for (const markup of [retentionChart([], 0).value, seekChart([]).value]) {
    assert.match(markup, /No viewing of this video had watch time/);
    assert.doesNotMatch(markup, /NaN|Infinity/);
  }
});

test("zero viewings, and one: the page still renders, with no NaN", () => {
  const empty = report({
    viewings: 0,
    timedViewings: 0,
    uniqueViewers: 0,
    duration: null,
    watchedSeconds: 0,
    averageWatchedSeconds: null,
    completionRate: null,
    seeks: 0,
    retention: [],
    seekTargets: [],
  });
  const page = videoPage(CTX, empty).value;
  assert.doesNotMatch(page, /NaN|Infinity|undefined/);
  assert.equal(card(page, "stat-viewings"), "0");
  const one = videoPage(CTX, { ...empty, viewings: 1, uniqueViewers: 1 }).value;
  assert.match(one, /Its one viewing has no watch time/);
});

test("seeks everywhere or nowhere: the y axis stays whole numbers, 'No seeks' when none", () => {
  const none = seekChart(seekParts(100, () => 0)).value;
  assert.match(none, />No seeks<\/text>/);
  assert.match(none, /No viewer sought in this video\./);
  const many = seekChart(seekParts(60, (p) => p % 10 === 0 ? 7 : 0)).value;
  const ticks = [...many.matchAll(/<text x="44" [^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.deepEqual(ticks, ["0", "5", "10"]);
  assert.match(many, /70 seeks in all; most \(7\) landed at 0:00–0:01\./);
});

test("fillDays fills empty days with zero watch time, and the formatters guard odd values", () => {
  const days = fillDays(
    [
      { day: "2025-03-01", viewings: 1, uniqueViewers: 1, bytes: 5, watchedSeconds: 30 },
      { day: "2025-03-03", viewings: 2, uniqueViewers: 1, bytes: 9, watchedSeconds: 12.5 },
    ],
  );
  assert.deepEqual(days.map((d) => [d.day, d.watchedSeconds]), [
    ["2025-03-01", 30],
    ["2025-03-02", 0],
    ["2025-03-03", 12.5],
  ]);
  assert.deepEqual(days[1], {
    day: "2025-03-02",
    viewings: 0,
    uniqueViewers: 0,
    bytes: 0,
    watchedSeconds: 0,
  });
  assert.deepEqual([0, 59.4, 61, 3723, -5, NaN, null].map(formatPosition), [
    "0:00",
    "0:59",
    "1:01",
    "1:02:03",
    "0:00",
    "–",
    "–",
  ]);
  assert.deepEqual([0, 151, 3723, Infinity, null].map(formatWatchTime), [
    "0:00:00",
    "0:02:31",
    "1:02:03",
    "–",
    "–",
  ]);
  assert.deepEqual([0, 2 / 3, 1, null, NaN].map(formatShare), ["0%", "66.7%", "100%", "–", "–"]);
});
