/**
 * `createAdminHandler`: a request's way through the admin, read top to bottom: the route, its
 * method, the credentials, the query, then the route's answer, or its "unavailable" answer
 * when a read of the watch log gave up.
 *
 * @module
 */

import { type Handler, requestUrl, textResponse } from "../core/http.ts";
import { htmlResponse } from "../html/html.ts";
import { createAdminAccess } from "./access.ts";
import { type AdminHandlerOptions, resolveAdminOptions } from "./options.ts";
import { errorPage, loginPage, type PageContext } from "./pages.ts";
import { type AdminQueryResult, parseAdminQuery } from "./query.ts";
import { ADMIN_HEADERS, jsonResponse } from "./responses.ts";
import { type AdminRoute, createAdminRoutes, type ReadContext, type ReadRoute } from "./routes.ts";
import { createAdminReads, WatchLogUnavailableError } from "./watch_log_read.ts";

/** The handler {@linkcode createAdminHandler} returns (a {@linkcode Handler}). */
export type AdminHandler = Handler;
export type { Handler };

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
  const settings = resolveAdminOptions(options);
  const { base, title, pageSize, maxExportRows, now, clientAddress } = settings;
  const { tokenAuth, authorize, sessionMaxAge, isHttps } = settings;
  const pageContext = (session: boolean): PageContext => ({ base, title, session });
  const access = createAdminAccess({
    tokenAuth,
    authorize,
    base,
    title,
    sessionMaxAge,
    isHttps,
    loginPage: (message: string) => loginPage(pageContext(false), message),
  });
  const reads = createAdminReads(
    settings.queries,
    settings.queryTimeoutMs,
    settings.onQueryError,
    settings.mediaInfo,
  );
  const routes = createAdminRoutes({ reads, access, pageContext, maxExportRows, now });

  return async function adminHandler(req: Request, info?: unknown): Promise<Response> {
    const client = clientAddress(req, info) ?? "unknown";
    const url = requestUrl(req);
    const route = routeOf(routes, base, url.pathname);
    if (route === undefined) return textResponse(req, 404, "Not Found", ADMIN_HEADERS);
    if (!route.methods.includes(req.method)) return await methodNotAllowed(req, route.methods);
    if (route.kind === "public") return await route.handle({ req, url, client });
    const admitted = await access.admit(req, route.kind, client);
    if (admitted !== true) return admitted;

    const session = !req.headers.has("authorization");
    const parsed = parseRouteQuery(route, url.searchParams, now(), pageSize);
    if (!parsed.ok) return refuseQuery(req, route, pageContext(session), parsed.error);
    return await answer(route, { req, url, client, q: parsed.query, session });
  };
}

/** The route of `pathname`, or `undefined` when it is not a path of the admin at `base`. */
function routeOf(
  routes: Readonly<Record<string, AdminRoute>>,
  base: string,
  pathname: string,
): AdminRoute | undefined {
  if (pathname !== base && !pathname.startsWith(base + "/")) return undefined;
  return routes[pathname.slice(base.length) || "/"];
}

/** `405` with the route's methods; the request's body is not read. */
async function methodNotAllowed(req: Request, methods: readonly string[]): Promise<Response> {
  await req.body?.cancel();
  return textResponse(req, 405, "Method Not Allowed", { ...ADMIN_HEADERS, allow: methods.join(", ") });
}

/** The query, or why it is refused; a sort key the route does not take is refused too. */
function parseRouteQuery(
  route: ReadRoute,
  params: URLSearchParams,
  now: Date,
  pageSize: number,
): AdminQueryResult {
  const parsed = parseAdminQuery(params, now, pageSize);
  if (!parsed.ok) return parsed;
  const { sort } = parsed.query;
  if (sort !== "" && route.sorts !== undefined && !route.sorts.includes(sort)) {
    return { ok: false, error: `"sort" must be one of ${route.sorts.join(", ")}, got "${sort}"` };
  }
  return parsed;
}

/** A `400` saying which parameter is wrong: JSON for data, the page's error page for pages. */
function refuseQuery(req: Request, route: ReadRoute, ctx: PageContext, error: string): Response {
  if (route.kind === "data") return jsonResponse(req, 400, { error });
  return htmlResponse(req, errorPage(ctx, route.page, error), 400);
}

/** The route's answer, or its "unavailable" answer when a read of the watch log gave up. */
async function answer(route: ReadRoute, context: ReadContext): Promise<Response> {
  try {
    return await route.handle(context);
  } catch (error) {
    if (!(error instanceof WatchLogUnavailableError)) throw error;
    return route.unavailable(context, error);
  }
}
