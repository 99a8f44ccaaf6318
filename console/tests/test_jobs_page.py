"""The Jobs page and a job's own page: long background work can be left and found again."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from leadops import jobs
from leadops.models import Job

pytestmark = pytest.mark.django_db


def _rescore(user, done: int = 0, total: int = 2000) -> Job:  # type: ignore[no-untyped-def]
    job = jobs.start(Job.Kind.RESCORE, "Re-scoring open leads with v4", total=total, user=user, link="/scoring/model/")
    jobs.advance(job.pk, done)
    return Job.objects.get(pk=job.pk)


def test_the_urls_are_named_jobs_list_and_detail() -> None:
    assert reverse("jobs:list") == "/jobs/"
    assert reverse("jobs:detail", args=["6a2f41a0-2b5b-4d8e-9f50-8a3ad35c9a1b"]).startswith("/jobs/6a2f41a0")


def test_a_running_job_shows_done_of_total_its_rate_and_the_time_left(manager_client, manager) -> None:
    started = timezone.now()
    with time_machine.travel(started, tick=False) as clock:
        job = _rescore(manager)
        clock.shift(10)
        jobs.advance(job.pk, 500)
        page = manager_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "500 of 2,000 leads" in page and "50 leads a second" in page and "about 30 s left" in page
    assert 'hx-trigger="every 500ms"' in page  # it keeps itself up to date


def test_a_finished_job_says_how_it_ended_and_stops_refreshing(manager_client, manager) -> None:
    job = _rescore(manager, done=2000)
    page = manager_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Done" in page and "2,000 of 2,000 leads" in page and "hx-trigger" not in page


def test_the_jobs_page_lists_jobs_and_imports_newest_first(manager_client, manager) -> None:
    older = _rescore(manager, done=2000)
    newer = jobs.start(Job.Kind.TRAIN, "Training the scoring model on the recorded outcomes", unit="steps",
                       user=manager)
    page = manager_client.get(reverse("jobs:list")).content.decode()
    assert page.index(newer.title) < page.index(older.title)


def test_an_htmx_request_gets_only_the_partial(manager_client, manager, htmx_headers) -> None:
    job = _rescore(manager)
    for url in (reverse("jobs:list"), reverse("jobs:detail", args=[job.pk])):
        page = manager_client.get(url, **htmx_headers).content.decode()
        assert "<html" not in page and "job-" in page


def test_the_pages_need_login(client) -> None:
    assert client.get(reverse("jobs:list")).status_code == 302


def test_an_outsider_is_refused(outsider_client) -> None:
    assert outsider_client.get(reverse("jobs:list")).status_code == 403


def test_a_rep_sees_their_own_jobs_and_not_a_managers(rep_client, rep, manager) -> None:
    theirs = jobs.start(Job.Kind.QUALIFY, "Qualifying the imported leads", total=10, user=rep)
    managers = _rescore(manager)
    page = rep_client.get(reverse("jobs:list")).content.decode()
    assert theirs.title in page and managers.title not in page
    assert rep_client.get(reverse("jobs:detail", args=[managers.pk])).status_code == 404
