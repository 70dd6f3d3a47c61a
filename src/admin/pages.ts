/**
 * The admin's HTML pages: the dashboard, the viewings and requests listings, a video's page,
 * the login form. Server-rendered with no script at all; every value goes through the escaping
 * `html` template.
 *
 * @module
 */

import type {
  DailyViews,
  RetentionPoint,
  SeekTarget,
  TopVideo,
  ViewingRecord,
  WatchEventRecord,
  WatchLogList,
  WatchLogStats,
  WatchLogSummary,
} from "../watch_log/types.ts";
import { fillDays, retentionChart, seekChart, viewsChart } from "./chart.ts";
import { formatBytes, html, type HtmlValue, type SafeHtml } from "../html/html.ts";
import { type AdminQuery, queryString, videoQuery } from "./query.ts";
import { formatDuration, type MediaSummary } from "../media/describe.ts";
import { formatPosition, formatShare, formatWatchTime, UNKNOWN_FIGURE } from "./format.ts";
import type { AdminVideoReport, AdminViewing } from "./watch_log_read.ts";

/** Which page of the admin is shown. */
export type AdminPage = "dashboard" | "viewings" | "requests" | "video";

/** What every page knows: where the admin is mounted and whether a logout button makes sense. */
export interface PageContext {
  /** The admin's base path, without a trailing slash. */
  base: string;
  /** The page title prefix. */
  title: string;
  /** Whether the visitor logged in with the cookie (then a logout button is shown). */
  session: boolean;
}

/** `2025-01-31 12:34:56Z` */
export function formatTime(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function share(value: number | null): string {
  return formatShare(value);
}

function layout(ctx: PageContext, page: AdminPage | "login", heading: string, body: HtmlValue): SafeHtml {
  const link = (name: AdminPage, path: string, label: string) =>
    html`
      <a href="${ctx.base}${path}" ${page === name
        ? html`
          aria-current="page"
        `
        : ""}>${label}</a>
    `;
  return html`
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${heading} · ${ctx.title}</title>
        <link rel="stylesheet" href="${ctx.base}/style.css">
      </head>
      <body>
        <header><span class="brand">${ctx.title}</span>${page === "login"
          ? ""
          : html`<nav>${link("dashboard", "/", "Dashboard")} · ${
            link("viewings", "/viewings", "Viewings")
          } · ${link("requests", "/requests", "Requests")}</nav>${
            ctx.session
              ? html`<form method="post" action="${ctx.base}/logout"><button type="submit">Log out</button></form>`
              : ""
          }`}</header>
        <main>${body}</main>
      </body>
    </html>
  `;
}

/**
 * The login form.
 *
 * @param ctx The page context.
 * @param message An error to show, or `""`.
 * @returns The page.
 */
export function loginPage(ctx: PageContext, message: string): SafeHtml {
  return layout(
    ctx,
    "login",
    "Log in",
    html`
      <form class="login" method="post"
        action="${ctx.base}/login"><h1>Watch-log admin</h1>${message
          ? html`<p class="error" role="alert">${message}</p>`
          : ""}<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      <button class="primary" type="submit">Log in</button>
      <p class="muted">The token is printed by the server at start-up, or set with <code>--admin-token</code>.</p></form>
    `,
  );
}

/**
 * A page that reports a bad query, or (with another heading) something not found.
 *
 * @param ctx The page context.
 * @param page The page asked for.
 * @param message What is wrong.
 * @param heading The heading and title.
 * @returns The page.
 */
export function errorPage(
  ctx: PageContext,
  page: AdminPage,
  message: string,
  heading = "Bad request",
): SafeHtml {
  return layout(
    ctx,
    page,
    heading,
    html`
      <h1>${heading}</h1>
      <p class="error">${message}</p>
      <p><a href="${ctx.base}/">Back</a></p>
    `,
  );
}

function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The watch logger's counters, for operators: whether the database takes events, and how many
 * wait in memory, wait in the spool, or were lost.
 */
function writerPanel(stats: WatchLogStats): SafeHtml {
  const card = (value: number, label: string, id: string) =>
    html`<div class="card" id="${id}"><b>${value}</b><span>${label}</span></div>`;
  return html`
    <h2>Watch log writer</h2>
    <p id="writer-state">${stats.available
      ? "The last write to the database succeeded."
      : "The last write to the database failed; events wait in the spool and are retried."}</p>
    <div class="cards" id="writer-stats">${card(
      stats.spooled,
      "waiting in the spool",
      "writer-spooled",
    )}${card(
      stats.queued,
      "waiting in memory",
      "writer-queued",
    )}${card(stats.dropped, "lost", "writer-dropped")}${card(
      stats.written,
      "written",
      "writer-written",
    )}</div>
  `;
}

/** A notice at the top of the dashboard while writes fail, though reads still work. */
function writeFailureNotice(stats: WatchLogStats | null): SafeHtml | "" {
  if (stats === null || stats.available) return "";
  return html`<p class="error" role="status" id="write-failing">Writes to the watch log database are failing
    right now: ${plural(stats.spooled + stats.queued, "event")} waiting in the spool and in memory will
    appear here when the database takes them again.</p>`;
}

/**
 * The page shown instead of a dashboard or a listing while the watch log cannot be read:
 * the layout and navigation, a notice (`role="alert"`), the writer's counters and a link to
 * try again. Shows no database text: only `cause`, a code or class name.
 *
 * @param ctx The page context.
 * @param page The page asked for.
 * @param cause `"timeout"` or a short cause (`"SQLITE_NOTADB"`).
 * @param stats The logger's counters, or `null`.
 * @param retry The link to try again (the path and query asked for).
 * @returns The page.
 */
export function unavailablePage(
  ctx: PageContext,
  page: AdminPage,
  cause: string,
  stats: WatchLogStats | null,
  retry: string,
): SafeHtml {
  const heading =
    { dashboard: "Dashboard", viewings: "Viewings", requests: "Requests", video: "Video" }[page];
  const why = cause === "timeout" ? "it did not answer in time" : `cause: ${cause}`;
  return layout(
    ctx,
    page,
    heading,
    html`
      <h1>${heading}</h1>
      <div class="error" role="alert" id="watch-log-unavailable">
        <p><strong>The watch log database is
        unavailable right now</strong> (${why}).</p>
        <p>Streaming is not affected: events are kept in the spool
        and will appear here when the database is back.${stats === null ? "" : html`
          ${plural(
            stats.spooled,
            "event",
          )} waiting in the spool.
        `}</p>
      </div>
      <p><a href="${retry}">Try again</a></p>${stats === null ? "" : writerPanel(stats)}
    `,
  );
}

function filterForm(ctx: PageContext, page: AdminPage, q: AdminQuery): SafeHtml {
  const option = (value: string, label: string, current: string) =>
    html`
      <option value="${value}" ${value === current
        ? html`
          selected
        `
        : ""}>${label}</option>
    `;
  const path = page === "dashboard" ? "/" : `/${page}`;
  return html`<form class="filters" method="get" action="${ctx.base}${path}">
<label>Authenticated<select name="auth">${option("", "All", q.auth)}${option("yes", "Yes", q.auth)}${
    option("no", "No", q.auth)
  }</select></label>
<label>Period<select name="period">${option("all", "All time", q.period)}${
    option("today", "Today", q.period)
  }${option("7d", "Last 7 days", q.period)}${option("month", "This month", q.period)}${
    option("custom", "Custom range", q.period)
  }</select></label>
<label>From<input type="date" name="from" value="${q.fromDay}"></label>
<label>To<input type="date" name="to" value="${q.toDay}"></label>
<label>User<input type="search" name="user" value="${q.user}" placeholder="user id"></label>
<label>Video<input type="search" name="video" value="${q.video}" placeholder="path contains"></label>
${
    q.sort
      ? html`<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="order" value="${q.order}">`
      : ""
  }
<button class="primary" type="submit">Apply</button> <a href="${ctx.base}${path}">Reset</a></form>`;
}

function pager(ctx: PageContext, path: string, q: AdminQuery, total: number): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / q.limit));
  return html`
    <nav class="pager"
      aria-label="Pages">${q.page > 1
        ? html`<a rel="prev" href="${ctx.base}${path}${queryString(q, { page: q.page - 1 })}">← Previous</a>`
        : ""}<span>Page ${q.page} of ${pages} · ${total} row${total === 1 ? "" : "s"}</span>${q.page < pages
        ? html`<a rel="next" href="${ctx.base}${path}${queryString(q, { page: q.page + 1 })}">Next →</a>`
        : ""}</nav>
  `;
}

function sortHeader(
  ctx: PageContext,
  path: string,
  q: AdminQuery,
  key: string,
  label: string,
  num = false,
): SafeHtml {
  const active = q.sort === key;
  const order = active && q.order === "desc" ? "asc" : "desc";
  const arrow = active ? (q.order === "desc" ? " ↓" : " ↑") : "";
  return html`<th${
    num
      ? html`
        class="num"
      `
      : ""
  }${
    active
      ? html`
        aria-sort="${q.order === "desc" ? "descending" : "ascending"}"
      `
      : ""
  }><a href="${ctx.base}${path}${queryString(q, { sort: key, order, page: "" })}">${label}${arrow}</a></th>`;
}

function exportLinks(ctx: PageContext, path: string, q: AdminQuery): SafeHtml {
  const qs = queryString(q, { page: "" });
  return html`
    <p
      class="actions"><a href="${ctx.base}${path}.csv${qs}" download>Export CSV</a><a href="${ctx
        .base}/api${path}${qs}">JSON</a></p>
  `;
}

function yesNo(value: boolean): string {
  return value ? "yes" : "no";
}

/** The link to a video's page. */
function videoHref(ctx: PageContext, path: string): string {
  return `${ctx.base}/video${videoQuery(path)}`;
}

/** A table of videos: the most viewed, or those watched longest. */
function topVideosTable(ctx: PageContext, q: AdminQuery, id: string, videos: readonly TopVideo[]): SafeHtml {
  const row = (v: TopVideo) =>
    html`
      <tr>
        <td class="wrap"><a href="${videoHref(ctx, v.path)}">${v.path}</a></td>
        <td class="num"><a href="${ctx.base}/viewings${queryString(q, { video: v.path, page: "" })}">${v
          .viewings}</a></td>
        <td class="num">${v.uniqueViewers}</td>
        <td class="num">${formatBytes(v.bytes)}</td>
        <td class="num">${share(v.averageWatchedShare)}</td>
        <td class="num">${formatWatchTime(v.watchedSeconds)}</td>
        <td class="num">${share(v.completionRate)}</td>
      </tr>
    `;
  return html`
    <table id="${id}">
      <thead>
        <tr>
          <th>Video</th>
          <th class="num">Viewings</th>
          <th class="num">Viewers</th>
          <th class="num">Bytes</th>
          <th class="num">Avg. watched</th>
          <th class="num">Watch time</th>
          <th class="num">Completed</th>
        </tr>
      </thead>
      <tbody>${videos.length ? videos.map(row) : html`
        <tr class="empty">
          <td colspan="7">No viewings</td>
        </tr>
      `}</tbody>
    </table>
  `;
}

/** The chart's days as a table, with the watch time the chart leaves out. */
function perDayTable(days: readonly DailyViews[]): SafeHtml {
  const row = (d: DailyViews) =>
    html`
      <tr>
        <td>${d.day}</td>
        <td class="num">${d.viewings}</td>
        <td class="num">${d.uniqueViewers}</td>
        <td class="num">${formatBytes(d.bytes)}</td>
        <td class="num">${formatWatchTime(d.watchedSeconds)}</td>
      </tr>
    `;
  return html`
    <details id="per-day">
      <summary>Per day (table), with watch time</summary>
      <table>
        <thead>
          <tr>
            <th>Day (UTC)</th>
            <th class="num">Viewings</th>
            <th class="num">Viewers</th>
            <th class="num">Bytes</th>
            <th class="num">Watch time</th>
          </tr>
        </thead>
        <tbody>${days.length ? days.map(row) : html`
          <tr class="empty">
            <td colspan="5">No viewings</td>
          </tr>
        `}</tbody>
      </table>
    </details>
  `;
}

/**
 * The dashboard: totals (watch time and completion rate among them), views per day with a
 * table of the days, the most viewed videos and those watched longest.
 *
 * @param ctx The page context.
 * @param q The query.
 * @param summary The summary for its filters.
 * @param stats The watch logger's counters, or `null` when the admin reads without a logger.
 * @returns The page.
 */
export function dashboardPage(
  ctx: PageContext,
  q: AdminQuery,
  summary: WatchLogSummary,
  stats: WatchLogStats | null = null,
): SafeHtml {
  const from = q.filter.from === undefined ? undefined : new Date(q.filter.from);
  const to = q.filter.to === undefined ? undefined : new Date(q.filter.to);
  const days = fillDays(summary.viewsPerDay, from, to);
  const card = (value: HtmlValue, label: string, id: string) =>
    html`<div class="card" id="${id}"><b>${value}</b><span>${label}</span></div>`;
  return layout(
    ctx,
    "dashboard",
    "Dashboard",
    html`
      <h1>Dashboard</h1>${writeFailureNotice(stats)}${filterForm(ctx, "dashboard", q)}
      <div class="cards">${card(summary.viewings, "viewings", "stat-viewings")}${card(
        summary.uniqueViewers,
        "unique viewers",
        "stat-viewers",
      )}${card(summary.requests, "requests", "stat-requests")}${card(
        formatBytes(summary.bytes),
        "served",
        "stat-bytes",
      )}${card(share(summary.averageWatchedShare), "average share watched", "stat-share")}${card(
        formatWatchTime(summary.watchedSeconds),
        "watch time",
        "stat-watch-time",
      )}${card(share(summary.completionRate), "completion rate", "stat-completion")}</div>
      <h2>Viewings per day (UTC)</h2><div class="panel">${viewsChart(days)}</div>${perDayTable(days)}
      <h2>Top videos</h2>${topVideosTable(ctx, q, "top-videos", summary.topVideos)}
      <h2>Top videos by watch time</h2>${topVideosTable(
        ctx,
        q,
        "top-videos-by-watch-time",
        summary.topVideosByWatchTime,
      )}<p
        class="actions"><a href="${ctx.base}/api/summary${queryString(q, {
          page: "",
        })}">JSON</a></p>${stats ===
            null
          ? ""
          : writerPanel(stats)}
    `,
  );
}

/** `2:03 · 1280×720 · avc1.64001f, mp4a.40.2` under a video's path, when the index read it. */
function mediaLine(media: MediaSummary | null | undefined): SafeHtml | "" {
  if (!media) return "";
  const size = media.width !== null && media.height !== null ? `${media.width}×${media.height}` : "";
  const text = [formatDuration(media.duration), size, media.codecs.join(", ")].filter((part) => part !== "")
    .join(" · ");
  return html`<br><small class="media">${text}</small>`;
}

// a viewing without media time: its file is not one the media index reads, it was logged
// without `media`, or before watch time existed
const BYTES_ONLY = "Counted in bytes only: no seconds of media are known for this viewing";

/** A viewing's seconds reached of the media's length, completion and seeks; "bytes only" without. */
function watchTimeCells(v: ViewingRecord): SafeHtml {
  if (v.watchedSeconds === null || v.watchedSeconds === undefined) {
    return html`
      <td class="num"><span class="muted bytes-only" title="${BYTES_ONLY}">bytes only</span></td>
      <td>${UNKNOWN_FIGURE}</td>
      <td class="num">${UNKNOWN_FIGURE}</td>
    `;
  }
  return html`
    <td class="num">${formatPosition(v.watchedSeconds)} of ${formatPosition(v.mediaDuration)}</td>
    <td>${yesNo(v.completed)}</td>
    <td class="num">${v.seeks}</td>
  `;
}

/**
 * The viewings listing.
 *
 * @param ctx The page context.
 * @param q The query.
 * @param list One page of viewings.
 * @returns The page.
 */
export function viewingsPage(ctx: PageContext, q: AdminQuery, list: WatchLogList<AdminViewing>): SafeHtml {
  const p = "/viewings";
  const row = (v: AdminViewing) =>
    html`
      <tr>
        <td>${formatTime(v.firstSeen)}</td>
        <td class="wrap"><a href="${videoHref(ctx, v.path)}">${v.path}</a>${mediaLine(v.media)}</td>
        <td>${v.userId ?? "–"}</td>
        <td>${yesNo(v.authenticated)}</td>
        <td>${v.clientIp ?? "–"}</td>
        <td class="num">${v.requestCount}</td>
        <td class="num">${formatBytes(v.bytes)}</td>
        <td class="num">${share(v.watchedShare)}</td>
        ${watchTimeCells(v)}
        <td>${formatTime(v.lastSeen)}</td>
        <td class="ua">${v.userAgent ?? ""}</td>
      </tr>
    `;
  return layout(
    ctx,
    "viewings",
    "Viewings",
    html`
      <h1>Viewings</h1>${filterForm(ctx, "viewings", q)}${exportLinks(ctx, p, q)}
      <table id="rows">
        <thead>
          <tr>${sortHeader(ctx, p, q, "firstSeen", "Time")}${sortHeader(
            ctx,
            p,
            q,
            "path",
            "Video",
          )}${sortHeader(ctx, p, q, "userId", "User")}<th>Authenticated</th><th>IP</th>${sortHeader(
            ctx,
            p,
            q,
            "requestCount",
            "Requests",
            true,
          )}${sortHeader(ctx, p, q, "bytes", "Bytes", true)}${sortHeader(
            ctx,
            p,
            q,
            "watchedShare",
            "Watched",
            true,
          )}${sortHeader(ctx, p, q, "watchedSeconds", "Watch time", true)}<th>Completed</th><th
            class="num">Seeks</th>${sortHeader(ctx, p, q, "lastSeen", "Last seen")}<th>User agent</th></tr>
        </thead>
        <tbody>${list.items.length ? list.items.map(row) : html`
          <tr class="empty">
            <td colspan="13">No viewings match</td>
          </tr>
        `}</tbody>
      </table>${pager(ctx, p, q, list.total)}
    `,
  );
}

// Bun hands a file body to the kernel (zero-copy), so nothing counts what the client took.
const UNKNOWN_DELIVERED = "The runtime could not tell how many bytes the client received";

/** Bytes delivered, or "unknown" (with the planned length in its tooltip) where not observable. */
function deliveredCell(e: WatchEventRecord): SafeHtml {
  if (e.bytesDelivered !== null) return html`<td class="num">${formatBytes(e.bytesDelivered)}</td>`;
  const title = `${UNKNOWN_DELIVERED}; ${formatBytes(e.bytesPlanned)} were planned`;
  return html`<td class="num"><span class="muted unknown" title="${title}">unknown</span></td>`;
}

function rangeText(e: WatchEventRecord): string {
  if (e.rangeStart === null || e.rangeEnd === null) return "–";
  const span = `${e.rangeStart}-${e.rangeEnd}/${e.fileSize ?? "*"}`;
  return e.rangeCount > 1 ? `${span} (+${e.rangeCount - 1})` : span;
}

/**
 * The requests listing: one row per logged response.
 *
 * @param ctx The page context.
 * @param q The query.
 * @param list One page of requests.
 * @returns The page.
 */
export function requestsPage(
  ctx: PageContext,
  q: AdminQuery,
  list: WatchLogList<WatchEventRecord>,
): SafeHtml {
  const p = "/requests";
  const row = (e: WatchEventRecord) =>
    html`
      <tr>
        <td>${formatTime(e.startedAt)}</td>
        <td class="wrap">${e.path}</td>
        <td>${e.userId ?? "–"}</td>
        <td>${yesNo(e.authenticated)}</td>
        <td>${e.clientIp ?? "–"}</td>
        <td class="num">${e.status}</td>
        <td>${rangeText(e)}</td>
        ${deliveredCell(e)}
        <td class="num">${Math.round(e.durationMs)} ms</td>
        <td>${yesNo(e.aborted)}</td>
        <td class="ua">${e.userAgent ?? ""}</td>
      </tr>
    `;
  return layout(
    ctx,
    "requests",
    "Requests",
    html`
      <h1>Requests</h1>${filterForm(ctx, "requests", q)}${exportLinks(ctx, p, q)}
      <table id="rows">
        <thead>
          <tr>${sortHeader(ctx, p, q, "startedAt", "Time")}${sortHeader(
            ctx,
            p,
            q,
            "path",
            "Video",
          )}${sortHeader(ctx, p, q, "userId", "User")}<th>Authenticated</th><th>IP</th>${sortHeader(
            ctx,
            p,
            q,
            "status",
            "Status",
            true,
          )}<th>Range</th>${sortHeader(ctx, p, q, "bytes", "Delivered", true)}${sortHeader(
            ctx,
            p,
            q,
            "durationMs",
            "Duration",
            true,
          )}<th>Aborted</th><th>User agent</th></tr>
        </thead>
        <tbody>${list.items.length ? list.items.map(row) : html`
          <tr class="empty">
            <td colspan="11">No requests match</td>
          </tr>
        `}</tbody>
      </table>${pager(ctx, p, q, list.total)}
    `,
  );
}

/** A video's duration: from its viewings' media time, else from the media index, else unknown. */
function videoDuration(video: AdminVideoReport): number | null {
  if (video.duration !== null) return video.duration;
  const fromIndex = video.media?.duration ?? 0;
  return fromIndex > 0 ? fromIndex : null;
}

/** The notice shown instead of the charts when no viewing of the video had watch time. */
function bytesOnlyNotice(video: AdminVideoReport): SafeHtml {
  return html`
    <div class="panel" role="note" id="bytes-only">
      <p><strong>Counted in bytes only.</strong> ${video.viewings === 1
        ? "Its one viewing has no watch time"
        : `None of its ${video.viewings} viewings has watch time`}: the bytes served were not mapped
      to seconds of media (a file the media index does not read, requests logged without
      <code>media</code>, or viewings logged before watch time existed). So there is no retention
      curve and no seek chart; bytes and the share of the file watched are in the viewings list.</p>
    </div>
  `;
}

/** A count, or "–" when it is not a finite number. */
function countText(n: number): number | string {
  return Number.isFinite(n) ? n : UNKNOWN_FIGURE;
}

/** One row per part of the video: where it is, how many viewings reached it, how many seeks landed in it. */
function partsTable(video: AdminVideoReport): SafeHtml {
  const count = video.retention.length;
  const row = (p: RetentionPoint, i: number) => {
    const seeks: SeekTarget | undefined = video.seekTargets[i];
    return html`
      <tr>
        <td class="num">${Math.round((i / count) * 100)}–${Math.round(((i + 1) / count) * 100)}%</td>
        <td class="num">${formatPosition(p.start)}</td>
        <td class="num">${formatPosition(p.end)}</td>
        <td class="num">${countText(p.viewings)}</td>
        <td class="num">${share(p.share)}</td>
        <td class="num">${countText(seeks?.seeks ?? 0)}</td>
      </tr>
    `;
  };
  return html`
    <details id="video-parts">
      <summary>Retention and seeks for each 1% of the video (table)</summary>
      <table>
        <thead>
          <tr>
            <th class="num">Part</th>
            <th class="num">From</th>
            <th class="num">To</th>
            <th class="num">Viewings reached</th>
            <th class="num">Share reached</th>
            <th class="num">Seeks landing</th>
          </tr>
        </thead>
        <tbody>${video.retention.map(row)}</tbody>
      </table>
    </details>
  `;
}

/** The retention curve, where viewers seek to, and the table of both. */
function videoCharts(video: AdminVideoReport): SafeHtml {
  const bytesOnly = video.viewings - video.timedViewings;
  return html`
    <h2>Audience retention</h2>
    <p class="muted">The share of the ${plural(video.timedViewings, "viewing")} with watch time that
    reached each point of the video${bytesOnly > 0
      ? html`; ${plural(bytesOnly, "viewing")} counted in bytes only ${
        bytesOnly === 1 ? "is" : "are"
      } left out`
      : ""}.</p>
    <div class="panel">${retentionChart(video.retention, video.timedViewings)}</div>
    <h2>Where viewers seek to</h2>
    <p class="muted">Seeks that landed in each part of the video.</p>
    <div class="panel">${seekChart(video.seekTargets)}</div>${partsTable(video)}
  `;
}

/**
 * A video's page: its figures over all its viewings (the listings' filters do not apply),
 * the audience-retention curve and where viewers seek to, as SVG with a table of the same
 * numbers; a notice instead of the charts when every viewing was counted in bytes only.
 *
 * @param ctx The page context.
 * @param video The video's figures, with its media when known.
 * @returns The page.
 */
export function videoPage(ctx: PageContext, video: AdminVideoReport): SafeHtml {
  const qs = videoQuery(video.path);
  const card = (value: HtmlValue, label: string, id: string) =>
    html`<div class="card" id="${id}"><b>${value}</b><span>${label}</span></div>`;
  const timed = video.timedViewings > 0 && video.retention.length > 0;
  return layout(
    ctx,
    "video",
    video.path,
    html`
      <h1>Video</h1>
      <p class="now" id="video-path"><code>${video.path}</code>${mediaLine(video.media)}</p>
      <p class="muted">Over all the viewings logged for this path, whatever the period.</p>
      <p class="actions"><a href="${ctx.base}/viewings?${new URLSearchParams({ video: video.path })
        .toString()}"
        title="The viewings whose path contains this one">Viewings</a><a href="${ctx
          .base}/video.csv${qs}" download>Export CSV</a><a href="${ctx.base}/api/video${qs}">JSON</a></p>
      <div
        class="cards">${card(video.viewings, "viewings", "stat-viewings")}${card(
          video.uniqueViewers,
          "unique viewers",
          "stat-viewers",
        )}${card(formatWatchTime(video.watchedSeconds), "total watch time", "stat-watch-time")}${card(
          formatWatchTime(video.averageWatchedSeconds),
          "average watch time",
          "stat-average-watch-time",
        )}${card(share(video.completionRate), "completion rate", "stat-completion")}${card(
          video.seeks,
          "seeks",
          "stat-seeks",
        )}${card(formatPosition(videoDuration(video)), "duration", "stat-duration")}${card(
          video.viewings - video.timedViewings,
          "counted in bytes only",
          "stat-bytes-only",
        )}</div>
      ${timed ? videoCharts(video) : bytesOnlyNotice(video)}
    `,
  );
}
