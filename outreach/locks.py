"""The outbox's locks: no quota overshoot between workers, and telling a live sender from a dead one.

These are PostgreSQL advisory locks, and the only SQL in outreach written by hand. They are not
a speed trick: no ORM query takes a lock that names no row (there is no mailbox row to
`select_for_update`), and only a lock held by a connection shows whether the process that claimed
a row is still alive. They cost three round trips per send (the mailbox lock, taking and releasing
the send lock); bench/send_bench.py's double-click round, two workers racing for every row with
0 duplicates allowed, is where they are exercised under load.

- The mailbox lock (`hold_mailbox_lock`) serializes "check the quotas, claim the row" until the
  transaction ends, so two workers never both see 29 of 30 sends this minute and both send.
- The send lock (`hold_send_lock`) is held by the process delivering a claimed row, for the whole
  delivery and outside any transaction. A connection dies with its process and the lock with it,
  so `try_send_lock` taking it means the sender is gone.

SQLite, the embedded default, has no such locks and needs none for the first: it runs the tasks
inline in one process and locks the whole database on a write. For the second, a row claimed
long enough ago counts as abandoned.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection

# Any fixed number; it names "the sending mailbox" for pg_advisory_xact_lock.
_MAILBOX_LOCK_KEY = 4_2024_0001


def _advisory_locks() -> bool:
    return connection.vendor == "postgresql"


def _execute(sql: str, key: int) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        return cursor.fetchone()[0]


def hold_mailbox_lock() -> None:
    """Serialize quota checks and claims until the current transaction ends."""
    if _advisory_locks():
        _execute("SELECT pg_advisory_xact_lock(%s)", _MAILBOX_LOCK_KEY)


def send_lock_key(draft_id: Any) -> int:
    # pg advisory locks take a signed 64-bit key; the low bits of the uuid are random enough.
    return int(str(draft_id).replace("-", ""), 16) & 0x7FFF_FFFF_FFFF_FFFF


def hold_send_lock(draft_id: Any) -> None:
    """Mark this process as the one delivering the row, until `release_send_lock` or its death."""
    if _advisory_locks():
        _execute("SELECT pg_advisory_lock(%s)", send_lock_key(draft_id))


def try_send_lock(draft_id: Any, claimed_at: datetime | None, abandoned_before: datetime) -> bool:
    """Take the row's send lock if no live process holds it; True when taken (the sender is gone).

    Without advisory locks: True when the row was claimed before `abandoned_before`.
    """
    if not _advisory_locks():
        return bool(claimed_at and claimed_at < abandoned_before)
    return bool(_execute("SELECT pg_try_advisory_lock(%s)", send_lock_key(draft_id)))


def release_send_lock(draft_id: Any) -> None:
    if _advisory_locks():
        _execute("SELECT pg_advisory_unlock(%s)", send_lock_key(draft_id))


# Poll locks live in their own key space: the high bits name "polling a mailbox", the low ones its id.
_POLL_LOCK_BASE = 0x4C4F_5000_0000_0000


@contextmanager
def polling(mailbox_id: int) -> Iterator[bool]:
    """Hold the mailbox's poll lock for the block; yields False when another process is polling it.

    Without advisory locks (SQLite, one process) it is always taken.
    """
    if not _advisory_locks():
        yield True
        return
    key = _POLL_LOCK_BASE + int(mailbox_id)
    taken = bool(_execute("SELECT pg_try_advisory_lock(%s)", key))
    try:
        yield taken
    finally:
        if taken:
            _execute("SELECT pg_advisory_unlock(%s)", key)
