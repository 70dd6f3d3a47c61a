/**
 * Who may use the admin: the Bearer token or a login session (see `auth.ts`), your own
 * `authorize`, the login form with its bounded body and per-client throttling, and logout.
 *
 * @module
 */

import { readBoundedText } from "../core/bounded_body.ts";
import { isSameOriginPost, SESSION_COOKIE, type TokenAuth } from "./auth.ts";
import { htmlResponse, type SafeHtml } from "../html/html.ts";
import { text } from "./responses.ts";
import { createLoginThrottle } from "./throttle.ts";

/** The login form's body holds one token field: a few hundred bytes; anything larger is refused. */
const LOGIN_BODY_LIMIT = 4096;

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
  admit(req: Request, kind: "page" | "data", client: string): Promise<true | Response>;
  login(req: Request, url: URL, client: string): Promise<Response>;
  logout(req: Request, url: URL): Promise<Response> | Response;
}

/** Creates the access checks of one admin. */
export function createAdminAccess(options: AdminAccessOptions): AdminAccess {
  const { tokenAuth, authorize, base, title, sessionMaxAge, isHttps, loginPage } = options;
  const cookiePath = base || "/";
  const throttle = createLoginThrottle();

  /** A `429` telling the client how long to wait, or `null` when it may try now. */
  function throttled(req: Request, client: string): Response | null {
    const wait = throttle.retryAfter(client);
    if (wait === 0) return null;
    return text(req, 429, `Too Many Requests: too many wrong tokens, try again in ${wait} s`, {
      "retry-after": String(wait),
    });
  }

  /** `true` when let in, or the refusal to send. */
  async function admit(req: Request, kind: "page" | "data", client: string): Promise<true | Response> {
    const bearer = req.headers.has("authorization");
    if (tokenAuth && bearer) {
      const refused = throttled(req, client);
      if (refused) return refused;
    }
    if (tokenAuth && await tokenAuth.check(req)) return true;
    if (tokenAuth && bearer) throttle.failed(client);
    let verdict: boolean | Response = false;
    if (authorize) verdict = await authorize(req);
    if (verdict === true) return true;
    if (verdict instanceof Response) return verdict;
    const challenge = { "www-authenticate": `Bearer realm="${title.replace(/["\\]/g, "")}"` };
    if (!tokenAuth) return text(req, 403, "Forbidden");
    if (kind === "data") return text(req, 401, "Unauthorized", challenge);
    return htmlResponse(req, loginPage(""), 401, challenge);
  }

  function sessionCookie(value: string, req: Request, url: URL, maxAge: number): string {
    const secure = url.protocol === "https:" || isHttps?.(req) === true ? "; Secure" : "";
    return `${SESSION_COOKIE}=${value}; Path=${cookiePath}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
  }

  async function login(req: Request, url: URL, client: string): Promise<Response> {
    if (req.method !== "POST") return htmlResponse(req, loginPage(""));
    if (!tokenAuth) return text(req, 404, "Not Found");
    if (!isSameOriginPost(req)) return text(req, 403, "Forbidden: cross-site login form");
    const type = req.headers.get("content-type") ?? "";
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
      await req.body?.cancel().catch(() => {});
      return htmlResponse(req, loginPage("The form could not be read."), 415);
    }
    const refused = throttled(req, client);
    if (refused) {
      await req.body?.cancel().catch(() => {});
      return refused;
    }
    const body = await readBoundedText(req, LOGIN_BODY_LIMIT);
    if (!body.ok) return text(req, body.status, body.reason);
    const candidate = new URLSearchParams(body.text).get("token");
    if (typeof candidate !== "string" || !await tokenAuth.checkToken(candidate)) {
      throttle.failed(client);
      return htmlResponse(req, loginPage("Wrong token."), 401);
    }
    throttle.succeeded(client);
    return new Response(null, {
      status: 303,
      headers: {
        location: `${base}/`,
        "set-cookie": sessionCookie(await tokenAuth.startSession(sessionMaxAge), req, url, sessionMaxAge),
        "cache-control": "no-store",
      },
    });
  }

  function logout(req: Request, url: URL): Promise<Response> | Response {
    if (!isSameOriginPost(req)) return text(req, 403, "Forbidden: cross-site form");
    return (async () => {
      await req.body?.cancel();
      await tokenAuth?.endSession(req);
      return new Response(null, {
        status: 303,
        headers: {
          location: `${base}/login`,
          "set-cookie": sessionCookie("", req, url, 0),
          "cache-control": "no-store",
        },
      });
    })();
  }

  return { admit, login, logout };
}
