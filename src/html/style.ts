/**
 * The stylesheet shared by the admin and the player, served by the app itself (the CSP allows
 * styles from `'self'` only).
 *
 * @module
 */

/** The CSS text. */
export const STYLESHEET: string =
  `:root{color-scheme:light;--fg:#1d2330;--muted:#5d6677;--line:#dde1e8;--accent:#3b6fd8;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.2rem;background:#1d2330;color:#fff}
header a{color:#cfd8ea;text-decoration:none}header a[aria-current]{color:#fff;font-weight:600}
header .brand{font-weight:700;color:#fff}header form{margin-left:auto}
header button{background:none;border:1px solid #56607a;color:#cfd8ea;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{max-width:1180px;margin:0 auto;padding:1rem 1.2rem 3rem}
h1{font-size:1.35rem;margin:.4rem 0 1rem}h2{font-size:1.05rem;margin:1.6rem 0 .6rem}
a{color:var(--accent)}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem 1rem;min-width:150px}
.card b{display:block;font-size:1.4rem}.card span{color:var(--muted)}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.8rem;overflow-x:auto}
.chart{width:100%;height:auto}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem .8rem;align-items:end;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem .8rem;margin-bottom:1rem}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select,button{font:inherit}
input[type=text],input[type=search],input[type=date],input[type=password],select{padding:.25rem .4rem;border:1px solid #c4cad6;border-radius:4px;background:#fff}
button.primary{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.35rem .9rem;cursor:pointer}
.actions{display:flex;gap:.8rem;align-items:center;margin:0 0 .6rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35rem .55rem;border-bottom:1px solid var(--line);white-space:nowrap}
th a{color:inherit}td.num,th.num{text-align:right}
td.wrap{white-space:normal;word-break:break-all;max-width:26rem}
td.ua{white-space:normal;max-width:18rem;color:var(--muted);font-size:12px}
tr.empty td{color:var(--muted);text-align:center;padding:1.2rem}
.pager{display:flex;gap:1rem;align-items:center;margin-top:.7rem;color:var(--muted)}
.error{background:#fdecec;border:1px solid #f3b7b7;color:#8a1c1c;padding:.6rem .8rem;border-radius:6px}
.muted{color:var(--muted)}
.login{max-width:360px;margin:12vh auto;background:#fff;border:1px solid var(--line);border-radius:8px;padding:1.4rem}
.login input{width:100%;margin:.3rem 0 .8rem}
.player{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:1rem}
@media (max-width:860px){.player{grid-template-columns:1fr}}
.stage{background:#000;border-radius:6px;overflow:hidden;display:flex;align-items:center;justify-content:center;min-height:200px}
.stage video{width:100%;max-height:70vh;display:block}.stage audio{width:90%;margin:2rem}
.stage p{color:#ccc}
.now{margin:.6rem 0;word-break:break-all}
ul.files{list-style:none;margin:0;padding:0;background:#fff;border:1px solid var(--line);border-radius:6px;max-height:70vh;overflow:auto}
ul.files li{border-bottom:1px solid var(--line)}ul.files li:last-child{border-bottom:0}
ul.files a{display:flex;justify-content:space-between;gap:.6rem;padding:.45rem .7rem;text-decoration:none;color:var(--fg);word-break:break-all}
ul.files a[aria-current]{background:#e8effc;font-weight:600}ul.files small{color:var(--muted);white-space:nowrap}
form.search{display:flex;gap:.4rem;margin-bottom:.6rem}form.search input{flex:1}
`;

/**
 * The stylesheet as a response: cached for an hour (it changes only with the program), and
 * typed so browsers never sniff it; HEAD gets the headers only.
 *
 * @param req The request.
 * @returns The response.
 */
export function stylesheetResponse(req: Request): Response {
  const headers = {
    "content-type": "text/css; charset=utf-8",
    "cache-control": "public, max-age=3600",
    "x-content-type-options": "nosniff",
  };
  return new Response(req.method === "HEAD" ? null : STYLESHEET, { headers });
}
