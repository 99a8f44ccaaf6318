"""The assistant's calls to the LLM: a chat turn that may call tools, through the same client, slots, breaker,
retries and cost accounting as `leadops.llm` (whose typed calls serve the pipeline).

Two ways a model picks a tool (ASSISTANT_TOOL_MODE):
- `native`: the server's tool calling (`tools=[...]`, the reply carries `tool_calls`); OpenAI, Azure OpenAI,
  vLLM and llama.cpp's server started with `--jinja` with a model whose template knows tools.
- `json_schema`: one step at a time, the reply constrained by a JSON schema whose `tool` is an enum of the
  tool names (or "answer"); for servers whose tool calling is unreliable, such as small local models on
  llama.cpp, whose grammar sampler enforces the schema.

`stream(...)` is a generator: it yields the text deltas as they arrive, puts the tool-call deltas together
and returns the whole reply, so the caller shows the words of the answer while the model writes them;
`turn(...)` is the same call read to its end.
"""

import json
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from leadops import llm, runtime
from leadops import llm_traffic as traffic


@dataclass
class ToolRequest:
    id: str
    name: str
    arguments: dict[str, Any]
    # The arguments as sent, when they were not a JSON object (the caller tells the model so).
    raw: str = ""


@dataclass
class ChatReply:
    text: str
    tool_requests: list[ToolRequest] = field(default_factory=list)
    record: llm.CallRecord | None = None


def _arguments(raw: str) -> tuple[dict[str, Any], str]:
    try:
        parsed = json.loads(raw or "{}")
    except ValueError:
        return {}, raw
    return (parsed, "") if isinstance(parsed, dict) else ({}, raw)


def turn(purpose: str, prompt_version: str, messages: list[dict[str, Any]], **options: Any) -> ChatReply:
    """`stream` read to its end: the whole reply."""
    call = stream(purpose, prompt_version, messages, **options)
    while True:
        try:
            next(call)
        except StopIteration as finished:
            return finished.value


def stream(purpose: str, prompt_version: str, messages: list[dict[str, Any]], *,
           tools: list[dict[str, Any]] | None = None, schema: dict[str, Any] | None = None,
           max_tokens: int | None = None) -> Generator[str, None, ChatReply]:
    """One chat completion: with `tools` (native tool calling), or with `schema` (a JSON reply), or plain text.

    Raises `llm.LLMUnavailable` when no call is made and `llm.LLMError` when the call fails.
    """
    provider = runtime.get("LLM_PROVIDER")
    if provider == "none":
        raise llm.LLMUnavailable("LLM is off (LLM_PROVIDER=none)")
    record = llm.CallRecord(purpose=purpose, prompt_version=prompt_version, model=llm.model_name(),
                            messages=messages)
    if traffic.breaker_open():
        record.error = "skipped: circuit breaker open after repeated failures"
        raise llm.LLMUnavailable(record.error, record)
    request: dict[str, Any] = {"model": record.model, "messages": messages, "temperature": 0,
                               "max_tokens": max_tokens or settings.ASSISTANT_MAX_TOKENS}
    if tools:
        request["tools"] = tools
    if schema is not None:
        if settings.LLM_STRUCTURED_OUTPUT == "json_object":
            request["response_format"] = {"type": "json_object", "schema": schema}
        else:
            request["response_format"] = {"type": "json_schema",
                                          "json_schema": {"name": "assistant_step", "schema": schema}}
    with traffic.server_slot() as waited:
        if not waited:
            record.error = traffic.NO_SLOT.format(wait=settings.LLM_SLOT_WAIT, slots=settings.LLM_SERVER_SLOTS)
            raise llm.LLMUnavailable(record.error, record)
        started = time.monotonic()
        try:
            reply = yield from _stream_with_retries(provider, request, record)
        except llm.LLMError as error:
            record.error = str(error)
            traffic.record_failure(purpose, record.error)
            raise llm.LLMError(str(error), record) from None
        finally:
            record.duration_ms = (time.monotonic() - started) * 1000
            record.cost_usd = llm.cost_usd(record.prompt_tokens, record.completion_tokens)
    traffic.record_success()
    record.reply = {"text": reply.text, "tool_calls": [{"name": t.name, "arguments": t.arguments}
                                                       for t in reply.tool_requests]}
    reply.record = record
    return reply


def _stream_with_retries(provider: str, request: dict[str, Any], record: llm.CallRecord
                         ) -> Generator[str, None, ChatReply]:
    openai = llm._sdk()
    client = llm._client(provider)
    for attempt in range(settings.LLM_MAX_RETRIES + 1):
        record.attempts = attempt + 1
        written = False
        try:
            stream = client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **request)
            text: list[str] = []
            calls: dict[int, dict[str, str]] = {}
            finish = ""
            for chunk in stream:
                if getattr(chunk, "usage", None):
                    record.prompt_tokens = chunk.usage.prompt_tokens or 0
                    record.completion_tokens = chunk.usage.completion_tokens or 0
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                finish = choice.finish_reason or finish
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                    written = True
                    yield delta.content
                for part in delta.tool_calls or []:
                    call = calls.setdefault(part.index or 0, {"id": "", "name": "", "arguments": ""})
                    call["id"] = part.id or call["id"]
                    if part.function is not None:
                        call["name"] += part.function.name or ""
                        call["arguments"] += part.function.arguments or ""
            if finish == "length":
                raise llm.LLMError(f"reply cut off at the token limit (max_tokens={request['max_tokens']})")
            requests = []
            for index, call in sorted(calls.items()):
                arguments, raw = _arguments(call["arguments"])
                requests.append(ToolRequest(id=call["id"] or f"call_{index}", name=call["name"],
                                            arguments=arguments, raw=raw))
            return ChatReply(text="".join(text), tool_requests=requests)
        except openai.OpenAIError as error:
            # Words already shown cannot be taken back: a failure mid-answer is not retried.
            if written or not llm._is_transient(error):
                raise llm.LLMError(f"{type(error).__name__}: {str(error)[:200]}") from None
            if attempt == settings.LLM_MAX_RETRIES:
                raise llm.LLMError(
                    f"gave up after {attempt + 1} attempts: {type(error).__name__}: {str(error)[:200]}"
                ) from None
            time.sleep(llm.BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable: the loop returns or raises")
