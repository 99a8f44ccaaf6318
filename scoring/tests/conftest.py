"""Fixtures for the scoring tests: a fake OpenAI-compatible server and the LLM switched on against it."""

from collections.abc import Iterator

import pytest

from leadops import llm
from scoring.tests.fake_openai import FakeOpenAI


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def llm_on(settings, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """LLM_PROVIDER=openai pointed at the fake server, with a short timeout and quick retries."""
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = fake_llm.base_url
    settings.OPENAI_API_KEY = "test-key"
    settings.LLM_MODEL = "fake-model-1"
    settings.LLM_TIMEOUT = 5.0
    settings.LLM_MAX_RETRIES = 2
    settings.LLM_BREAKER_FAILURES = 3
    settings.LLM_BREAKER_SECONDS = 60
    settings.LLM_MAX_SCORE_ADJUSTMENT = 10
    monkeypatch.setattr(llm, "BACKOFF_SECONDS", 0.01)
    return fake_llm
