"""Today's four lists at scale: `DATABASE_URL=... python bench/today_bench.py [--leads N]`.

Loads N synthetic leads (default 200,000) shared among 21 reps, 40,000 tasks due from 200 hours ago to 200 hours
ahead, one SCORED entry per lead and a reply for every twentieth, into DATABASE_URL (a database of its own: it
is filled once and kept). Then times each list of console.today (a rep's own and the team's, best of 3) and
prints the plan of the task and HOT-lead reads (EXPLAIN ANALYZE, BUFFERS).
"""

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")


def load(count: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from leadops.roles import REP
    from leads.models import ActivityLog, Lead, Task

    owners = [User.objects.get_or_create(username=f"bench-rep-{index}")[0] for index in range(21)]
    owners[0].groups.add(Group.objects.get_or_create(name=REP)[0])
    if Lead.objects.count() >= count:
        return
    now = timezone.now()
    for start in range(0, count, 5000):
        Lead.objects.bulk_create(
            Lead(first_name=f"B{index}", email=f"b{index}-{uuid.uuid4().hex[:6]}@bench.example",
                 owner=owners[index % 21], score_label=random.choice(["HOT", "WARM", "COLD"]),
                 score_value=random.randint(0, 100), created_at=now - datetime.timedelta(minutes=index))
            for index in range(start, min(count, start + 5000)))
    ids = list(Lead.objects.values_list("pk", "owner_id"))
    Task.objects.bulk_create((Task(lead_id=pk, title="Call", assignee_id=owner,
                                   due_at=now + datetime.timedelta(hours=random.randint(-200, 200)))
                              for pk, owner in ids[:40_000]), batch_size=5000)
    entries = []
    for number, (pk, _owner) in enumerate(ids):
        entries.append(ActivityLog(lead_id=pk, type="SCORED", payload={}))
        if number % 20 == 0:
            entries.append(ActivityLog(lead_id=pk, type="REPLY_RECEIVED", payload={"classification": "interested"},
                                       created_at=now - datetime.timedelta(minutes=number)))
    ActivityLog.objects.bulk_create(entries, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    arguments = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection

    from console import today
    from leads.models import Lead, Task

    load(arguments.leads)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rep = User.objects.get(username="bench-rep-0")
    print(f"{Lead.objects.count():,} leads, {Task.objects.count():,} tasks")
    lists = {"tasks due": today.tasks_due, "drafts waiting": today.drafts_waiting,
             "replies to answer": today.replies_to_answer,
             "HOT leads new since yesterday": lambda user, team: list(today.new_hot_leads(user, team=team))}
    for name, read in lists.items():
        for team in (False, True):
            best = min(_timed(read, rep, team) for _ in range(3))
            print(f"{name:32} {'team' if team else 'rep ':4}  {best * 1000:7.1f} ms")
    print(today.new_hot_leads(rep).explain(analyze=True, buffers=True))


def _timed(read, user, team) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    read(user, team=team)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
