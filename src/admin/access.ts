/**
 * Who may use the admin: the Bearer token or a login session (see `auth.ts`), your own
 * `authorize`, the login form with its bounded body and per-client throttling, and logout.
 *
 * @module
 */

import { readBoundedText } from "../core/bounded_body.ts";
import { textResponse } from "../core/http.ts";
import { htmlResponse, type SafeHtml } from "../html/html.ts";
import { isSameOriginPost, SESSION_COOKIE, type TokenAuth } from "./auth.ts";
import { ADMIN_HEADERS } from "./responses.ts";
import { createLoginThrottle, type LoginThrottle } from "./throttle.ts";

/** The login form's body holds one token field: a few hundred bytes; anything larger is refused. */
const LOGIN_BODY_LIMIT = 4096;

const FORM_TYPE_REGEXP = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** What {@linkcode createAdminAccess} needs from the admin. */
export interface AdminAccessOptions {
  tokenAuth: TokenAuth | null;
  authorize?: (req: Request) => boolean | Response | Promise<boolean | Response>;
  /** The admin's path, without a trailing slash. */
  base: string;
  title: string;
  sessionMaxAge: number;
  isHttps?: (req: Request) => boolean;
  /** The login page with a message. */
  loginPage: (message: string) => SafeHtml;
}

/** The admin's access checks and its login and logout answers. */
export interface AdminAccess {
  /** `true` when the request may read, or the refusal to send (HTML for pages, text for data). */
  admit(req: Request, kind: "page" | "data", client: string): Promise<true | Response>;
  /** `/login`: the form (GET, HEAD), or the form's post, which starts a session. */
  login(req: Request, url: URL, client: string): Promise<Response>;
  /** `/logout`: ends the session and clears its cookie. */
  logout(req: Request, url: URL): Promise<Response>;
}

/** One admin's access options, with its login throttle. */
interface Access extends AdminAccessOptions {
  throttle: LoginThrottle;
}

/** Creates the access checks of one admin. */
export function createAdminAccess(options: AdminAccessOptions): AdminAccess {
  const access: Access = { ...options, throttle: createLoginThrottle() };
  return {
    admit: (req, kind, client) => admit(access, req, kind, client),
    login: (req, url, client) => login(access, req, url, client),
    logout: (req, url) => logout(access, req, url),
  };
}

async function admit(
  access: Access,
  req: Request,
  kind: "page" | "data",
  client: string,
): Promise<true | Response> {
  const { tokenAuth, authorize, throttle } = access;
  const bearer = tokenAuth !== null && req.headers.has("authorization");
  if (bearer) {
    const refused = throttled(access, req, client);
    if (refused) return refused;
  }
  if (tokenAuth && await tokenAuth.check(req)) return true;
  if (bearer) throttle.failed(client);
  const verdict = authorize ? await authorize(req) : false;
  if (verdict === true) return true;
  if (verdict instanceof Response) return verdict;
  return refusal(access, req, kind);
}

/** No valid credentials: `403` without a token to give, else `401` with the login form for pages. */
function refusal(access: Access, req: Request, kind: "page" | "data"): Response {
  if (!access.tokenAuth) return textResponse(req, 403, "Forbidden", ADMIN_HEADERS);
  const challenge = { "www-authenticate": `Bearer realm="${access.title.replace(/["\\]/g, "")}"` };
  if (kind === "data") return textResponse(req, 401, "Unauthorized", { ...ADMIN_HEADERS, ...challenge });
  return htmlResponse(req, access.loginPage(""), 401, challenge);
}

/** A `429` telling the client how long to wait, or `null` when it may try now. */
function throttled(access: Access, req: Request, client: string): Response | null {
  const wait = access.throttle.retryAfter(client);
  if (wait === 0) return null;
  return textResponse(req, 429, `Too Many Requests: too many wrong tokens, try again in ${wait} s`, {
    ...ADMIN_HEADERS,
    "retry-after": String(wait),
  });
}

async function login(access: Access, req: Request, url: URL, client: string): Promise<Response> {
  const { tokenAuth, throttle, loginPage, sessionMaxAge } = access;
  if (req.method !== "POST") return htmlResponse(req, loginPage(""));
  if (!tokenAuth) return textResponse(req, 404, "Not Found", ADMIN_HEADERS);
  const refused = await refuseLoginPost(access, req, client);
  if (refused) return refused;
  const body = await readBoundedText(req, LOGIN_BODY_LIMIT);
  if (!body.ok) return textResponse(req, body.status, body.reason, ADMIN_HEADERS);
  const candidate = new URLSearchParams(body.text).get("token");
  if (candidate === null || !await tokenAuth.checkToken(candidate)) {
    throttle.failed(client);
    return htmlResponse(req, loginPage("Wrong token."), 401);
  }
  throttle.succeeded(client);
  const session = await tokenAuth.startSession(sessionMaxAge);
  return seeOther(`${access.base}/`, sessionCookie(access, req, url, session, sessionMaxAge));
}

/** The refusal of a login post before its body is read (cancelled then), or `null`. */
async function refuseLoginPost(access: Access, req: Request, client: string): Promise<Response | null> {
  if (!isSameOriginPost(req)) {
    return textResponse(req, 403, "Forbidden: cross-site login form", ADMIN_HEADERS);
  }
  const refused = FORM_TYPE_REGEXP.test(req.headers.get("content-type") ?? "")
    ? throttled(access, req, client)
    : htmlResponse(req, access.loginPage("The form could not be read."), 415);
  if (refused) await req.body?.cancel().catch(() => {});
  return refused;
}

async function logout(access: Access, req: Request, url: URL): Promise<Response> {
  if (!isSameOriginPost(req)) return textResponse(req, 403, "Forbidden: cross-site form", ADMIN_HEADERS);
  await req.body?.cancel();
  await access.tokenAuth?.endSession(req);
  return seeOther(`${access.base}/login`, sessionCookie(access, req, url, "", 0));
}

/** The session cookie: `Secure` when the request reached the server over HTTPS. */
function sessionCookie(access: Access, req: Request, url: URL, value: string, maxAge: number): string {
  const path = access.base || "/";
  const secure = url.protocol === "https:" || access.isHttps?.(req) === true ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
}

/** `303 See Other` to `location`, setting `cookie`. */
function seeOther(location: string, cookie: string): Response {
  return new Response(null, {
    status: 303,
    headers: { location, "set-cookie": cookie, "cache-control": "no-store" },
  });
}
