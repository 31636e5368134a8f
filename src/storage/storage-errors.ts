// The storage failures callers must tell apart from a fault in Herald. Each backend maps its own
// error codes to these at one place (SQLite: sqlite-database.ts, PostgreSQL: postgres-database.ts);
// nothing above storage looks at a driver's error codes.

/**
 * The database has no room left for this write (SQLite: SQLITE_FULL, or a file that could not grow;
 * PostgreSQL: SQLSTATE 53100 disk_full). Nothing of the failed write was kept, the database is sound,
 * and the same write succeeds once space returns: callers retry later, no restart needed.
 */
export class StorageFullError extends Error {
  override name = 'StorageFullError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The database file could not be read or written (SQLite: an SQLITE_IOERR other than a full disk). */
export class StorageIoError extends Error {
  override name = 'StorageIoError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
