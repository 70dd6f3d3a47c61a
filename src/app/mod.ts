/**
 * The composition: the player, the stream endpoint and the watch-log admin as one handler,
 * as the command-line server (`@sage/stream/cli`) runs them.
 *
 * @module
 */

export * from "./app.ts";
export * from "./check.ts";
// the types createApp's options name, so this entry point documents itself
export type * from "../endpoint/mod.ts";
export type * from "../admin/mod.ts";
export type * from "../player/mod.ts";
export type { StreamProblem } from "../media/streamability.ts";
