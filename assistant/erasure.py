"""What the assistant keeps about a person whose data is erased (`leads.signals.person_erased`).

A conversation that talked about the lead quotes the person: the user's question ("what did Dana Whitfield
say?"), the answer, the tool calls behind it (their arguments and redacted results still name the person and
the company) and the title made from the first question. In every such conversation what the lead said of the
person (names, address, company, title, phone, their words) becomes ERASED wherever it is quoted, and a tool
result's entry for the lead keeps only its codes (`leads.erasure.scrubbed`). A conversation is about the lead
when one of its answers listed the lead, a tool call returned it, or a text names the person's full name or
address.

A proposed action for the lead is cancelled if it still waits (confirming it later would act on an erased
person) and its words are scrubbed; the lead's notifications are scrubbed the same way. Ids, counts, statuses and
costs stay, as the timeline's do: they identify no one.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from assistant.models import Conversation, Message, Notification, ProposedAction, ToolCall
from leads.erasure import ERASED, PERSONAL_TEXT_FIELDS, scrubbed

# Shorter than this, a name part would match inside other words and people ("Al", "Li"): left alone.
SHORTEST_TERM = 2


def _terms(lead: Any, email: str) -> list[str]:
    """What names the person, longest first (so "Dana Whitfield" goes before "Dana")."""
    full_name = f"{lead.first_name} {lead.last_name}".strip()
    domain = email.rpartition("@")[2] if "@" in email else ""
    terms = {full_name, email, domain, *(str(getattr(lead, field) or "") for field in PERSONAL_TEXT_FIELDS)}
    return sorted({term.strip() for term in terms if len(term.strip()) >= SHORTEST_TERM}, key=len, reverse=True)


def _pattern(terms: list[str]) -> re.Pattern[str]:
    # Whole words only: erasing "Ann" must leave "Annual" alone.
    return re.compile("|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in terms), re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str], lead_id: str = "") -> Any:
    """A text or a JSON value with every term replaced by ERASED; structure, numbers and keys kept. A dict that
    is the lead's entry in a tool result (its "id" is the lead's) keeps only codes: it may hold any field."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        if lead_id and str(value.get("id", "")) == lead_id:
            return {**scrubbed(value), "id": value["id"]}
        return {key: _scrub(item, pattern, lead_id) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, pattern, lead_id) for item in value]
    return value


def _as_text(field: str) -> Cast:
    # JSON read as its text, so one lookup finds a lead id or an address on SQLite and PostgreSQL alike.
    return Cast(field, TextField())


def _any(lookup: str, terms: Iterable[str]) -> Q:
    """`lookup` contains one of the terms (no term: matches nothing)."""
    found = Q(pk__in=[])
    for term in terms:
        found |= Q(**{f"{lookup}__icontains": term})
    return found


def _conversations_about(lead_id: str, named: list[str]) -> set[Any]:
    """The conversations that listed the lead or name the person (full name, address)."""
    messages = (Message.objects.annotate(ids_text=_as_text("lead_ids"))
                .filter(_any("ids_text", [lead_id]) | _any("text", named)))
    calls = (ToolCall.objects.annotate(result_text=_as_text("result"), arguments_text=_as_text("arguments"))
             .filter(_any("result_text", [lead_id, *named]) | _any("arguments_text", named)))
    found = set(messages.values_list("conversation_id", flat=True))
    found |= set(calls.values_list("message__conversation_id", flat=True))
    found |= set(Conversation.objects.filter(_any("title", named)).values_list("pk", flat=True))
    return found


def _scrub_conversations(conversation_ids: Iterable[Any], pattern: re.Pattern[str], lead_id: str) -> None:
    conversations = list(Conversation.objects.filter(pk__in=conversation_ids).only("pk", "title"))
    for conversation in conversations:
        conversation.title = _scrub(conversation.title, pattern)
    Conversation.objects.bulk_update(conversations, ["title"])
    messages = list(Message.objects.filter(conversation_id__in=conversation_ids).only("pk", "text"))
    for message in messages:
        message.text = _scrub(message.text, pattern)
    Message.objects.bulk_update(messages, ["text"], batch_size=500)
    calls = list(ToolCall.objects.filter(message__conversation_id__in=conversation_ids)
                 .only("pk", "arguments", "result", "error"))
    for call in calls:
        call.arguments, call.result = _scrub(call.arguments, pattern), _scrub(call.result, pattern, lead_id)
        call.error = _scrub(call.error, pattern)
    ToolCall.objects.bulk_update(calls, ["arguments", "result", "error"], batch_size=500)


def _scrub_actions(lead_id: str, pattern: re.Pattern[str]) -> None:
    actions = list(ProposedAction.objects.annotate(ids_text=_as_text("lead_ids")).filter(ids_text__icontains=lead_id))
    now = timezone.now()
    for action in actions:
        action.summary, action.outcome = _scrub(action.summary, pattern), _scrub(action.outcome, pattern)
        action.parameters = _scrub(action.parameters, pattern)
        if action.status == ProposedAction.Status.PROPOSED:
            action.status, action.outcome = ProposedAction.Status.CANCELLED, "Cancelled: the person's data was erased."
        action.updated_at = now
    ProposedAction.objects.bulk_update(actions, ["summary", "outcome", "parameters", "status", "updated_at"])


def forget_person(sender: Any, lead: Any, email: str, **kwargs: Any) -> None:
    """`person_erased` (inside the erasure's transaction): nothing in the assistant names the person any more."""
    terms = _terms(lead, email)
    # No name or address on the lead: nothing to replace, but its waiting actions are still cancelled.
    pattern = _pattern(terms) if terms else re.compile(r"(?!)")
    lead_id = str(lead.pk)
    full_name = f"{lead.first_name} {lead.last_name}".strip()
    named = [term for term in {full_name, lead.email.strip(), email} if len(term) >= SHORTEST_TERM]
    _scrub_conversations(_conversations_about(lead_id, named), pattern, lead_id)
    _scrub_actions(lead_id, pattern)
    notices = list(Notification.objects.filter(lead_id=lead.pk).only("pk", "text"))
    for notice in notices:
        notice.text = _scrub(notice.text, pattern)
    Notification.objects.bulk_update(notices, ["text"])
