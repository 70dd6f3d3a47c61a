/**
 * Picks the adapter of the runtime this module runs on, once.
 *
 * @module
 */

import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";
import type { Runtime } from "./types.ts";

export type * from "./types.ts";

/** The adapter of the current runtime (Bun is checked first: it also defines some Deno-isms). */
export const runtime: Runtime = "Bun" in globalThis ? bunRuntime : denoRuntime;
