/**
 * The ready-made endpoint `GET /stream?path=…`: request paths resolved safely under a media
 * root, a permission hook, signed expiring URLs and the client's address for the watch log.
 *
 * @module
 */

export * from "./handler.ts";
export * from "./safe_path.ts";
export * from "./signed_url.ts";
