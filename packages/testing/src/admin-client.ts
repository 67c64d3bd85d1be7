import pg from "pg";

/**
 * A connected client for administrative statements. Errors after connecting (e.g. the server
 * shutting down) are left to the pending query instead of crashing the process.
 */
export async function connectAdmin(adminUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: "cosafe-testing" });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Runs `work` with a fresh admin connection and always closes it. */
export async function withAdminClient<T>(
  adminUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connectAdmin(adminUrl);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
