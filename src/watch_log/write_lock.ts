/**
 * Waiting for an embedded file's write lock without spoiling the connection.
 *
 * @module
 */

import type { Client } from "@libsql/client";

/**
 * Rejects with `SQLITE_BUSY` while another connection holds the write lock of `client`'s
 * embedded file; resolves at once for a server. A statement the driver prepared that fails
 * with `SQLITE_BUSY` stays active until it is garbage-collected, and every later commit on
 * that connection then fails ("SQL statements in progress"); reopening instead leaks the old
 * connection's descriptors. `executeMultiple` runs through `sqlite3_exec`, which finalizes its
 * statements whatever happens, so trying the lock this way first keeps the connection usable.
 *
 * @param client The database.
 */
export async function tryWriteLock(client: Client): Promise<void> {
  if (client.protocol !== "file") return;
  await client.executeMultiple("BEGIN IMMEDIATE; ROLLBACK");
}

/** Whether `error` says the connection has a statement left active and must be replaced. */
export function spoilsConnection(error: unknown): boolean {
  return error instanceof Error && /statements in progress/i.test(error.message);
}
