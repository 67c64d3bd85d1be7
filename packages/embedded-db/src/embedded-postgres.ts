/** Options of {@link startEmbeddedPostgres}. */
export type EmbeddedPostgresOptions = {
  /** Data directory; initialised (initdb) when it has no PG_VERSION yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1. Never 5432 (the machine's own cluster). */
  port: number;
  /** false: the data directory is deleted by stop(), and durability settings are relaxed. */
  persistent: boolean;
  /** Receives every output line of initdb and postgres. Silent when omitted. */
  onLog?: (line: string) => void;
};

/** A running embedded PostgreSQL 15 server. */
export type EmbeddedPostgres = {
  /** postgres://postgres:postgres@127.0.0.1:PORT/postgres (superuser). */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Fast shutdown; waits until the server is gone. Idempotent. */
  stop(): Promise<void>;
};
