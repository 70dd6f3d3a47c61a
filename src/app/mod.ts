/**
 * The composition: the player, the stream endpoint and the watch-log admin as one handler,
 * as the command-line server (`@sage/stream/cli`) runs them.
 *
 * @module
 */

export * from "./app.ts";
