"""Database helpers shared by the bulk write paths."""

from django.db import connection


def skip_commit_flush() -> None:
    """Inside atomic(): let this transaction's COMMIT return before its WAL reaches the disk.

    Only for writes that can be recomputed (qualification results, a file that can be imported
    again): a server crash can lose the last fraction of a second of them, never corrupt them.
    Never for sends or anything a person typed. Committing lead by lead is otherwise bound by
    disk syncs (~8 ms each on this machine class).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
