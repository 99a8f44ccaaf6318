"""The lead timeline in sentences a rep reads: no ids, enum codes, Python lists, booleans or MIME headers.

`describe(type, payload)` turns one ActivityLog entry's payload into a sentence, the link to what it
mentions (the email further down the lead page, the import it came from) and any remaining facts in
words. A key it does not know is shown humanised, never raw; ids and machine fields are left out.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime

from leads.models import ActivityLog, Feedback, Lead, Task
from outreach.models import EmailDraft
from outreach.replies import Classification

Type = ActivityLog.Type
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Machine fields: the page shows what they point at (a link) or nothing.
_HIDDEN = {"run_id", "message_id", "message", "draft", "draft_id", "replaces", "import_job", "mode", "event",
           "version", "edited", "needs_approval", "hard", "variant", "generated_by", "subject", "to", "from",
           "label", "value", "action", "reason", "classification", "sequence", "step", "next_due_at", "error",
           "outcome", "notes", "cancelled_drafts", "warnings", "source", "questions", "instruction",
           "task", "kind", "title", "due_at", "assignee"}
# Every choice label the payloads may carry as a code, looked up once.
_LABELS: dict[str, str] = {
    **dict(Lead.Status.choices), **dict(Lead.Action.choices), **dict(Lead.Source.choices),
    **dict(EmailDraft.Variant.choices), **dict(EmailDraft.GeneratedBy.choices), **dict(Classification.choices),
    **dict(Feedback.Outcome.choices),
}


# How a draft came to be, as the end of "A first touch email was drafted ...".
WRITTEN_BY = {
    EmailDraft.GeneratedBy.TEMPLATE: "from the template",
    EmailDraft.GeneratedBy.LLM: "by the LLM",
    EmailDraft.GeneratedBy.PERSON: "by a person",
}


@dataclass
class Described:
    sentence: str
    link_label: str = ""
    link_url: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


def words(value: Any) -> str:
    """A payload value in words: choice codes as their labels, yes/no, lists joined, times local."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(words(item) for item in value if item not in (None, ""))
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {words(item)}" for key, item in value.items())
    text = str(value)
    if text in _LABELS:
        return _LABELS[text]
    moment = parse_datetime(text) if "T" in text and len(text) >= 19 else None
    return localtime(moment).strftime("%Y-%m-%d %H:%M") if moment and moment.tzinfo else text


def _kind(payload: dict[str, Any]) -> str:
    variant = payload.get("variant")
    return f"{_LABELS.get(variant, 'email').lower()} email" if variant else "email"


def _email_link(payload: dict[str, Any]) -> tuple[str, str]:
    draft = str(payload.get("draft") or payload.get("draft_id") or "")
    return ("Read the email", f"#email-{draft}") if _UUID.match(draft) else ("", "")


def _sentence(type: str, payload: dict[str, Any]) -> str:
    kind, reason = _kind(payload), payload.get("reason") or ""
    because = f": {reason}" if reason else ""
    if type == Type.SCORED:
        version = f" by scoring v{payload['version']}" if payload.get("version") else ""
        gate = "; a manager must approve it" if payload.get("needs_approval") else ""
        return (f"Scored {words(payload.get('label', ''))} at {payload.get('value')}/100{version}. Next: "
                f"{words(payload.get('action', '')).lower()}{because}{gate}.")
    if type == Type.EMAIL_DRAFTED:
        if payload.get("event") == "edited":
            return "The draft was edited."
        written = WRITTEN_BY.get(payload.get("generated_by", ""), "")
        verb = "A new " if payload.get("event") == "rewritten" else "A "
        questions = f" asking: {payload['questions']}" if payload.get("questions") else ""
        return f"{verb}{kind} was drafted{' ' + written if written else ''}{questions}."
    if type == Type.EMAIL_APPROVED:
        edits = " after edits" if payload.get("edited") else ""
        warnings = f" (check: {words(payload['warnings'])})" if payload.get("warnings") else ""
        return f"The {kind} was approved{edits}{warnings}."
    if type == Type.EMAIL_REJECTED:
        return f"The {kind} was rejected{because}."
    if type == Type.EMAIL_SENT:
        mock = " (mock mode: stored, not delivered)" if payload.get("mode") == "mock" else ""
        subject = f" “{payload['subject']}”" if payload.get("subject") else ""
        return f"The {kind}{subject} was sent to {payload.get('to', 'the lead')}{mock}."
    if type == Type.STATUS_CHANGED:
        return f"Status changed from {words(payload.get('from', '—'))} to {words(payload.get('to', '—'))}{because}."
    if type == Type.REPLY_RECEIVED:
        return f"A reply came in, read as {words(payload.get('classification', 'other')).lower()}."
    if type == Type.BOUNCED:
        hard = "permanently " if payload.get("hard") else ""
        return f"An email {hard}bounced{because}."
    if type == Type.UNSUBSCRIBED:
        return f"The person asked not to be contacted{because}."
    if type == Type.OWNER_CHANGED:
        return _owner_sentence(payload, because)
    if type == Type.TASK:
        return _task_sentence(payload, because)
    if type == Type.SEQUENCE:
        if payload.get("event") == "paused":
            return f"Follow-ups paused{because}."
        if payload.get("event") == "resumed":
            return f"Follow-ups resumed{because}."
        if payload.get("event") == "enrolled":
            due = f"; the next step is due {words(payload['next_due_at'])}" if payload.get("next_due_at") else ""
            return f"Follow-ups started ({payload.get('sequence', 'default')} sequence){due}."
        cancelled = payload.get("cancelled_drafts")
        unsent = f"; {cancelled} unsent email{'s' if cancelled != 1 else ''} cancelled" if cancelled else ""
        return f"Follow-ups stopped{because}{unsent}."
    if type == Type.FEEDBACK:
        notes = f": {payload['notes']}" if payload.get("notes") else ""
        return f"Outcome recorded: {words(payload.get('outcome', '')).lower()}{notes}."
    if type == Type.ERROR:
        return f"Something went wrong: {payload.get('error') or reason or 'no details were recorded'}."
    if type == Type.INGESTED:
        source = f" from {words(payload['source']).lower()}" if payload.get("source") else ""
        return f"The lead came in{source}."
    return ""


def _owner_sentence(payload: dict[str, Any], because: str) -> str:
    before, after = payload.get("from") or "", payload.get("to") or ""
    if not after:
        return f"{before} is no longer the owner{because}." if before else f"The lead has no owner{because}."
    return f"Owner changed from {before} to {after}{because}." if before else f"Assigned to {after}{because}."


_TASK_KINDS = {Task.Kind.CALL: "Call task", Task.Kind.EMAIL: "Email task", Task.Kind.LINKEDIN: "LinkedIn task",
               Task.Kind.CUSTOM: "To-do"}
_TASK_EVENTS = {"created": "added", "done": "done", "rescheduled": "moved", "cancelled": "cancelled"}


def _task_sentence(payload: dict[str, Any], because: str) -> str:
    kind = _TASK_KINDS.get(payload.get("kind", ""), "Task")
    title = f" “{payload['title']}”" if payload.get("title") else ""
    event = payload.get("event", "")
    due = f" (due {words(payload['due_at'])})" if payload.get("due_at") and event in ("created", "rescheduled") else ""
    who = f" for {payload['assignee']}" if payload.get("assignee") else ""
    if event == "rescheduled" and not payload.get("due_at"):
        due = " (no due date now)"
    return f"{kind}{title} {_TASK_EVENTS.get(event, 'changed')}{who}{due}{because}."


def describe(type: str, payload: dict[str, Any]) -> Described:
    described = Described(sentence=_sentence(type, payload))
    described.link_label, described.link_url = _email_link(payload)
    job = str(payload.get("import_job") or "")
    if _UUID.match(job):
        try:
            described.link_label, described.link_url = "Open the import", reverse("leads:import_job", args=[job])
        except NoReverseMatch:
            pass
    shown = _HIDDEN if described.sentence else {"run_id", "message_id", "message", "draft", "draft_id", "replaces",
                                                   "import_job", "mode"}
    described.details = [
        (key.replace("_", " ").capitalize(), words(value)) for key, value in payload.items()
        if key not in shown and value not in (None, "", [], {}) and not _UUID.match(str(value))
    ]
    return described
