// Helpers of the watch-log tests: synthetic events, database locks, row counts (generic ones
// such as eventually and sleep live in ../_fixtures.ts).
import { createClient } from "@libsql/client";
import type { StreamEvent } from "../../src/serve/serve_stream.ts";
import { migrateWatchLog } from "../../src/watch_log/schema.ts";

/** A synthetic served response, as serveStream reports it. */
export function servedEvent(
  over: Partial<StreamEvent> & { headers?: HeadersInit; method?: string } = {},
): StreamEvent {
  const { headers, method = "GET", ...rest } = over;
  return {
    request: new Request("http://localhost/stream", { method, headers }),
    path: "/videos/a.mp4",
    status: 206,
    size: 1000,
    ranges: [{ start: 0, end: 99 }],
    bytesPlanned: 100,
    bytesDelivered: 100,
    startedAt: new Date(),
    durationMs: 3,
    aborted: false,
    clientAddress: "127.0.0.1",
    ...rest,
  };
}

/** Creates the watch log's tables in the database at `url`, as a logger would on first write. */
export async function migrateDatabase(url: string): Promise<void> {
  const client = createClient({ url });
  try {
    await migrateWatchLog(client);
  } finally {
    client.close();
  }
}

/** Holds an exclusive lock on the database until `release()`. */
export async function lockDatabase(url: string): Promise<{ release: () => Promise<void> }> {
  const client = createClient({ url });
  const tx = await client.transaction("write");
  await tx.execute("CREATE TABLE IF NOT EXISTS _lock_probe (x)");
  return {
    release: async () => {
      await tx.rollback();
      client.close();
    },
  };
}

/** Rows in `table`, or `null` when the table (or the file) is not there. */
export async function countRows(url: string, table: string): Promise<number | null> {
  const client = createClient({ url });
  try {
    return Number((await client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  } catch {
    return null;
  } finally {
    client.close();
  }
}
