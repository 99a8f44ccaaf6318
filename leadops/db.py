"""Database helpers shared by the bulk write paths."""

from django.db import DEFAULT_DB_ALIAS, connection, connections


def skip_commit_flush() -> None:
    """Inside atomic(): let this transaction's COMMIT return before its WAL reaches the disk.

    Only for writes that can be recomputed (qualification results, a file that can be imported
    again): a server crash can lose the last fraction of a second of them, never corrupt them.
    Never for sends or anything a person typed. Committing lead by lead is otherwise bound by
    disk syncs. `SKIP_COMMIT_FLUSH_SQL` does the same from
    inside a query, for a path that would rather not spend a round trip on it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


# An expression with skip_commit_flush's effect, for the select list of a query the transaction runs anyway.
SKIP_COMMIT_FLUSH_SQL = "set_config('synchronous_commit', 'off', true)"


# Executions of a statement on a connection before psycopg prepares it (psycopg's default).
PREPARE_AFTER = 5


def prepared_cursor():  # type: ignore[no-untyped-def]
    """A cursor (PostgreSQL only) whose statements psycopg prepares once they repeat.

    For the statements a worker runs for every lead: PostgreSQL then parses and plans each of them
    once per connection instead of every time. Django's own
    cursors bind parameters on the client and never prepare; this one binds them on the server,
    so its SQL must use parameters only where PostgreSQL accepts them (values, not names). It is
    Django's cursor wrapper all the same: database errors arrive as django.db errors and
    execute_wrapper hooks see the statements.

    Preparing is turned on (psycopg's prepare_threshold) for the connections that use this cursor
    only: psycopg then also counts repeats of the connection's other statements, which costs memory
    where they are large one-off texts (an import's batches). PgBouncer >= 1.21 in transaction mode
    needs max_prepared_statements set for this.
    """
    # Imported on first use: the PostgreSQL backend, which the SQLite embedded default never loads.
    from django.db.backends.postgresql.base import ServerBindingCursor

    database = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection` looks it up on every use
    database.close_if_health_check_failed()
    database.ensure_connection()
    database.validate_thread_sharing()
    if database.connection.prepare_threshold is None:  # Django connects with preparing off
        database.connection.prepare_threshold = PREPARE_AFTER
    with database.wrap_database_errors:
        raw = ServerBindingCursor(database.connection)
    return database.make_debug_cursor(raw) if database.queries_logged else database.make_cursor(raw)
