"""The one module that talks to an LLM provider, through the openai SDK.

LLM_PROVIDER is none (default), openai (api.openai.com or any OpenAI-compatible server at
OPENAI_BASE_URL: llama.cpp's llama-server, vLLM, Ollama) or azure_openai. Each purpose has one
typed call (`assess_lead`, `write_email`) whose reply is parsed into a pydantic model and
checked; anything else raises `LLMError`, and the caller falls back to rules or templates.

Known differences between servers are settings, not code paths: LLM_STRUCTURED_OUTPUT picks
`json_schema` (OpenAI) or `json_object` with the schema inline (llama.cpp); `max_tokens` is sent
because some servers ignore `max_completion_tokens`; free-text fields carry `maxLength` so small
models cannot loop forever, and a reply cut off at the token limit is a failed call.

A server answers LLM_SERVER_SLOTS requests at a time (llama.cpp's --parallel, 1 by default); a call
first takes one of that many slots, shared by every process through the cache, and waits up to
LLM_SLOT_WAIT seconds for one. LLM_TIMEOUT then measures the server's answer, not a queue in front of
it, and a retry does not queue again behind the others.

Transient failures (429, 5xx, timeouts, refused connections) are retried with backoff. After
LLM_BREAKER_FAILURES failed calls in a row the circuit opens and every call is skipped for
LLM_BREAKER_SECONDS; the breaker lives in the Django cache so every worker process shares it.
Every call, whatever feature made it, is logged with its tokens, latency and cost, and counted for
`status()` (what /healthz and the managers' banner show).
"""

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from celery.signals import worker_process_init
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leadops import llm_traffic as traffic
from leadops import runtime

if TYPE_CHECKING:
    import openai

logger = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)
# Seconds before the first retry; doubled on each further attempt.
BACKOFF_SECONDS = 0.5
_clients: dict[tuple[Any, ...], "openai.OpenAI"] = {}
_clients_lock = threading.Lock()


class LeadAssessment(BaseModel):
    """The model's score for a lead next to the rule score it was shown; the label follows from the score.

    Extra keys (a label some models add anyway) are ignored rather than failing the call.
    """

    model_config = ConfigDict(extra="ignore", title="lead_assessment")

    score: int = Field(ge=0, le=100, description="Your score for the lead, 0-100")
    # Short bounds: a small local model writes to the limit, and each token of the answer costs most.
    rationale: str = Field(max_length=100, description="At most 8 words on why")


class EmailText(BaseModel):
    """A personalised email: subject and the paragraphs between greeting and sign-off."""

    model_config = ConfigDict(extra="forbid", title="email_text")

    subject: str = Field(min_length=3, max_length=80)
    body: str = Field(
        min_length=20, max_length=600,
        description="Plain text paragraphs without greeting or sign-off, as long as the guidance says",
    )


@dataclass
class Prompt:
    """A versioned prompt file (see leadops/prompts): the system message, and the task that follows the data.

    Prompts about one lead share their system message and put the lead first in the user message, so the
    two calls for a lead (assessment, then email) differ only after it and the server's prefix cache
    reuses the system message for every lead and the lead's data for its second call.
    """

    name: str
    version: str
    system: str
    task: str = ""


@dataclass
class CallRecord:
    """What one call sent and got back, for the trace (the caller redacted the data beforehand)."""

    purpose: str
    prompt_version: str
    model: str
    messages: list[dict[str, str]]
    reply: dict[str, Any] | None = None
    prompt_tokens: int = 0
    # Prompt tokens the server reused from its prefix cache (evaluated: prompt_tokens - cached_tokens).
    cached_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    duration_ms: float = 0.0
    attempts: int = 0
    error: str = ""

    def as_trace(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "prompt_version": self.prompt_version,
            "model": self.model,
            "reply": self.reply,
            "prompt_tokens": self.prompt_tokens,
            "cached_tokens": self.cached_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": self.cost_usd,
            "duration_ms": round(self.duration_ms, 1),
            "attempts": self.attempts,
            "error": self.error,
        }


class LLMError(Exception):
    """The call did not give a usable reply; `record` says what happened."""

    def __init__(self, message: str, record: CallRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


class LLMUnavailable(LLMError):
    """No call was made: the LLM is off, the circuit breaker is open or no server slot came free."""


@dataclass
class Result:
    value: Any
    record: CallRecord = field(repr=False)


def enabled() -> bool:
    return runtime.get("LLM_PROVIDER") != "none"


def model_name() -> str:
    return str(runtime.get("LLM_MODEL"))


def _sdk() -> ModuleType:
    # Imported on first use: the OpenAI SDK (and the HTTP stack under it) is large to load, and most
    # processes never call an LLM: it is off by default, and imports and the web pages never need it.
    import openai

    return openai


@worker_process_init.connect
def _load_sdk_when_configured(**_kwargs: Any) -> None:
    """A worker process started with an LLM configured loads the SDK as it starts, not inside its first lead."""
    if settings.LLM_PROVIDER != "none":
        _sdk()


def _client(provider: str) -> "openai.OpenAI":
    openai = _sdk()
    key = (
        provider,
        settings.OPENAI_BASE_URL,
        settings.OPENAI_API_KEY,
        settings.AZURE_OPENAI_ENDPOINT,
        settings.AZURE_OPENAI_API_VERSION,
        settings.LLM_TIMEOUT,
    )
    with _clients_lock:
        if key not in _clients:
            # Retries are ours (backoff + breaker), so the SDK's own are off.
            if provider == "azure_openai":
                _clients[key] = openai.AzureOpenAI(
                    azure_endpoint=settings.AZURE_OPENAI_ENDPOINT,
                    api_version=settings.AZURE_OPENAI_API_VERSION,
                    api_key=settings.OPENAI_API_KEY or "unset",
                    timeout=settings.LLM_TIMEOUT,
                    max_retries=0,
                )
            else:
                _clients[key] = openai.OpenAI(
                    base_url=settings.OPENAI_BASE_URL,
                    api_key=settings.OPENAI_API_KEY or "unset",
                    timeout=settings.LLM_TIMEOUT,
                    max_retries=0,
                )
        return _clients[key]


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["additionalProperties"] = False
    return schema


def _response_format(model: type[BaseModel]) -> dict[str, Any]:
    schema = json_schema(model)
    if settings.LLM_STRUCTURED_OUTPUT == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": schema["title"], "schema": schema, "strict": True}}


def _is_transient(error: Exception) -> bool:
    openai = _sdk()
    if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError)):
        return True
    return isinstance(error, openai.APIStatusError) and error.status_code >= 500


def quoted(data: dict[str, Any]) -> str:
    """Lead data as a JSON block the prompt calls untrusted: the model is told to read it, not obey it.

    Angle brackets are escaped inside the JSON, so text such as "</lead_data>" in a message cannot
    close the block early and pose as instructions after it.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return "<lead_data>\n" + text.replace("<", "\\u003c").replace(">", "\\u003e") + "\n</lead_data>"


def call(purpose: str, prompt: Prompt, data: dict[str, Any], reply_model: type[Model],
         task_data: dict[str, Any] | None = None) -> Result:
    """One structured call: retries transient errors, validates the reply, feeds the breaker.

    `data` is the untrusted text, quoted; `task_data` is ours (rule score, variant) and follows the task.
    """
    provider = runtime.get("LLM_PROVIDER")
    if provider == "none":
        raise LLMUnavailable("LLM is off (LLM_PROVIDER=none)")
    user = quoted(data)
    if prompt.task:
        user += "\n\n" + prompt.task
    if task_data:
        user += "\n<task_data>" + json.dumps(task_data, ensure_ascii=False, separators=(",", ":")) + "</task_data>"
    messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]
    record = CallRecord(
        purpose=purpose,
        prompt_version=f"{prompt.name}.{prompt.version}",
        model=model_name(),
        messages=messages,
    )
    if traffic.breaker_open():
        record.error = "skipped: circuit breaker open after repeated failures"
        raise LLMUnavailable(record.error, record)
    with traffic.server_slot() as waited:
        if not waited:
            record.error = traffic.NO_SLOT.format(wait=settings.LLM_SLOT_WAIT, slots=settings.LLM_SERVER_SLOTS)
            raise LLMUnavailable(record.error, record)
        started = time.monotonic()
        try:
            completion = _create_with_retries(provider, record, reply_model)
            record.reply = _parse(completion, record, reply_model).model_dump()
        except LLMError as error:
            record.error = str(error)
            traffic.record_failure(record.purpose, record.error)
            raise LLMError(str(error), record) from None
        finally:
            record.duration_ms = (time.monotonic() - started) * 1000
            _log(record)
    traffic.record_success()
    return Result(value=reply_model.model_validate(record.reply), record=record)


def _log(record: CallRecord) -> None:
    logger.info(
        "LLM %s: %s in %.0f ms, %d+%d tokens, $%.6f%s", record.purpose, record.model, record.duration_ms,
        record.prompt_tokens, record.completion_tokens, record.cost_usd, f" ({record.error})" if record.error else "",
        extra={"llm": record.as_trace()},
    )


def breaker_open() -> bool:
    return traffic.breaker_open()


def status() -> dict[str, Any]:
    """Whether the LLM answers, for /healthz and the managers' banner: `ok` is False while it fails."""
    if not enabled():
        return {"ok": True, "enabled": False, "detail": "off (LLM_PROVIDER=none): rules and templates decide"}
    return traffic.status() | {"enabled": True, "provider": runtime.get("LLM_PROVIDER"), "model": model_name()}


def answering() -> bool:
    """The LLM is on, its breaker closed, and its last call got an answer (or none was made yet)."""
    return enabled() and traffic.answering()


def _create_with_retries(provider: str, record: CallRecord, reply_model: type[BaseModel]) -> Any:
    client, openai = _client(provider), _sdk()
    for attempt in range(settings.LLM_MAX_RETRIES + 1):
        record.attempts = attempt + 1
        try:
            return client.chat.completions.create(
                model=record.model,
                messages=record.messages,
                max_tokens=settings.LLM_MAX_TOKENS,
                temperature=0,
                response_format=_response_format(reply_model),  # type: ignore[arg-type]
            )
        except openai.OpenAIError as error:
            if not _is_transient(error):
                raise LLMError(f"{type(error).__name__}: {str(error)[:200]}") from None
            if attempt == settings.LLM_MAX_RETRIES:
                raise LLMError(
                    f"gave up after {attempt + 1} attempts: {type(error).__name__}: {str(error)[:200]}"
                ) from None
            time.sleep(BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable: the loop returns or raises")


def cost_usd(prompt_tokens: int, completion_tokens: int) -> float:
    """What a call's tokens cost at the configured prices."""
    return float(
        Decimal(str(prompt_tokens)) / 1000 * Decimal(str(settings.LLM_PRICE_PER_1K_INPUT))
        + Decimal(str(completion_tokens)) / 1000 * Decimal(str(settings.LLM_PRICE_PER_1K_OUTPUT))
    )


def _parse(completion: Any, record: CallRecord, reply_model: type[Model]) -> Model:
    usage = getattr(completion, "usage", None)
    if usage:
        record.prompt_tokens = usage.prompt_tokens or 0
        record.completion_tokens = usage.completion_tokens or 0
        record.cached_tokens = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", 0) or 0
        record.cost_usd = cost_usd(record.prompt_tokens, record.completion_tokens)
    if not completion.choices:
        raise LLMError("reply had no choices")
    choice = completion.choices[0]
    if choice.finish_reason == "length":
        raise LLMError(f"reply cut off at the token limit (max_tokens={settings.LLM_MAX_TOKENS})")
    content = choice.message.content or ""
    try:
        return reply_model.model_validate_json(content)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'reply'}: {problem['msg']}"
            for problem in error.errors()[:3]
        )
        raise LLMError(f"reply did not match the {reply_model.__name__} schema: {problems}") from None


def assess_lead(prompt: Prompt, data: dict[str, Any], rules: dict[str, Any] | None = None) -> Result:
    """The model's score for a lead (the caller bounds it and derives the label from the bounded score)."""
    return call("lead_assessment", prompt, data, LeadAssessment, rules)


def write_email(prompt: Prompt, data: dict[str, Any], request: dict[str, Any] | None = None) -> Result:
    """A personalised subject and body; the caller checks the text is usable (outreach.wording)."""
    return call("email_text", prompt, data, EmailText, request)
