/**
 * The runtime layer: one adapter per runtime behind the {@linkcode Runtime} interface, and the
 * one this process runs on, picked once when the module loads.
 *
 * Every adapter is listed in {@linkcode RUNTIME_ADAPTERS}, in the order they are asked; the
 * first whose `detect()` is true becomes {@linkcode runtime}. On a runtime no adapter detects
 * (e.g. Node.js), importing still works, so the pure core stays usable anywhere; opening files,
 * listening or asking for a client's address then throws an `Error` naming the supported
 * runtimes.
 *
 * Adding a runtime takes three entries:
 * 1. an adapter file, `src/runtime/<name>.ts`, exporting a {@linkcode RuntimeAdapter} with its
 *    `detect()` and its {@linkcode RuntimeCapabilities};
 * 2. that adapter in {@linkcode RUNTIME_ADAPTERS} below;
 * 3. the way to run a script on it, in `SCRIPT_ARGS` of `tests/_process.ts`.
 *
 * The contract suite, `tests/runtime/contract_test.ts`, then runs against it on its runtime.
 *
 * @example Usage
 * ```ts ignore
 * import { runtime } from "@sage/stream/runtime";
 *
 * const server = await runtime.listen({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   handler: () => new Response("ok"),
 * });
 * console.log(`${runtime.name} listening on ${server.port}`);
 * await server.close();
 * ```
 *
 * @module
 */

import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";
import type { Listener, OpenFailure, OpenFile, Runtime, RuntimeAdapter } from "./types.ts";

export type * from "./types.ts";

/**
 * Every runtime adapter, in the order they are asked. Bun comes first: its global is the more
 * specific sign, as code running on Bun may define a `Deno` global to shim Deno's API.
 */
export const RUNTIME_ADAPTERS: readonly RuntimeAdapter[] = [bunRuntime, denoRuntime];

/**
 * The first of `adapters` whose `detect()` is true, or, when none is, a stand-in whose file
 * source, `listen` and `clientAddress` throw an `Error` naming the runtimes `adapters` support.
 *
 * @param adapters The adapters to ask, in order.
 * @returns The adapter of the runtime this process runs on, or the stand-in.
 *
 * @example Usage
 * ```ts ignore
 * import { RUNTIME_ADAPTERS, selectRuntime } from "@sage/stream/runtime";
 *
 * const runtime = selectRuntime(RUNTIME_ADAPTERS);
 * ```
 */
export function selectRuntime(adapters: readonly RuntimeAdapter[]): Runtime {
  return adapters.find((adapter) => adapter.detect()) ?? unsupportedRuntime(adapters);
}

/** A runtime that fails on first use, saying which runtimes are supported and how to add one. */
function unsupportedRuntime(adapters: readonly RuntimeAdapter[]): Runtime {
  const supported = adapters.map((adapter) => `"${adapter.name}"`).join(", ") || "none";
  const fail = (): never => {
    throw new Error(
      `Cannot use the runtime layer: no adapter detects this runtime (supported: ${supported}); ` +
        `to add one, write an adapter in src/runtime/ and list it in RUNTIME_ADAPTERS in src/runtime/mod.ts`,
    );
  };
  return {
    name: "unsupported",
    capabilities: {
      sendsFileBodiesFromKernel: false,
      countsDeliveredBytes: false,
      enforcesStallTimeout: false,
      reusesFileHandles: false,
    },
    files: { open: (): Promise<OpenFile | OpenFailure> => Promise.resolve().then(fail) },
    clientAddress: fail,
    linkStat: fail,
    listen: (): Promise<Listener> => Promise.resolve().then(fail),
  };
}

/** The adapter of the runtime this process runs on, picked once. */
export const runtime: Runtime = selectRuntime(RUNTIME_ADAPTERS);

// the types the contract above names, so this entry point documents itself
export type { ByteRange } from "../core/range.ts";
