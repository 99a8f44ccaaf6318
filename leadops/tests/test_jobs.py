"""Job progress shared by several processes and threads."""

import threading

import pytest

from leadops import jobs
from leadops.models import Job


@pytest.mark.django_db(transaction=True)
def test_batches_committing_at_the_same_moment_count_on_one_job():
    # As an import's two saving threads do on PostgreSQL, whose commits each add their leads to the job.
    threads, batch = 8, 100
    ready = threading.Barrier(threads)

    def committed() -> None:
        from django.db import connection as own

        try:
            ready.wait(timeout=10)
            jobs.add_work("import:same", Job.Kind.QUALIFY, batch, title="Qualifying the imported leads")
        finally:
            own.close()

    workers = [threading.Thread(target=committed) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert list(Job.objects.filter(subject="import:same").values_list("total", flat=True)) == [threads * batch]
