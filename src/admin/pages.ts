/**
 * The admin's HTML pages: the dashboard, the viewings and requests listings, the login form.
 * Server-rendered with no script at all; every value goes through the escaping `html` template.
 *
 * @module
 */

import type {
  TopVideo,
  WatchEventRecord,
  WatchLogList,
  WatchLogStats,
  WatchLogSummary,
} from "../watch_log/types.ts";
import { fillDays, viewsChart } from "./chart.ts";
import { formatBytes, html, type HtmlValue, type SafeHtml } from "../html/html.ts";
import { type AdminQuery, queryString } from "./query.ts";
import { formatDuration, type MediaSummary } from "../media/describe.ts";
import type { AdminViewing } from "./watch_log_read.ts";

/** Which page of the admin is shown. */
export type AdminPage = "dashboard" | "viewings" | "requests";

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
  return value === null ? "–" : `${Math.round(value * 1000) / 10}%`;
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
 * A page that reports a bad query.
 *
 * @param ctx The page context.
 * @param page The page asked for.
 * @param message What is wrong.
 * @returns The page.
 */
export function errorPage(ctx: PageContext, page: AdminPage, message: string): SafeHtml {
  return layout(
    ctx,
    page,
    "Bad request",
    html`
      <h1>Bad request</h1>
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
  const heading = { dashboard: "Dashboard", viewings: "Viewings", requests: "Requests" }[page];
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

/**
 * The dashboard: totals, views per day, top videos.
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
  const top = (v: TopVideo) =>
    html`
      <tr>
        <td class="wrap"><a href="${ctx.base}/viewings${queryString(q, { video: v.path, page: "" })}">${v
          .path}</a></td>
        <td class="num">${v.viewings}</td>
        <td class="num">${v.uniqueViewers}</td>
        <td class="num">${formatBytes(v.bytes)}</td>
        <td class="num">${share(v.averageWatchedShare)}</td>
      </tr>
    `;
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
      )}${card(share(summary.averageWatchedShare), "average share watched", "stat-share")}</div>
      <h2>Viewings per day (UTC)</h2><div class="panel">${viewsChart(days)}</div>
      <h2>Top videos</h2><table id="top-videos">
        <thead>
          <tr>
            <th>Video</th>
            <th class="num">Viewings</th>
            <th class="num">Viewers</th>
            <th class="num">Bytes</th>
            <th class="num">Avg. watched</th>
          </tr>
        </thead>
        <tbody>${summary.topVideos.length ? summary.topVideos.map(top) : html`
          <tr class="empty">
            <td colspan="5">No viewings</td>
          </tr>
        `}</tbody>
      </table><p class="actions"><a href="${ctx.base}/api/summary${queryString(q, {
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
        <td class="wrap">${v.path}${mediaLine(v.media)}</td>
        <td>${v.userId ?? "–"}</td>
        <td>${yesNo(v.authenticated)}</td>
        <td>${v.clientIp ?? "–"}</td>
        <td class="num">${v.requestCount}</td>
        <td class="num">${formatBytes(v.bytes)}</td>
        <td class="num">${share(v.watchedShare)}</td>
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
          )}${sortHeader(ctx, p, q, "lastSeen", "Last seen")}<th>User agent</th></tr>
        </thead>
        <tbody>${list.items.length ? list.items.map(row) : html`
          <tr class="empty">
            <td colspan="10">No viewings match</td>
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
