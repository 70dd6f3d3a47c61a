/**
 * The views-per-day chart: a bar chart drawn as inline SVG on the server, so the admin needs
 * no script, no CDN and works offline. Colours come from attributes, not `style`, so a strict
 * Content-Security-Policy allows it.
 *
 * @module
 */

import type { DailyViews } from "../watch_log/types.ts";
import { html, type SafeHtml } from "../html/html.ts";

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
  // a "nice" top of the y axis: 1, 2 or 5 times a power of ten
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const yMax = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= max) ?? max;
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
