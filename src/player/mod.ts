/**
 * The player page: a listing of the media root and a `<video>`/`<audio>` element that
 * streams from the endpoint.
 *
 * @module
 */

export { listMediaFiles, type ListMediaOptions, type MediaFile, type MediaListing } from "./listing.ts";
export * from "./player.ts";
// the type the options name, so this entry point documents itself
export type { SigningSecret } from "../endpoint/signed_url.ts";
export type * from "../media/mod.ts";
