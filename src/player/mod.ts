/**
 * The player page: a listing of the media root and a `<video>`/`<audio>` element that
 * streams from the endpoint.
 *
 * @module
 */

export * from "./player.ts";
