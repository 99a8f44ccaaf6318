"""The assistant is a door over every domain app: its tests use their fixtures, the fake LLM server among them."""

from collections.abc import Callable

import pytest

from assistant.models import Conversation
from leads.tests.conftest import no_qualification, queued  # noqa: F401
from outreach.tests.conftest import _always_open_send_window, draft_factory, lead_factory  # noqa: F401
from scoring.tests.conftest import fake_llm, llm_on  # noqa: F401
from scoring.tests.fake_openai import FakeOpenAI


@pytest.fixture
def assistant_on(llm_on: FakeOpenAI, settings) -> FakeOpenAI:  # noqa: F811
    settings.ASSISTANT_TOOL_MODE = "native"
    return llm_on


@pytest.fixture
def conversation_of() -> Callable[..., Conversation]:
    def make(user) -> Conversation:  # type: ignore[no-untyped-def]
        return Conversation.objects.create(user=user)

    return make
