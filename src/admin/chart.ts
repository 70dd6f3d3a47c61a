/**
 * The admin's charts: views per day, and a video's audience retention and seek targets, drawn
 * as inline SVG on the server, so the admin needs no script, no CDN and works offline. Colours
 * come from attributes, not `style`, so a strict Content-Security-Policy allows them.
 *
 * @module
 */

import type { DailyViews, RetentionPoint, SeekTarget } from "../watch_log/types.ts";
import { html, type HtmlValue, type SafeHtml } from "../html/html.ts";
import { formatPosition, formatShare } from "./format.ts";

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (UTC) of a time. */
function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * Fills the days without viewings between the first and the last (or between `from` and the
 * day before `to`) with zeros, so the chart's x axis is linear. At most 400 days are kept: the
 * most recent.
 *
 * @param days The days with viewings, oldest first.
 * @param from Start of the range shown, if bounded.
 * @param to End of the range shown (exclusive), if bounded.
 * @returns One entry per day, oldest first.
 */
export function fillDays(days: readonly DailyViews[], from?: Date, to?: Date): DailyViews[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const first = from ? Date.parse(dayOf(from.getTime())) : days.length ? Date.parse(days[0].day) : null;
  const last = to
    ? Date.parse(dayOf(to.getTime() - 1))
    : days.length
    ? Date.parse(days[days.length - 1].day)
    : null;
  if (first === null || last === null || last < first) return [...days];
  const start = Math.max(first, last - 399 * DAY_MS);
  const out: DailyViews[] = [];
  for (let t = start; t <= last; t += DAY_MS) {
    const day = dayOf(t);
    out.push(byDay.get(day) ?? { day, viewings: 0, uniqueViewers: 0, bytes: 0, watchedSeconds: 0 });
  }
  return out;
}

/** A "nice" top of a y axis at or above `max` (at least 1): 1, 2 or 5 times a power of ten. */
function niceMax(max: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= max) ?? max;
}

/**
 * Draws viewings per day as an SVG bar chart with a title per bar (shown on hover) and an
 * accessible description.
 *
 * @param days One entry per day, oldest first (see {@linkcode fillDays}).
 * @returns The `<svg>` element.
 */
export function viewsChart(days: readonly DailyViews[]): SafeHtml {
  const width = 720;
  const height = 200;
  const left = 36;
  const bottom = 22;
  const top = 10;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...days.map((d) => d.viewings));
  const yMax = niceMax(max);
  const slot = days.length ? plotW / days.length : plotW;
  const barW = Math.max(1, Math.min(40, slot * 0.8));
  const total = days.reduce((n, d) => n + d.viewings, 0);
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));

  const bars = days.map((d, i) => {
    const h = Math.round((d.viewings / yMax) * plotH * 10) / 10;
    const x = Math.round((left + i * slot + (slot - barW) / 2) * 10) / 10;
    const y = Math.round((top + plotH - h) * 10) / 10;
    return html`
      <rect class="bar" x="${x}" y="${y}" width="${Math.round(barW * 10) / 10}" height="${h}" fill="#3b6fd8">
        <title>${d.day}: ${d.viewings} viewing${d.viewings === 1 ? "" : "s"}, ${d
          .uniqueViewers} viewer${d.uniqueViewers === 1 ? "" : "s"}</title>
      </rect>
    `;
  });
  const labels = days.map((d, i) =>
    i % labelEvery === 0
      ? html`<text x="${Math.round((left + i * slot + slot / 2) * 10) / 10}" y="${
        height - 6
      }" text-anchor="middle" font-size="10" fill="#555">${d.day.slice(5)}</text>`
      : ""
  );
  const ticks = [0, yMax / 2, yMax].map((v) => {
    const y = Math.round((top + plotH - (v / yMax) * plotH) * 10) / 10;
    return html`
      <line x1="${left}" x2="${width - 8}" y1="${y}" y2="${y}" stroke="#ddd" />
      <text x="${left - 4}" y="${y + 3}" text-anchor="end" font-size="10" fill="#555">${Number.isInteger(v)
        ? v
        : v.toFixed(1)}</text>
    `;
  });
  const summary = days.length
    ? `Viewings per day from ${days[0].day} to ${
      days[days.length - 1].day
    }: ${total} in all, at most ${max} a day`
    : "No viewings yet";
  return html`
    <svg class="chart" role="img" aria-label="${summary}" viewBox="0 0 ${width} ${height}"
      width="${width}" height="${height}"
      xmlns="http://www.w3.org/2000/svg"><title>${summary}</title>${ticks}${bars}${labels}${days.length
        ? ""
        : html`<text x="${width / 2}" y="${
          height / 2
        }" text-anchor="middle" fill="#777">No viewings yet</text>`}</svg>
  `;
}

/** The size and margins, in px, of a video's charts. */
const VIDEO_CHART = { width: 720, height: 230, left: 48, right: 14, top: 12, bottom: 42 } as const;
const PLOT_W = VIDEO_CHART.width - VIDEO_CHART.left - VIDEO_CHART.right;
const PLOT_H = VIDEO_CHART.height - VIDEO_CHART.top - VIDEO_CHART.bottom;
/** Where along the x axis times are labelled, as shares of the duration. */
const X_LABELS = [0, 0.25, 0.5, 0.75, 1];

/** Rounded to a tenth of a pixel; anything not finite (a zero duration, a missing share) is 0. */
function px(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : 0;
}

/** A share clamped to 0 to 1, 0 when it is not a number. */
function clampShare(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** The y coordinate of a value from 0 to `max` (at the bottom for 0). */
function yOf(value: number, max: number): number {
  return px(VIDEO_CHART.top + PLOT_H - clampShare(value / max) * PLOT_H);
}

/** The x axis: times at 0, ¼, ½, ¾ and the end of `parts`, and its title. */
function timeAxis(parts: readonly { start: number; end: number }[]): SafeHtml {
  const { left, top, height } = VIDEO_CHART;
  const end = parts.length ? parts[parts.length - 1].end : 0;
  const labels = X_LABELS.map((at) => {
    const anchor = at === 0 ? "start" : at === 1 ? "end" : "middle";
    return html`
      <text x="${px(left + at * PLOT_W)}" y="${top + PLOT_H + 14}" text-anchor="${anchor}"
        font-size="10" fill="#555">${formatPosition(at * end)}</text>
    `;
  });
  return html`
    <line x1="${left}" x2="${left + PLOT_W}" y1="${top + PLOT_H}" y2="${top + PLOT_H}"
      stroke="#999" />${labels}<text x="${px(left + PLOT_W / 2)}" y="${height - 6}" text-anchor="middle"
      font-size="11" fill="#333">Time in the video (m:ss)</text>
  `;
}

/** The y axis: a grid line and a label per tick, and its title, turned along the axis. */
function valueAxis(
  ticks: readonly number[],
  max: number,
  label: (v: number) => string,
  title: string,
): SafeHtml {
  const { left, top, width, right } = VIDEO_CHART;
  const lines = ticks.map((v) => {
    const y = yOf(v, max);
    return html`
      <line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#ddd" />
      <text
        x="${left - 4}" y="${px(y + 3)}" text-anchor="end" font-size="10" fill="#555">${label(v)}</text>
    `;
  });
  return html`
    ${lines}<text transform="rotate(-90)" x="${px(-(top + PLOT_H / 2))}" y="11"
      text-anchor="middle" font-size="11" fill="#333">${title}</text>
  `;
}

/** The `<svg>` of a video's chart, named by its `<title>` and described by its `<desc>`. */
function videoSvg(id: string, title: string, description: string, content: HtmlValue): SafeHtml {
  const { width, height } = VIDEO_CHART;
  return html`
    <svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title"
      aria-describedby="${id}-desc"
      viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"
      xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc
        id="${id}-desc">${description}</desc>${content}</svg>
  `;
}

/** A chart with nothing to draw: its axes' frame and a line of text saying why. */
function emptyVideoChart(id: string, title: string, message: string): SafeHtml {
  const { width, height } = VIDEO_CHART;
  return videoSvg(id, title, message, [
    html`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#777">${message}</text>`,
  ]);
}

/** The share of each labelled point, for the chart's description. */
function retentionDescription(points: readonly RetentionPoint[], timedViewings: number): string {
  const end = points[points.length - 1].end;
  const at = X_LABELS.map((share) => points[Math.min(points.length - 1, Math.floor(share * points.length))]);
  const reached = at.map((p) => `${formatShare(clampShare(p.share))} at ${formatPosition(p.start)}`);
  const viewings = `${timedViewings} viewing${timedViewings === 1 ? "" : "s"}`;
  return `Share of the ${viewings} with watch time that reached each point of the video ` +
    `(0:00 to ${formatPosition(end)}): ${reached.join(", ")}. The table below lists every point.`;
}

/**
 * Draws a video's audience retention as inline SVG: one column per part (1 % of the duration)
 * as high as the share of viewings with watch time that reached it, an outline along their
 * tops, times along the x axis and 0–100 % up the y axis; each column has a `<title>` (shown
 * on hover), the whole a `<title>` and a `<desc>` naming the share at 0, ¼, ½, ¾ and the end.
 * Without points, a chart that says so.
 *
 * @param points The curve, as {@linkcode VideoReport.retention} gives it.
 * @param timedViewings The viewings with watch time the shares are of.
 * @param id The element's id (its title's and description's start with it).
 * @returns The `<svg>` element.
 */
export function retentionChart(
  points: readonly RetentionPoint[],
  timedViewings: number,
  id = "retention-chart",
): SafeHtml {
  const title = "Audience retention";
  if (points.length === 0) return emptyVideoChart(id, title, "No viewing of this video had watch time");
  const slot = PLOT_W / points.length;
  const x = (i: number) => px(VIDEO_CHART.left + i * slot);
  const y = (p: RetentionPoint) => yOf(clampShare(p.share), 1);
  // the area is one path, so no seams show between columns; the columns over it, unpainted,
  // carry each part's <title>
  const columns = points.map((p, i) =>
    html`
      <rect class="retention" x="${x(i)}" y="${y(p)}" width="${px(slot)}" height="${px(
        VIDEO_CHART.top + PLOT_H - y(p),
      )}"
        fill="#c9d8f5" fill-opacity="0">
        <title>${formatPosition(p.start)}–${formatPosition(p.end)}: ${formatShare(clampShare(p.share))} (${p
          .viewings} of ${timedViewings})</title>
      </rect>
    `
  );
  const steps = points.map((p, i) => `V ${y(p)} H ${x(i + 1)}`).join(" ");
  const bottom = VIDEO_CHART.top + PLOT_H;
  return videoSvg(id, title, retentionDescription(points, timedViewings), [
    valueAxis([0, 0.25, 0.5, 0.75, 1], 1, (v) => `${v * 100}%`, "Share of viewings"),
    html`<path class="retention-area" d="M ${x(0)} ${bottom} ${steps} V ${bottom} Z" fill="#c9d8f5" />`,
    html`
      <path class="retention-line" d="M ${x(0)} ${y(points[0])} ${steps}" fill="none" stroke="#3b6fd8"
        stroke-width="2" />
    `,
    html`${columns}`,
    timeAxis(points),
  ]);
}

/** The number of seeks and where most landed, for the chart's description. */
function seekDescription(targets: readonly SeekTarget[], total: number, most: number): string {
  if (total === 0) return "No viewer sought in this video.";
  const top = targets.find((t) => t.seeks === most)!;
  return `${total} seek${total === 1 ? "" : "s"} in all; most (${most}) landed at ` +
    `${formatPosition(top.start)}–${formatPosition(top.end)}. The table below lists every part.`;
}

/**
 * Draws where viewers seek to as inline SVG: a bar per part (1 % of the duration) that seeks
 * landed in, as high as their number, times along the x axis and counts up the y axis; each
 * bar has a `<title>`, the whole a `<title>` and a `<desc>`. Without parts, a chart that says so.
 *
 * @param targets The parts, as {@linkcode VideoReport.seekTargets} gives them.
 * @param id The element's id (its title's and description's start with it).
 * @returns The `<svg>` element.
 */
export function seekChart(targets: readonly SeekTarget[], id = "seek-chart"): SafeHtml {
  const title = "Where viewers seek to";
  if (targets.length === 0) return emptyVideoChart(id, title, "No viewing of this video had watch time");
  const counts = targets.map((t) => Number.isFinite(t.seeks) ? Math.max(0, t.seeks) : 0);
  const total = counts.reduce((n, c) => n + c, 0);
  const most = Math.max(0, ...counts);
  const yMax = niceMax(Math.max(1, most));
  const slot = PLOT_W / targets.length;
  const barW = Math.max(1, slot * 0.8);
  const bars = targets.map((t, i) => {
    if (counts[i] === 0) return "";
    const y = yOf(counts[i], yMax);
    return html`
      <rect class="seeks" x="${px(VIDEO_CHART.left + i * slot + (slot - barW) / 2)}" y="${y}"
        width="${px(barW)}" height="${px(VIDEO_CHART.top + PLOT_H - y)}" fill="#d8843b">
        <title>${formatPosition(t.start)}–${formatPosition(t.end)}: ${counts[i]} seek${counts[i] === 1
          ? ""
          : "s"}</title>
      </rect>
    `;
  });
  const ticks = Number.isInteger(yMax / 2) ? [0, yMax / 2, yMax] : [0, yMax];
  const none = total === 0
    ? html`
      <text x="${VIDEO_CHART.width / 2}" y="${VIDEO_CHART.height / 2}" text-anchor="middle"
        fill="#777">No seeks</text>
    `
    : "";
  return videoSvg(id, title, seekDescription(targets, total, most), [
    valueAxis(ticks, yMax, String, "Seeks landing"),
    html`${bars}`,
    none,
    timeAxis(targets),
  ]);
}
