/**
 * The watch-log admin: a read-only dashboard, listings of viewings and requests with filters,
 * search, sort, pages and CSV export, and a JSON API behind the same filters. No script, a
 * strict Content-Security-Policy, and access by token or by your own `authorize`.
 *
 * @module
 */

import type { Handler } from "../core/http.ts";
import type { ViewingSort, WatchEventSort, WatchLogQueries } from "../watch_log/types.ts";
import { createTokenAuth, type TokenAuth } from "./auth.ts";
import { runtime } from "../runtime/mod.ts";
import { csvExportBody, EVENT_CSV_COLUMNS, VIEWING_CSV_COLUMNS } from "./csv_export.ts";
import { htmlResponse, securityHeaders } from "../html/html.ts";
import {
  type AdminPage,
  dashboardPage,
  errorPage,
  formatTime,
  loginPage,
  type PageContext,
  requestsPage,
  unavailablePage,
  viewingsPage,
} from "./pages.ts";
import { type AdminQuery, EVENT_SORTS, parseAdminQuery, VIEWING_SORTS } from "./query.ts";
import { STYLESHEET } from "../html/style.ts";
import { createAdminAccess } from "./access.ts";
import { json, text } from "./responses.ts";
import { RETRY_AFTER_SECONDS, unavailableCsv, unavailableJson } from "./unavailable.ts";
import { loggerStats, readWithin, WatchLogUnavailableError } from "./watch_log_read.ts";

export { escapeHtml, html, type HtmlValue, SafeHtml } from "../html/html.ts";
export { csvCell } from "./csv.ts";
export { RETRY_AFTER_SECONDS, type UnavailableBody } from "./unavailable.ts";
export { type UnavailableReason, WatchLogUnavailableError } from "./watch_log_read.ts";

/**
 * The answer of {@linkcode AdminHandlerOptions.authorize}: `true` lets the request in, `false`
 * refuses it (with the login form when a `token` is set, `403` otherwise), and a `Response`
 * is sent as it is (a redirect to your login page …).
 */
export type AdminAuthorizeResult = boolean | Response;

/** Options for {@linkcode createAdminHandler}. */
export interface AdminHandlerOptions {
  /**
   * Where the data comes from: the watch logger (`createWatchLogger()`) or read-only queries
   * (`createWatchLogQueries()`).
   */
  queries: WatchLogQueries;
  /**
   * The admin token (16 bytes or more): accepted as `Authorization: Bearer TOKEN`, or
   * typed into the login form, which then starts a session of its own (a random id in an
   * `HttpOnly; SameSite=Strict` cookie) that logout, expiry or a restart ends. Compared in
   * constant time. Give `token`, `authorize` or both.
   */
  token?: string;
  /**
   * Your own access check (a session from your app, an IP allow-list …), consulted when the
   * request has no valid token. Errors it throws propagate.
   */
  authorize?: (req: Request) => AdminAuthorizeResult | Promise<AdminAuthorizeResult>;
  /**
   * The URL path the admin is mounted at; other paths get `404`.
   *
   * @default {"/admin"}
   */
  basePath?: string;
  /**
   * Rows per page in the listings (the `limit` parameter overrides it, up to 1000).
   *
   * @default {50}
   */
  pageSize?: number;
  /**
   * Most rows in one CSV export.
   *
   * @default {100000}
   */
  maxExportRows?: number;
  /**
   * The name in the page header and titles.
   *
   * @default {"sage-stream admin"}
   */
  title?: string;
  /**
   * How long the login cookie lasts, in seconds.
   *
   * @default {43200}
   */
  sessionMaxAge?: number;
  /**
   * The client's address, which login throttling counts wrong tokens by. `createApp` passes
   * one that honours its `trustProxy`. Defaults to the socket's address.
   */
  clientAddress?: (req: Request, info: unknown) => string | null;
  /**
   * Whether the request reached the server over HTTPS, for the cookie's `Secure` attribute,
   * when a TLS-terminating proxy forwards it as HTTP. `createApp` passes one that reads the
   * trusted proxy's `X-Forwarded-Proto` or `Forwarded: proto=`. A request URL with `https:`
   * always counts.
   */
  isHttps?: (req: Request) => boolean;
  /** The current time, for the period filters in tests. Defaults to the clock. */
  now?: () => Date;
  /**
   * Longest wait, in ms, for each read of the watch log (a page makes one; a CSV export one per
   * 1000 rows). A read that takes longer, or fails, makes the answer "watch log unavailable"
   * (pages and JSON `200`, CSV `424`), so a database that is down, locked or unreachable never
   * holds a page. The read itself is not cancelled.
   *
   * @default {3000}
   */
  queryTimeoutMs?: number;
  /**
   * Receives the error of each read that failed or timed out: a
   * {@linkcode WatchLogUnavailableError} whose `cause` is the database's own error. That
   * error's message may quote the database URL, tokens included; pages and JSON never show
   * it, only a short code.
   *
   * @default {(err) => console.error("admin:", err.message)}
   */
  onQueryError?: (error: WatchLogUnavailableError) => void;
}

/** The handler {@linkcode createAdminHandler} returns (a {@linkcode Handler}). */
export type AdminHandler = Handler;
export type { Handler };

/** What a route's answer is made from. */
interface RouteContext {
  req: Request;
  url: URL;
  /** The client's address, for login throttling. */
  client: string;
  /** The parsed query (routes behind credentials). */
  q?: AdminQuery;
  /** Whether the request came with the session cookie rather than a Bearer token. */
  session?: boolean;
}

/** One path of the admin. */
interface AdminRoute {
  methods: readonly string[];
  /** `"public"`: no credentials; `"page"`: HTML, refused with pages; `"data"`: CSV or JSON. */
  kind: "public" | "page" | "data";
  /** The page highlighted in the navigation of an error page. */
  page?: AdminPage;
  /** The sort keys the route takes; others are `400`. */
  sorts?: readonly string[];
  handle(context: RouteContext): Response | Promise<Response>;
  /** The answer while the watch log cannot be read; routes without one never read it. */
  unavailable?(context: RouteContext, error: WatchLogUnavailableError): Response;
}

/**
 * Creates the read-only watch-log admin, mounted at `basePath`:
 *
 * | path | what |
 * | --- | --- |
 * | `/admin/` | dashboard: viewings, unique viewers, requests, bytes, average share watched, views per day (SVG), top videos |
 * | `/admin/viewings`, `/admin/requests` | listings with filters, search, sort and pages |
 * | `/admin/viewings.csv`, `/admin/requests.csv` | CSV of every row matching the filters |
 * | `/admin/api/summary`, `/admin/api/viewings`, `/admin/api/requests` | the same as JSON |
 * | `/admin/login`, `/admin/logout` | the token form (POST), and leaving |
 *
 * Query parameters, shared by all: `auth=yes|no`, `period=today|7d|month|custom` with
 * `from=YYYY-MM-DD&to=YYYY-MM-DD` (UTC days, both included), `user=ID` (exact), `video=TEXT`
 * (path contains, ignoring ASCII case), `ip=ADDRESS`, `sort=KEY&order=asc|desc`, `page=N`,
 * `limit=N`. Bad values are answered `400`. Requests without valid credentials get `401`
 * (the login form for pages). Nothing can be added, changed or deleted.
 *
 * JSON answers have `"available": true`, and `/api/summary` also `"logger"`: the watch
 * logger's counters (`stats()`), or `null` when `queries` is not a logger. While the watch log
 * cannot be read (each read waits at most `queryTimeoutMs`), every route still answers at once,
 * below 500, with `Retry-After`:
 *
 * | route | status | body |
 * | --- | --- | --- |
 * | pages | `200` | the layout, a `role="alert"` notice "The watch log database is unavailable right now", the logger's counters |
 * | `/admin/api/…` | `200` | `{ "available": false, "error": "watch log unavailable", "reason": "failed" \| "timeout", "cause": "SQLITE_NOTADB", "retryAfter": 10, "logger": {…} \| null }` |
 * | `….csv` | `424` | `text/plain`: `watch log unavailable (…): try again later …`; an export cut short by a later failure ends the transfer with an error |
 *
 * No page or body holds the database's error text, URL or token: only a code
 * (`SQLITE_NOTADB`, `ECONNREFUSED`), an error class name or `timeout`.
 *
 * @param options The data and the credentials, see {@linkcode AdminHandlerOptions}.
 * @returns The handler.
 * @throws {TypeError} When `queries` is missing, or neither `token` nor `authorize` is given.
 * @throws {RangeError} When `token` is shorter than 16 bytes or a number is out of range.
 *
 * @example Usage
 * ```ts
 * import { createAdminHandler } from "@sage/stream/admin";
 * import { createWatchLogQueries } from "@sage/stream/watch-log";
 * import assert from "node:assert/strict";
 *
 * const token = "a-long-random-admin-token";
 * const admin = createAdminHandler({ queries: createWatchLogQueries({ url: ":memory:" }), token });
 * const refused = await admin(new Request("http://localhost/admin/api/summary"));
 * assert.equal(refused.status, 401);
 * await refused.body?.cancel();
 * const res = await admin(new Request("http://localhost/admin/api/summary", {
 *   headers: { authorization: `Bearer ${token}` },
 * }));
 * assert.equal((await res.json()).viewings, 0);
 * ```
 */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  const {
    queries,
    token,
    authorize,
    basePath = "/admin",
    pageSize = 50,
    maxExportRows = 100_000,
    title = "sage-stream admin",
    sessionMaxAge = 43_200,
    clientAddress = (req: Request, info: unknown) => runtime.clientAddress(req, info),
    isHttps,
    now = () => new Date(),
    queryTimeoutMs = 3000,
    onQueryError = (error: WatchLogUnavailableError) => console.error("admin:", error.message),
  } = options ?? {} as AdminHandlerOptions;
  if (!queries || typeof queries.listViewings !== "function" || typeof queries.summary !== "function") {
    throw new TypeError('Cannot create admin handler: "queries" must be a watch logger or watch-log queries');
  }
  if (token === undefined && authorize === undefined) {
    throw new TypeError(
      'Cannot create admin handler: give "token" or "authorize", or the admin is open to anyone',
    );
  }
  if (authorize !== undefined && typeof authorize !== "function") {
    throw new TypeError('Cannot create admin handler: "authorize" must be a function');
  }
  if (typeof basePath !== "string" || !basePath.startsWith("/")) {
    throw new TypeError(`Cannot create admin handler: "basePath" must start with "/", got "${basePath}"`);
  }
  for (
    const [name, value, max] of [
      ["pageSize", pageSize, 1000],
      ["maxExportRows", maxExportRows, 10_000_000],
      ["queryTimeoutMs", queryTimeoutMs, 600_000],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new RangeError(`Cannot create admin handler: "${name}" must be a whole number from 1 to ${max}`);
    }
  }
  const tokenAuth: TokenAuth | null = token === undefined ? null : createTokenAuth(token);
  const base = basePath.replace(/\/+$/, "");

  const context = (session: boolean): PageContext => ({ base, title, session });

  const access = createAdminAccess({
    tokenAuth,
    authorize,
    base,
    title,
    sessionMaxAge,
    isHttps,
    loginPage: (message: string) => loginPage(context(false), message),
  });
  const { admit, login, logout } = access;

  function listOptions<S extends string>(q: AdminQuery, sorts: readonly S[]) {
    const sort = sorts.includes(q.sort as S) ? q.sort as S : undefined;
    return { ...q.filter, sort, order: q.order, limit: q.limit, offset: (q.page - 1) * q.limit };
  }

  /** One bounded read of the watch log; throws {@linkcode WatchLogUnavailableError}. */
  async function read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await readWithin(query, queryTimeoutMs);
    } catch (error) {
      try {
        onQueryError(error as WatchLogUnavailableError);
      } catch {
        // the hook must not turn an "unavailable" answer into a 500
      }
      throw error;
    }
  }

  async function csv(req: Request, route: string, q: AdminQuery): Promise<Response> {
    const viewings = route === "/viewings.csv";
    const body = await (viewings
      ? csvExportBody(
        VIEWING_CSV_COLUMNS,
        async (offset, limit) =>
          (await read(() => queries.listViewings({ ...listOptions(q, VIEWING_SORTS), limit, offset }))).items,
        maxExportRows,
      )
      : csvExportBody(
        EVENT_CSV_COLUMNS,
        async (offset, limit) =>
          (await read(() => queries.listEvents({ ...listOptions(q, EVENT_SORTS), limit, offset }))).items,
        maxExportRows,
      ));
    const name = `${viewings ? "viewings" : "requests"}-${formatTime(now()).slice(0, 10)}.csv`;
    const h = securityHeaders();
    h.set("content-type", "text/csv; charset=utf-8");
    h.set("content-disposition", `attachment; filename="${name}"`);
    h.set("cache-control", "no-store");
    if (req.method === "HEAD") {
      void body.cancel();
      return new Response(null, { headers: h });
    }
    return new Response(body, { headers: h });
  }

  function stylesheet(req: Request): Response {
    const h = new Headers({
      "content-type": "text/css; charset=utf-8",
      "cache-control": "public, max-age=3600",
      "x-content-type-options": "nosniff",
    });
    return new Response(req.method === "HEAD" ? null : STYLESHEET, { headers: h });
  }

  const viewings = (q: AdminQuery) =>
    read(() => queries.listViewings(listOptions(q, VIEWING_SORTS as readonly ViewingSort[])));
  const events = (q: AdminQuery) =>
    read(() => queries.listEvents(listOptions(q, EVENT_SORTS as readonly WatchEventSort[])));
  const summary = (q: AdminQuery) => read(() => queries.summary(q.filter));

  // the answers while the watch log cannot be read, per kind of route
  const pageUnavailable =
    (page: AdminPage) => ({ req, url, session }: RouteContext, e: WatchLogUnavailableError) =>
      htmlResponse(
        req,
        unavailablePage(
          context(session!),
          page,
          e.shortCause,
          loggerStats(queries),
          url.pathname + url.search,
        ),
        200,
        { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
  const jsonUnavailable = ({ req }: RouteContext, e: WatchLogUnavailableError) =>
    unavailableJson(req, e, loggerStats(queries));
  const csvUnavailable = ({ req }: RouteContext, e: WatchLogUnavailableError) => unavailableCsv(req, e);
  const READ = ["GET", "HEAD"] as const;
  // Every path of the admin, once: its methods, whether it needs credentials and what a
  // refusal looks like ("page": HTML; "data": JSON), the sort keys it takes, and its answer.
  const routes: Record<string, AdminRoute> = {
    "/": {
      methods: READ,
      kind: "page",
      page: "dashboard",
      handle: async ({ req, q, session }) =>
        htmlResponse(req, dashboardPage(context(session!), q!, await summary(q!), loggerStats(queries))),
      unavailable: pageUnavailable("dashboard"),
    },
    "/viewings": {
      methods: READ,
      kind: "page",
      page: "viewings",
      sorts: VIEWING_SORTS,
      handle: async ({ req, q, session }) =>
        htmlResponse(req, viewingsPage(context(session!), q!, await viewings(q!))),
      unavailable: pageUnavailable("viewings"),
    },
    "/requests": {
      methods: READ,
      kind: "page",
      page: "requests",
      sorts: EVENT_SORTS,
      handle: async ({ req, q, session }) =>
        htmlResponse(req, requestsPage(context(session!), q!, await events(q!))),
      unavailable: pageUnavailable("requests"),
    },
    "/viewings.csv": {
      methods: READ,
      kind: "data",
      sorts: VIEWING_SORTS,
      handle: ({ req, q }) => csv(req, "/viewings.csv", q!),
      unavailable: csvUnavailable,
    },
    "/requests.csv": {
      methods: READ,
      kind: "data",
      sorts: EVENT_SORTS,
      handle: ({ req, q }) => csv(req, "/requests.csv", q!),
      unavailable: csvUnavailable,
    },
    "/api/summary": {
      methods: READ,
      kind: "data",
      handle: async ({ req, q }) =>
        json(req, 200, { available: true, ...await summary(q!), logger: loggerStats(queries) }),
      unavailable: jsonUnavailable,
    },
    "/api/viewings": {
      methods: READ,
      kind: "data",
      sorts: VIEWING_SORTS,
      handle: async ({ req, q }) => json(req, 200, { available: true, ...await viewings(q!) }),
      unavailable: jsonUnavailable,
    },
    "/api/requests": {
      methods: READ,
      kind: "data",
      sorts: EVENT_SORTS,
      handle: async ({ req, q }) => json(req, 200, { available: true, ...await events(q!) }),
      unavailable: jsonUnavailable,
    },
    "/style.css": { methods: READ, kind: "public", handle: ({ req }) => stylesheet(req) },
    "/login": {
      methods: ["GET", "HEAD", "POST"],
      kind: "public",
      handle: ({ req, url, client }) => login(req, url, client),
    },
    "/logout": { methods: ["POST"], kind: "public", handle: ({ req, url }) => logout(req, url) },
  };

  return async function adminHandler(req: Request, info?: unknown): Promise<Response> {
    const client = clientAddress(req, info) ?? "unknown";
    const url = new URL(req.url);
    if (url.pathname !== base && !url.pathname.startsWith(base + "/")) return text(req, 404, "Not Found");
    const route = routes[url.pathname.slice(base.length) || "/"];
    if (route === undefined) return text(req, 404, "Not Found");
    if (!route.methods.includes(req.method)) {
      await req.body?.cancel();
      return text(req, 405, "Method Not Allowed", { allow: route.methods.join(", ") });
    }
    if (route.kind === "public") return route.handle({ req, url, client });
    const admitted = await admit(req, route.kind, client);
    if (admitted !== true) return admitted;

    const session = !req.headers.has("authorization");
    const refuse = (error: string) =>
      route.kind === "data"
        ? json(req, 400, { error })
        : htmlResponse(req, errorPage(context(session), route.page ?? "dashboard", error), 400);
    const parsed = parseAdminQuery(url.searchParams, now(), pageSize);
    if (!parsed.ok) return refuse(parsed.error);
    const q = parsed.query;
    if (q.sort !== "" && route.sorts !== undefined && !route.sorts.includes(q.sort)) {
      return refuse(`"sort" must be one of ${route.sorts.join(", ")}, got "${q.sort}"`);
    }
    return answer(route, { req, url, client, q, session });
  };

  /** The route's answer, or its "unavailable" answer when a read of the watch log gave up. */
  async function answer(route: AdminRoute, context: RouteContext): Promise<Response> {
    try {
      return await route.handle(context);
    } catch (error) {
      if (!(error instanceof WatchLogUnavailableError) || route.unavailable === undefined) throw error;
      return route.unavailable(context, error);
    }
  }
}
