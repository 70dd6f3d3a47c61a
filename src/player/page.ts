/**
 * The player's HTML: the stage (a `<video>` or `<audio>` element, or a message), the search
 * form, one page of the listing and its pager. Links only, no script.
 *
 * @module
 */

import { formatBytes, html, type SafeHtml } from "../html/html.ts";
import { formatDuration, type MediaSummary } from "../media/describe.ts";
import type { MediaFile } from "./listing.ts";

/** Where the player's stylesheet is served. */
export const PLAYER_STYLESHEET_PATH = "/player/style.css";

/** What the stage shows: a prompt, a path that cannot be played, or the file playing. */
export type Stage =
  | { kind: "choose"; empty: boolean }
  | { kind: "not-found"; path: string }
  | { kind: "playing"; path: string; type: string; src: string; media: MediaSummary | null };

/** Everything the player page shows. */
export interface PlayerView {
  /** The page's URL path. */
  basePath: string;
  title: string;
  /** The search text, or `""`. */
  q: string;
  /** The `play` parameter as given, or `null`. */
  play: string | null;
  /** Files under the root, in all. */
  total: number;
  /** Files matching the search, on all pages. */
  matching: number;
  /** The files of this page. */
  shown: readonly MediaFile[];
  /** This page, from 1. */
  pageNumber: number;
  /** Pages in all, at least 1. */
  pages: number;
  /** Whether a limit stopped the walk of the root. */
  truncated: boolean;
  stage: Stage;
  /** What the media index says of the files shown, by path (files it does not read are absent). */
  media: ReadonlyMap<string, MediaSummary>;
}

/** The whole document. */
export function playerPage(view: PlayerView): SafeHtml {
  const { basePath, title, stage, q, play } = view;
  // the search keeps the file playing
  const keep = play ? html`<input type="hidden" name="play" value="${play}">` : "";
  const heading = stage.kind === "playing" ? `${stage.path} · ${title}` : title;
  return html`
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${heading}</title>
        <link rel="stylesheet" href="${PLAYER_STYLESHEET_PATH}">
      </head>
      <body>
        <header><a class="brand" href="${basePath}">${title}</a></header>
        <main>
          <div class="player">
            <section>${stageHtml(stage)}</section>
            <aside>
              <form class="search" method="get" action="${basePath}"
                role="search"><input type="search" name="q" value="${q}" placeholder="Search files" aria-label="Search files">${keep}<button class="primary" type="submit">Search</button></form>
              <ul class="files" id="files">${fileItems(view)}</ul>
              <p class="muted">${countText(view)}</p>${pager(view)}
            </aside>
          </div>
        </main>
      </body>
    </html>
  `;
}

function stageHtml(stage: Stage): SafeHtml {
  if (stage.kind === "choose") {
    return html`
      <div class="stage">
        <p>${stage.empty ? "No audio or video files under the root." : "Choose a file to play."}</p>
      </div>
    `;
  }
  if (stage.kind === "not-found") {
    return html`
      <div class="stage">
        <p>Not found: ${stage.path}</p>
      </div>
    `;
  }
  const { path, type, src, media } = stage;
  const tag = mediaElement(type, src, media);
  const details = media === null ? "" : html`
    · <span id="media-details">${mediaDetails(media)}</span>
  `;
  return html`
    <div class="stage">${tag}</div>
    <p
      class="now">Playing <strong id="now-playing">${path}</strong>${details} · <a href="${src}">direct link</a></p>
  `;
}

/**
 * The `<video>` or `<audio>` element. With the media index's type and codecs it plays a
 * `<source type>`, so a browser that cannot decode them says so instead of failing silently.
 */
function mediaElement(type: string, src: string, media: MediaSummary | null): SafeHtml {
  const audio = type.startsWith("audio/") ||
    (media !== null && media.width === null && media.codecs.length > 0);
  const source = media === null || media.codecs.length === 0
    ? null
    : html`<source src="${src}" type="${media.mimeType}">`;
  if (audio) {
    return source === null
      ? html`<audio id="player" controls autoplay preload="metadata" src="${src}"></audio>`
      : html`<audio id="player" controls autoplay preload="metadata">${source}</audio>`;
  }
  return source === null
    ? html`<video id="player" controls autoplay playsinline preload="metadata" src="${src}"></video>`
    : html`<video id="player" controls autoplay playsinline preload="metadata">${source}</video>`;
}

/** `2:03 · 1280×720 · avc1.64001f, mp4a.40.2`: what the index says, what it knows of it. */
function mediaDetails(media: MediaSummary): string {
  const parts = [formatDuration(media.duration)];
  if (media.width !== null && media.height !== null) parts.push(`${media.width}×${media.height}`);
  parts.push(media.codecs.join(", "));
  return parts.filter((part) => part !== "").join(" · ");
}

/** This page's files as links that play them (keeping the search); the one playing is marked. */
function fileItems({ basePath, q, play, shown, media }: PlayerView): SafeHtml | SafeHtml[] {
  if (shown.length === 0) return html`<li class="muted"><a>${q ? "No file matches." : "No files."}</a></li>`;
  return shown.map((file) => {
    const href = `${basePath}?${new URLSearchParams(q ? { q, play: file.path } : { play: file.path })}`;
    const current = file.path === (play ?? "")
      ? html`
        aria-current="true"
      `
      : "";
    const meta = [...listedMedia(media.get(file.path)), formatBytes(file.size)].join(" · ");
    return html`<li><a href="${href}"${current}><span>${file.path}</span><small>${meta}</small></a></li>`;
  });
}

/** What the list shows of a file's media before its size: `2:03`, `1280×720` (what is known). */
function listedMedia(media: MediaSummary | undefined): string[] {
  if (media === undefined) return [];
  const size = media.width !== null && media.height !== null ? `${media.width}×${media.height}` : "";
  return [formatDuration(media.duration), size].filter((part) => part !== "");
}

/** `12 of 30 files`, and whether the walk was cut short. */
function countText({ matching, total, truncated }: PlayerView): string {
  return `${matching} of ${total} file${total === 1 ? "" : "s"}${truncated ? " (list truncated)" : ""}`;
}

/** Previous and Next links, keeping the search and the file playing; nothing on one page. */
function pager({ basePath, q, play, pageNumber, pages }: PlayerView): SafeHtml | "" {
  if (pages <= 1) return "";
  const href = (n: number) => {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (play !== null) params.set("play", play);
    if (n > 1) params.set("page", String(n));
    return `${basePath}?${params}`;
  };
  const previous = pageNumber > 1 ? html`<a rel="prev" href="${href(pageNumber - 1)}">Previous</a>` : "";
  const next = pageNumber < pages ? html`<a rel="next" href="${href(pageNumber + 1)}">Next</a>` : "";
  return html`
    <nav class="pager"
      aria-label="Pages">${previous} <span>Page ${pageNumber} of ${pages}</span> ${next}</nav>
  `;
}
