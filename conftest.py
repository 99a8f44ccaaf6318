"""Shared test fixtures: personas (rep, manager, outsider), factories and a real Celery worker.

App-specific fixtures (fake LLM server, SMTP server, browser) live in each app's tests/conftest.py.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import factory
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

from leadops.roles import MANAGER, REP
from leads.models import Company, Lead

ROOT = Path(__file__).resolve().parent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@leadops.example.com")
    @factory.post_generation
    def password(user: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        user.set_password(extracted or "correct-horse-battery")
        if create:
            user.save(update_fields=["password"])


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("domain",)

    domain = factory.Sequence(lambda n: f"company{n}.com")
    name = factory.Sequence(lambda n: f"Company {n}")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@acme-industries.com")
    company_name = "Acme Industries"
    job_title = "VP of Sales"
    industry = "Software"
    company_size = Lead.SizeBand.MID
    country = "US"
    source = Lead.Source.WEB_FORM


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters and cached run-time settings must not leak from one test to the next."""
    from django.core.cache import caches

    from leadops import runtime

    for each in caches.all():
        each.clear()
    runtime.forget()
    yield
    for each in caches.all():
        each.clear()
    runtime.forget()


def _persona(username: str, group: str | None) -> User:
    user = UserFactory(username=username)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def rep(db) -> User:
    return _persona("rita-rep", REP)


@pytest.fixture
def manager(db) -> User:
    return _persona("max-manager", MANAGER)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but in no LeadOps role."""
    return _persona("olga-outsider", None)


@pytest.fixture
def rep_client(rep: User) -> Client:
    client = Client()
    client.force_login(rep)
    return client


@pytest.fixture
def manager_client(manager: User) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


def worker_database_url() -> str:
    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process on the Redis broker, reading the test database.

    Tasks sent while this fixture is active go through Redis to that process; the
    test's data must be committed (hence transactional_db).
    """
    from leadops.celery import app

    if not settings.REDIS_URL:
        pytest.fail("The worker tests need Redis: set REDIS_URL (scripts/test sets it) and start redis-server.")
    if not settings.IS_POSTGRES:
        pytest.fail("The worker tests need PostgreSQL: set DATABASE_URL (scripts/test sets it).")
    app.control.purge()
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    with running_worker(environment, ["--pool=prefork", "--concurrency=2"], "celery-worker.log") as process:
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            yield process
        finally:
            app.conf.task_always_eager = previous


@contextmanager
def running_worker(environment: dict[str, str], pool: list[str], log_name: str) -> Iterator[subprocess.Popen]:
    """A `celery worker` process with this environment, answering pings before the block runs; stopped after.

    Its output goes to `log_name` in the test output folder.
    """
    from leadops.celery import app

    log = open(Path(os.environ.get("TEST_OUTPUT_DIR", "/tmp")) / log_name, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "leadops", "worker", *pool, "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        if not wait_for(lambda: process.poll() is not None or bool(app.control.ping(timeout=0.5)), timeout=30):
            pytest.fail("The Celery worker did not answer a ping within 30 s (is Redis reachable?).")
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited at start-up; see {log_name} in the test output folder.")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(condition, timeout: float = 20.0, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    """Poll a condition that another process makes true (a worker, a server); never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


class StoppableRedis:
    """A redis-server of the test's own on a free loopback port, which the test can stop and start again."""

    def __init__(self, directory: Path) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        if not wait_for(answers, timeout=10, interval=0.05):
            pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # as a crash would: no goodbye to the clients
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        """Still there but not answering (a hung server): clients time out, and what it holds is kept."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def caches(self) -> dict[str, dict[str, object]]:
        """The project's CACHES (leadops/settings.py), pointed at this server."""
        return {alias: {**config, "LOCATION": self.url} for alias, config in settings.CACHES.items()}


@pytest.fixture
def stoppable_redis(tmp_path: Path) -> Iterator[StoppableRedis]:
    """Its own redis-server, started; stopped at the end whatever the test did."""
    if not settings.REDIS_URL:
        pytest.fail("The outage tests need the project's Redis settings: set REDIS_URL (scripts/test sets it).")
    server = StoppableRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.resume()
        server.stop()
