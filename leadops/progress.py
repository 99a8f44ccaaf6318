"""How far a long job is, how fast it goes and how long it has left: one rule for every progress bar
(`leadops.Job` counts leads or steps, `leads.ImportJob` bytes of the file and rows)."""


def percent(done: float, total: float, *, succeeded: bool) -> int:
    """Never 100 before the job says it is done: the last unit is often the slowest (the commit)."""
    if succeeded:
        return 100
    return min(99, int(done * 100 / total)) if total else 0


def rate(done: float, elapsed_seconds: float) -> float | None:
    """Units a second so far; None before the first one."""
    return done / elapsed_seconds if done and elapsed_seconds > 0 else None


def seconds_left(done: float, total: float, elapsed_seconds: float) -> float | None:
    """At the pace so far; None until there is a pace to go by."""
    if not done or not total or elapsed_seconds <= 0:
        return None
    return elapsed_seconds * max(0.0, total - done) / done
