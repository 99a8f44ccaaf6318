"""One question, one answer: the model picks tools, the tools run as the user, the answer is checked and kept.

`run(conversation, question)` is a generator of events for the panel (a tool ran, a piece of the answer was
written) that returns the stored answer. The model is given the question, a short history and what "those
leads" were; it calls tools natively or, in the JSON-schema mode, one step at a time (ASSISTANT_TOOL_MODE).
Every figure in the answer is checked against the tool results of the same question (leadops.grounding);
figures none backs are stored on the message and shown marked. Without an LLM the answer says so and offers
the saved searches and reports that answer the common questions.
"""

import json
import re
import time
from collections.abc import Generator, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assistant import tools
from assistant.models import Conversation, Message, ToolCall
from leadops import llm, llm_chat, prompts
from leadops.grounding import unsupported_figures

Event = tuple[str, Any]
# A question that needs contact details: only then do lead rows carry addresses and phone numbers.
CONTACT_QUESTION = re.compile(r"e-?mail address|phone|contact details|how (can|do) i (reach|contact)", re.I)
HISTORY = 6
NO_LLM = ("The assistant needs an LLM, and none is set up (Settings, LLM provider). These saved searches and "
          "reports answer the common questions:")


def mode() -> str:
    return str(settings.ASSISTANT_TOOL_MODE) if llm.enabled() else "none"


def ask(conversation: Conversation, question: str) -> Message:
    """`run` read to its end (the page without JavaScript, the bench, the tests)."""
    events = run(conversation, question)
    while True:
        try:
            next(events)
        except StopIteration as finished:
            return finished.value


def start(conversation: Conversation, question: str) -> Message:
    """Store the question and an empty answer being written; `run` (or `finish`) fills it in."""
    Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question[:2000])
    if not conversation.title:
        Conversation.objects.filter(pk=conversation.pk).update(title=question[:80])
    return Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT,
                                  status=Message.Status.PENDING, mode=mode())


def run(conversation: Conversation, question: str) -> Generator[Event, None, Message]:
    answer = start(conversation, question)
    return (yield from finish(answer))


def _previous(answer: Message) -> tuple[str, list[str]]:
    earlier = answer.conversation.messages.filter(created_at__lt=answer.created_at).order_by("created_at")
    history = list(earlier)
    question = next((message.text for message in reversed(history) if message.role == Message.Role.USER), "")
    lead_ids = next((message.lead_ids for message in reversed(history)
                     if message.role == Message.Role.ASSISTANT and message.lead_ids), [])
    return question, lead_ids


def finish(answer: Message) -> Generator[Event, None, Message]:
    """Write the answer to the question before it (streamed as events), check it and store it."""
    if answer.status != Message.Status.PENDING:
        return answer
    started = time.monotonic()
    question, previous_ids = _previous(answer)
    if not llm.enabled():
        yield "text", NO_LLM
        return _save(answer, NO_LLM, [], previous_ids, started, [], question)
    context = tools.Context(user=answer.conversation.user, question=question, previous_lead_ids=previous_ids,
                            message=answer, reveal_contacts=bool(CONTACT_QUESTION.search(question)))
    messages = _opening(answer, question, previous_ids)
    calls: list[dict[str, Any]] = []
    records: list[llm.CallRecord] = []
    try:
        text = yield from _steps(messages, context, calls, records)
    except llm.LLMError as error:
        if error.record:
            records.append(error.record)
        text = f"The assistant could not answer just now ({error}). Try again in a minute."
        yield "text", text
        return _save(answer, text, calls, previous_ids, started, records, question, failed=True)
    return _save(answer, text, calls, previous_ids, started, records, question)


def _opening(answer: Message, question: str, previous_ids: list[str]) -> list[dict[str, Any]]:
    prompt = prompts.latest("assistant_system")
    system = prompt.system + f"\nToday is {timezone.localdate():%A %Y-%m-%d}."
    if mode() == "json_schema":
        system += ("\nReply with one JSON step: a tool and its arguments, or {\"tool\": \"answer\"} once the "
                   "results answer the question. Tools:\n" + tools.registry.catalogue())
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    earlier = answer.conversation.messages.filter(created_at__lt=answer.created_at, status=Message.Status.DONE)
    for message in list(earlier.order_by("-created_at")[: HISTORY + 1])[::-1][:-1]:
        messages.append({"role": message.role, "content": message.text[:1500]})
    note = ""
    if previous_ids:
        note = (f"\n\n(The previous answer listed {len(previous_ids)} leads; for 'those leads' or 'that lead' "
                "set use_previous_results=true.)")
    messages.append({"role": "user", "content": question + note})
    return messages


def _run_tool(name: str, arguments: dict[str, Any], context: tools.Context, calls: list[dict[str, Any]]
              ) -> Generator[Event, None, dict[str, Any]]:
    outcome = tools.run(name, context, arguments)
    calls.append({"name": name, "arguments": arguments, "result": outcome.result, "error": outcome.error,
                  "duration_ms": outcome.duration_ms, "lead_ids": outcome.lead_ids})
    yield "tool", {"name": name, "error": outcome.error}
    return outcome.result


def _steps(messages: list[dict[str, Any]], context: tools.Context, calls: list[dict[str, Any]],
           records: list[llm.CallRecord]) -> Generator[Event, None, str]:
    version = f"assistant_system.{prompts.latest('assistant_system').version}"
    json_mode = mode() == "json_schema"
    for _step in range(settings.ASSISTANT_MAX_STEPS):
        if json_mode:
            reply = llm_chat.turn("assistant_step", version, messages, schema=tools.step_schema())
            records.append(reply.record)  # type: ignore[arg-type]
            step = _step_of(reply.text)
            if step is None or step.get("tool") == tools.registry.ANSWER:
                break
            result = yield from _run_tool(str(step["tool"]), step.get("arguments") or {}, context, calls)
            messages += [{"role": "assistant", "content": reply.text},
                         {"role": "user", "content": f"Result of {step['tool']}: {_dumps(result)}"}]
            continue
        reply = yield from _texts(llm_chat.stream("assistant_turn", version, messages, tools=tools.openai_tools()))
        records.append(reply.record)  # type: ignore[arg-type]
        if not reply.tool_requests:
            return reply.text
        messages.append({"role": "assistant", "content": reply.text or None, "tool_calls": [
            {"id": request.id, "type": "function",
             "function": {"name": request.name, "arguments": json.dumps(request.arguments)}}
            for request in reply.tool_requests]})
        for request in reply.tool_requests:
            arguments = request.arguments
            result = ({"error": f"The arguments were not a JSON object: {request.raw[:100]}"} if request.raw
                      else (yield from _run_tool(request.name, arguments, context, calls)))
            messages.append({"role": "tool", "tool_call_id": request.id, "content": _dumps(result)})
    messages.append({"role": "user", "content": "Answer the question now, from the tool results above only."})
    reply = yield from _texts(llm_chat.stream("assistant_answer", version, messages))
    records.append(reply.record)  # type: ignore[arg-type]
    return reply.text


def _texts(call: Generator[str, None, llm_chat.ChatReply]) -> Generator[Event, None, llm_chat.ChatReply]:
    while True:
        try:
            yield "text", next(call)
        except StopIteration as finished:
            return finished.value


def _step_of(text: str) -> dict[str, Any] | None:
    try:
        step = json.loads(text)
    except ValueError:
        return None
    return step if isinstance(step, dict) and isinstance(step.get("tool"), str) else None


def _dumps(result: dict[str, Any]) -> str:
    # Lead text cannot close a block or pose as markup: brackets are escaped inside the JSON.
    return json.dumps(result, ensure_ascii=False, default=str).replace("<", "\\u003c").replace(">", "\\u003e")


def listed_lead_ids(results: Iterable[Any]) -> list[str]:
    """The leads these tool results listed, in order, each once: the answer's links and "those leads" next time."""
    found: dict[str, None] = {}
    for result in results:
        for row in result.get("leads", []) if isinstance(result, dict) else []:
            if isinstance(row, dict) and row.get("id"):
                found[str(row["id"])] = None
    return list(found)


def _save(answer: Message, text: str, calls: list[dict[str, Any]], previous_ids: list[str], started: float,
          records: list[llm.CallRecord], question: str, *, failed: bool = False) -> Message:
    answer.text = text.strip()
    answer.status = Message.Status.FAILED if failed else Message.Status.DONE
    sources = [call["result"] for call in calls] + [question, f"{timezone.localdate():%Y-%m-%d}"]
    answer.unsupported = [] if failed or not calls and answer.mode == "none" else unsupported_figures(text, sources)
    answer.lead_ids = list(dict.fromkeys(lead_id for call in calls for lead_id in call.pop("lead_ids"))) \
        or previous_ids
    answer.prompt_tokens = sum(record.prompt_tokens for record in records)
    answer.completion_tokens = sum(record.completion_tokens for record in records)
    answer.duration_ms = int((time.monotonic() - started) * 1000)
    cost = sum(record.cost_usd for record in records)
    with transaction.atomic():
        answer.save()
        ToolCall.objects.bulk_create(ToolCall(message=answer, position=position, **call)
                                     for position, call in enumerate(calls))
        Conversation.objects.filter(pk=answer.conversation_id).update(
            prompt_tokens=F("prompt_tokens") + answer.prompt_tokens,
            completion_tokens=F("completion_tokens") + answer.completion_tokens,
            cost_usd=F("cost_usd") + cost, updated_at=timezone.now())
    return answer
