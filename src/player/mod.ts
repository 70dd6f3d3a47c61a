/**
 * The player page: a listing of the media root and a `<video>`/`<audio>` element that
 * streams from the endpoint.
 *
 * @module
 */

export { listMediaFiles, type ListMediaOptions, type MediaFile, type MediaListing } from "./listing.ts";
export * from "./player.ts";
