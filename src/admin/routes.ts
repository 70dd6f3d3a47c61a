/**
 * The admin's paths, once each: their methods, whether they need credentials and what a
 * refusal looks like, the sort keys they take, their answer, and their answer while the watch
 * log cannot be read.
 *
 * @module
 */

import { htmlResponse, type SafeHtml } from "../html/html.ts";
import { stylesheetResponse } from "../html/style.ts";
import type { AdminAccess } from "./access.ts";
import {
  type CsvColumn,
  csvExportBody,
  csvResponse,
  EVENT_CSV_COLUMNS,
  VIDEO_CSV_COLUMNS,
  videoPartRows,
  VIEWING_CSV_COLUMNS,
} from "./csv_export.ts";
import {
  type AdminPage,
  dashboardPage,
  errorPage,
  formatTime,
  type PageContext,
  requestsPage,
  videoPage,
  viewingsPage,
} from "./pages.ts";
import { type AdminQuery, EVENT_SORTS, parseVideoPath, VIEWING_SORTS } from "./query.ts";
import { jsonResponse } from "./responses.ts";
import { unavailableCsv, unavailableHtml, unavailableJson } from "./unavailable.ts";
import type { AdminReads, AdminVideoReport, WatchLogUnavailableError } from "./watch_log_read.ts";

/** What every route's answer is made from. */
export interface RequestContext {
  req: Request;
  url: URL;
  /** The client's address, for login throttling. */
  client: string;
}

/** What the answer of a route behind credentials is made from. */
export interface ReadContext extends RequestContext {
  /** The parsed query. */
  q: AdminQuery;
  /** Whether the request came with the session cookie rather than a Bearer token. */
  session: boolean;
}

/** A path anyone may ask for: the stylesheet, login and logout. */
export interface PublicRoute {
  kind: "public";
  methods: readonly string[];
  handle(context: RequestContext): Response | Promise<Response>;
}

/** What every path behind credentials has: they read the watch log. */
interface ReadRouteBase {
  methods: readonly string[];
  /** The sort keys the route takes; others are `400`. */
  sorts?: readonly string[];
  handle(context: ReadContext): Promise<Response>;
  /** The answer while the watch log cannot be read. */
  unavailable(context: ReadContext, error: WatchLogUnavailableError): Response;
}

/** An HTML page behind credentials: refused with the login form or an error page. */
export interface PageRoute extends ReadRouteBase {
  kind: "page";
  /** The page, highlighted in the navigation of its error page. */
  page: AdminPage;
}

/** CSV or JSON behind credentials: refused with plain text or JSON. */
export interface DataRoute extends ReadRouteBase {
  kind: "data";
}

/** A path behind credentials. */
export type ReadRoute = PageRoute | DataRoute;

/** One path of the admin. */
export type AdminRoute = PublicRoute | ReadRoute;

/** What the routes answer with. */
export interface RouteDependencies {
  reads: AdminReads;
  access: AdminAccess;
  /** The context of a page, for a visitor with a session or not. */
  pageContext: (session: boolean) => PageContext;
  maxExportRows: number;
  now: () => Date;
}

const READ_METHODS: readonly string[] = ["GET", "HEAD"];

/**
 * The admin's routes, keyed by their path below the admin's base path.
 *
 * @param deps What the routes read and answer with.
 * @returns The routes.
 */
export function createAdminRoutes(deps: RouteDependencies): Readonly<Record<string, AdminRoute>> {
  const { reads, access } = deps;
  return {
    "/": pageRoute(deps, "dashboard", undefined, async (ctx, q) => {
      const summary = await reads.summary(q);
      return dashboardPage(ctx, q, summary, reads.stats());
    }),
    "/viewings": pageRoute(
      deps,
      "viewings",
      VIEWING_SORTS,
      async (ctx, q) => viewingsPage(ctx, q, await reads.viewings(q)),
    ),
    "/requests": pageRoute(
      deps,
      "requests",
      EVENT_SORTS,
      async (ctx, q) => requestsPage(ctx, q, await reads.events(q)),
    ),
    "/video": videoPageRoute(deps),
    "/viewings.csv": csvRoute(deps, "viewings", VIEWING_SORTS, VIEWING_CSV_COLUMNS, reads.viewings),
    "/requests.csv": csvRoute(deps, "requests", EVENT_SORTS, EVENT_CSV_COLUMNS, reads.events),
    "/video.csv": videoDataRoute(deps, async (req, video) => {
      const rows = videoPartRows(video);
      const slice = (offset: number, limit: number) => Promise.resolve(rows.slice(offset, offset + limit));
      const body = await csvExportBody(VIDEO_CSV_COLUMNS, slice, deps.maxExportRows);
      return csvResponse(req, videoCsvName(video.path, deps.now()), body);
    }, unavailableCsv),
    "/api/summary": apiRoute(deps, undefined, async (q) => {
      const summary = await reads.summary(q);
      return { ...summary, logger: reads.stats() };
    }),
    "/api/viewings": apiRoute(deps, VIEWING_SORTS, reads.viewings),
    "/api/requests": apiRoute(deps, EVENT_SORTS, reads.events),
    "/api/video": videoDataRoute(
      deps,
      (req, video) => Promise.resolve(jsonResponse(req, 200, { available: true, ...video })),
      (req, error) => unavailableJson(req, error, reads.stats()),
    ),
    "/style.css": { kind: "public", methods: READ_METHODS, handle: ({ req }) => stylesheetResponse(req) },
    "/login": {
      kind: "public",
      methods: ["GET", "HEAD", "POST"],
      handle: ({ req, url, client }) => access.login(req, url, client),
    },
    "/logout": { kind: "public", methods: ["POST"], handle: ({ req, url }) => access.logout(req, url) },
  };
}

/** A page: `render` makes it; while the watch log cannot be read, the page's layout with a notice. */
function pageRoute(
  deps: RouteDependencies,
  page: AdminPage,
  sorts: readonly string[] | undefined,
  render: (ctx: PageContext, q: AdminQuery) => Promise<SafeHtml>,
): PageRoute {
  return {
    kind: "page",
    methods: READ_METHODS,
    page,
    sorts,
    handle: async ({ req, q, session }) => htmlResponse(req, await render(deps.pageContext(session), q)),
    unavailable: pageUnavailable(deps, page),
  };
}

/** A page's answer while the watch log cannot be read: its layout with a notice and a link to try again. */
function pageUnavailable(deps: RouteDependencies, page: AdminPage): PageRoute["unavailable"] {
  return ({ req, url, session }, error) =>
    unavailableHtml(
      req,
      deps.pageContext(session),
      page,
      error,
      deps.reads.stats(),
      url.pathname + url.search,
    );
}

/** A JSON answer: `available: true`, then what `read` gives. */
function apiRoute(
  deps: RouteDependencies,
  sorts: readonly string[] | undefined,
  read: (q: AdminQuery) => Promise<object>,
): DataRoute {
  return {
    kind: "data",
    methods: READ_METHODS,
    sorts,
    handle: async ({ req, q }) => jsonResponse(req, 200, { available: true, ...await read(q) }),
    unavailable: ({ req }, error) => unavailableJson(req, error, deps.reads.stats()),
  };
}

/** A CSV export of every row matching the query, `maxExportRows` at most, named for the day. */
function csvRoute<T>(
  deps: RouteDependencies,
  name: "viewings" | "requests",
  sorts: readonly string[],
  columns: readonly CsvColumn<T>[],
  read: (q: AdminQuery, window: { offset: number; limit: number }) => Promise<{ items: readonly T[] }>,
): DataRoute {
  return {
    kind: "data",
    methods: READ_METHODS,
    sorts,
    handle: async ({ req, q }) => {
      const rows = async (offset: number, limit: number) => (await read(q, { offset, limit })).items;
      const body = await csvExportBody(columns, rows, deps.maxExportRows);
      return csvResponse(req, `${name}-${formatTime(deps.now()).slice(0, 10)}.csv`, body);
    },
    unavailable: ({ req }, error) => unavailableCsv(req, error),
  };
}

/** A video's figures, or why there are none: no usable `path` (`400`), or a path never viewed (`404`). */
type VideoLookup = { ok: true; video: AdminVideoReport } | { ok: false; status: 400 | 404; error: string };

/** Reads the figures of the video the URL's `path` names. */
async function lookUpVideo(reads: AdminReads, url: URL): Promise<VideoLookup> {
  const parsed = parseVideoPath(url.searchParams);
  if (!parsed.ok) return { ok: false, status: 400, error: parsed.error };
  const video = await reads.video(parsed.path);
  if (video === null) return { ok: false, status: 404, error: `No viewing of "${parsed.path}" is logged` };
  return { ok: true, video };
}

/** A video's page, `?path=`: refused with the error page (`400`, `404`) like the others. */
function videoPageRoute(deps: RouteDependencies): PageRoute {
  return {
    kind: "page",
    methods: READ_METHODS,
    page: "video",
    handle: async ({ req, url, session }) => {
      const ctx = deps.pageContext(session);
      const found = await lookUpVideo(deps.reads, url);
      if (found.ok) return htmlResponse(req, videoPage(ctx, found.video));
      const heading = found.status === 404 ? "Not found" : "Bad request";
      return htmlResponse(req, errorPage(ctx, "video", found.error, heading), found.status);
    },
    unavailable: pageUnavailable(deps, "video"),
  };
}

/** A video's figures as data, `?path=`: refused with JSON (`400`, `404`) like the other data routes. */
function videoDataRoute(
  deps: RouteDependencies,
  answer: (req: Request, video: AdminVideoReport) => Promise<Response>,
  unavailable: (req: Request, error: WatchLogUnavailableError) => Response,
): DataRoute {
  return {
    kind: "data",
    methods: READ_METHODS,
    handle: async ({ req, url }) => {
      const found = await lookUpVideo(deps.reads, url);
      if (found.ok) return await answer(req, found.video);
      return jsonResponse(req, found.status, { error: found.error });
    },
    unavailable: ({ req }, error) => unavailable(req, error),
  };
}

/** `video-pilot.mp4-2025-03-15.csv`: the path's last part, reduced to characters safe in a file name. */
function videoCsvName(path: string, now: Date): string {
  const name = (path.split("/").pop() ?? "").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "");
  return `video-${name.slice(0, 80) || "video"}-${formatTime(now).slice(0, 10)}.csv`;
}
