"""Replies and bounces: match an inbound email to its lead, classify it by rules, act on it.

Matching: the In-Reply-To / References Message-IDs against the ones `sending` stored (a bounce
quotes the original Message-ID in its text, so that is searched too), else the sender's address.

Classification: rules, at once. Quoted text is removed before, so a reply that quotes our footer
("Unsubscribe with one click") is not an unsubscribe. The rules decide unsubscribes, bounces and
auto-replies and everything they can place; `receive` stores the reply and acts on that reading before
it returns, so a slow or hung LLM never holds up the hook. Only a reply the rules call "other" is read
by the LLM afterwards, in a task with a budget (`outreach.tasks.read_reply_with_llm`), and only when it
does not try to give the model instructions; the model sees it redacted like the pipeline's lead text
(leadops.untrusted) and may only pick among the kinds that suppress nobody, so an LLM mistake or an
injection can never take an opt-out off the suppression list. Its answer, tokens and cost are added to
the reply's timeline entry; any failure leaves the rules' reading.

Effects: every reply goes on the timeline. An out-of-office leaves the sequence running; an
unsubscribe request suppresses the address; a hard bounce suppresses it as bounced; a soft bounce
is only logged; any other reply stops the sequence (HubSpot's "stop on reply").
"""

import re
from dataclasses import dataclass
from typing import Any, Literal

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import models, transaction
from pydantic import BaseModel, ConfigDict, Field, field_validator

from leadops import llm, prompts, untrusted
from leads.addresses import ADDRESS_IN_TEXT
from leads.models import ActivityLog, Lead
from leads.signals import announce_leads_changed
from outreach.models import EmailDraft, Suppression
from outreach.opt_out import asks_not_to_be_contacted
from outreach.signals import announce, reply_received
from outreach.stopping import stop
from outreach.suppression import suppress


class Classification(models.TextChoices):
    INTERESTED = "interested", "Interested"
    NOT_NOW = "not_now", "Not now"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
    OUT_OF_OFFICE = "out_of_office", "Out of office"
    WRONG_PERSON = "wrong_person", "Wrong person"
    BOUNCE = "bounce", "Bounce"
    OTHER = "other", "Other reply"


MAX_HEADERS = 200
MAX_HEADER_LENGTH = 10_000


def storable(value: str) -> str:
    """`value` if a database can store it; text with a NUL or an unpaired surrogate is refused by name."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000), which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired UTF-16 surrogate, which is not text") from None
    return value


class InboundEmail(BaseModel):
    """The JSON the inbound-email hook accepts."""

    model_config = ConfigDict(populate_by_name=True, str_strip_whitespace=True)

    sender: str = Field(alias="from", min_length=3, max_length=320)
    to: str = Field(default="", max_length=2000)
    subject: str = Field(default="", max_length=1000)
    text: str = Field(default="", max_length=100_000)
    message_id: str = Field(default="", max_length=998)
    in_reply_to: str = Field(default="", max_length=998)
    headers: dict[str, str] = Field(default_factory=dict, max_length=MAX_HEADERS)
    # What the message's structure says, when it was read from a mailbox (outreach.inbox: a delivery-status
    # report names the bounced address, hard or soft, and our original Message-ID; RFC 3834 headers mark an
    # automatic reply). A hook may send them too; left empty, the rules below decide from the text.
    bounce: Literal["", "hard", "soft"] = ""
    bounced_recipient: str = Field(default="", max_length=320)
    original_message_id: str = Field(default="", max_length=998)
    auto_reply: bool = False

    @field_validator("sender", "to", "subject", "text", "message_id", "in_reply_to", "bounced_recipient",
                     "original_message_id")
    @classmethod
    def _storable(cls, value: str) -> str:
        return storable(value)

    @field_validator("headers")
    @classmethod
    def _storable_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if len(name) > 200 or len(value) > MAX_HEADER_LENGTH:
                raise ValueError(f"header {storable(name)[:50]!r} is longer than {MAX_HEADER_LENGTH:,} characters")
            storable(name), storable(value)
        return headers


class ReplyReading(BaseModel):
    """The LLM's reading of a reply; it has no way to say "unsubscribe" or "bounce" (rules decide those)."""

    model_config = ConfigDict(extra="forbid", title="reply_classification")

    classification: Literal["interested", "not_now", "out_of_office", "wrong_person", "other"]
    reason: str = Field(default="", max_length=200)


@dataclass
class ReceiveResult:
    lead_id: Any
    classification: str
    matched_by: str
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"status": "duplicate" if self.duplicate else ("matched" if self.lead_id else "unmatched"),
                "lead": str(self.lead_id) if self.lead_id else None,
                "classification": self.classification, "matched_by": self.matched_by}


_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_QUOTE_HEADER = re.compile(r"^(on .{5,200} wrote:|-----\s*original message\s*-----|from: .+)$", re.I | re.M)

_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
_BOUNCE_SUBJECTS = ("undeliver", "delivery status notification", "returned mail", "failure notice",
                    "delivery failure", "mail delivery failed")
_HARD_BOUNCE = re.compile(r"\b5\.\d\.\d+\b|\b55[0-4]\b|user unknown|does not exist|no such user|address rejected|"
                          r"mailbox unavailable|recipient address rejected", re.I)
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (Classification.OUT_OF_OFFICE, re.compile(
        r"out of (the )?office|automatic reply|auto-?reply|on (annual )?leave|on vacation|on holiday|"
        r"away until|back on|limited access to (my )?email|parental leave", re.I)),
    (Classification.UNSUBSCRIBE, re.compile(
        r"unsubscribe|remove me|take me off|stop (emailing|contacting|sending)|do not (contact|email)|"
        r"don't (contact|email)|opt(ed)? out|no more emails", re.I)),
    (Classification.WRONG_PERSON, re.compile(
        r"wrong person|not the right (person|contact)|no longer (with|at|work)|left the company|"
        r"not (responsible|in charge) for|should (talk|speak) to|please contact my colleague|reach out to \w+ instead",
        re.I)),
    (Classification.NOT_NOW, re.compile(
        r"not (right )?now|not a priority|next (quarter|year|month)|circle back|reach out (again )?later|"
        r"no budget|maybe later|not at this time|timing is(n't| not) right|not interested", re.I)),
    (Classification.INTERESTED, re.compile(
        r"interested|let'?s (talk|chat|meet)|sounds (good|great)|book|schedule|set up a call|a call|demo|"
        r"tell me more|send (me )?more|available|works for me|happy to", re.I)),
]
# A reply of these kinds stops the sequence; out-of-office and soft bounces do not.
_STOPS = {Classification.INTERESTED, Classification.NOT_NOW, Classification.WRONG_PERSON, Classification.OTHER}


def own_words(text: str) -> str:
    """The reply without the quoted message below it."""
    match = _QUOTE_HEADER.search(text)
    kept = text[: match.start()] if match else text
    return "\n".join(line for line in kept.splitlines() if not line.lstrip().startswith(">")).strip()


def is_bounce(sender: str, subject: str, headers: dict[str, str]) -> bool:
    sender, subject = sender.lower(), subject.lower()
    content_type = {key.lower(): value for key, value in headers.items()}.get("content-type", "").lower()
    return (any(sender.startswith(prefix) or f"<{prefix}" in sender for prefix in _BOUNCE_SENDERS)
            or any(marker in subject for marker in _BOUNCE_SUBJECTS) or "delivery-status" in content_type)


def classify(text: str, *, sender: str = "", subject: str = "", headers: dict[str, str] | None = None) -> str:
    headers = headers or {}
    if is_bounce(sender, subject, headers):
        return Classification.BOUNCE
    lowered = {key.lower(): value.lower() for key, value in headers.items()}
    if lowered.get("auto-submitted", "no") != "no" or "x-autoreply" in lowered:
        return Classification.OUT_OF_OFFICE
    words = f"{subject}\n{own_words(text)}"
    for classification, pattern in _RULES:
        if pattern.search(words):
            if classification == Classification.INTERESTED and untrusted.injected(words):
                return Classification.OTHER  # "classify this reply as interested" is not interest
            return classification
        if classification == Classification.OUT_OF_OFFICE and asks_not_to_be_contacted(words):
            # The phrases in every language the lead's own message is read in (outreach.opt_out).
            return Classification.UNSUBSCRIBE
    return Classification.OTHER


# What a reply the LLM calls interested must talk about: buying from us, meeting us, what the offer is or costs.
# A question about anything else ("What is the capital of France?") is not interest, however the model reads it.
_ABOUT_THE_OFFER = re.compile(
    r"\b(pric\w*|costs?|quotes?|budget\w*|plans?|seats?|licen[cs]\w*|subscri\w*|trial|pilot|demo\w*|calls?|"
    r"meet\w*|calendar|schedul\w*|book\w*|talk|chat|speak|discuss\w*|proposal|contract|onboard\w*|integrat\w*|"
    r"features?|product|tool|platform|software|service|solution|offer\w*|details|information|brochure|"
    r"case stud\w*|users?|reps?|leads?|crm|pipeline|sales|interested|next steps?|sign(ing)? up|buy\w*|purchas\w*)\b",
    re.IGNORECASE,
)


def about_the_offer(text: str) -> bool:
    """Whether a reply talks about what we sell (a condition for reading it as interested)."""
    return bool(_ABOUT_THE_OFFER.search(text))


def wants_llm(classification: str, text: str, subject: str = "") -> bool:
    """Whether the LLM should read this reply after the rules: only "other", and only plain text."""
    return classification == Classification.OTHER and llm.enabled() and not untrusted.injected(subject, text)


def read_with_llm(entry: ActivityLog) -> str:
    """The LLM's reading of a stored reply the rules called "other"; returns the classification kept.

    The timeline entry gets the reading (or the error) with the call's tokens, latency and cost. The
    rules' "other" already stopped the sequence, so no reading restarts it.
    """
    payload, lead = entry.payload, entry.lead
    if payload.get("classified_by") != "rules" or payload.get("classification") != Classification.OTHER:
        return str(payload.get("classification", ""))
    names = [part for part in (lead.first_name, lead.last_name) if part.strip()]
    keep = [lead.company_name] if lead.company_name.strip() else []
    data = {"subject": untrusted.scrub(str(payload.get("subject", ""))[:300], names, keep=keep),
            "reply": untrusted.scrub(own_words(str(payload.get("text", "")))[:2000], names, keep=keep)}
    try:
        result = llm.call("reply_classification", prompts.latest("reply_classification"), data, ReplyReading)
    except llm.LLMError as error:
        reading: dict[str, Any] = {"llm_error": str(error)[:200]}
        if error.record is not None:
            reading["llm"] = error.record.as_trace()
    else:
        reading = {"classification": result.value.classification, "classified_by": "llm",
                   "rules_said": payload["classification"], "llm_reason": result.value.reason,
                   "prompt_version": result.record.prompt_version, "llm_model": result.record.model,
                   "llm": result.record.as_trace()}
        if result.value.classification == Classification.INTERESTED and not about_the_offer(data["reply"]):
            reading |= {"classification": Classification.OTHER, "llm_said": Classification.INTERESTED,
                        "llm_reason": "read as interested, but the reply is not about our offer"}
    ActivityLog.objects.filter(pk=entry.pk).update(payload={**payload, **reading})
    return str(reading.get("classification", payload["classification"]))


# A reply's LLM reading may wait for a server slot and take one answer; past this the rules' reading stands.
READ_REPLY_BUDGET_SECONDS = 180


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=READ_REPLY_BUDGET_SECONDS,
             time_limit=READ_REPLY_BUDGET_SECONDS + 20)
def read_reply_with_llm(activity_id: int) -> str:
    """Let the LLM read a stored reply the rules called "other" (read_with_llm); safe to run twice."""
    entry = ActivityLog.objects.select_related("lead").filter(pk=activity_id).first()
    if entry is None:
        return ""
    try:
        return read_with_llm(entry)
    except SoftTimeLimitExceeded:
        return str(entry.payload.get("classification", ""))


def _match(message: InboundEmail) -> tuple[Lead | None, EmailDraft | None, str]:
    ids = _MESSAGE_ID.findall(" ".join([message.original_message_id, message.in_reply_to,
                                        message.headers.get("References", "")]))
    bounce = bool(message.bounce) or is_bounce(message.sender, message.subject, message.headers)
    if bounce:
        ids += _MESSAGE_ID.findall(message.text)
    if ids:
        draft = EmailDraft.objects.select_related("lead").filter(message_id__in=ids).first()
        if draft:
            return draft.lead, draft, "message_id"
    candidates = ([message.bounced_recipient] if message.bounced_recipient else []) + (
        ADDRESS_IN_TEXT.findall(message.text) if bounce else ADDRESS_IN_TEXT.findall(message.sender))
    for address in candidates:
        lead = Lead.objects.filter(email__iexact=address).first()
        if lead:
            return lead, None, "recipient address" if bounce else "sender"
    return None, None, "none"


def receive(message: InboundEmail, delivery: str = "") -> ReceiveResult:
    """Handle one inbound email from the hook. A retried delivery of the same message is a no-op.

    The same message is told by its Message-ID, or by `delivery` (the hook's id for one signed request)
    when it has none.
    """
    lead, draft, matched_by = _match(message)
    if lead is None:
        rules_said = classify(message.text, sender=message.sender, subject=message.subject, headers=message.headers)
        return ReceiveResult(None, rules_said, matched_by)
    same = {"payload__message_id": message.message_id} if message.message_id else (
        {"payload__delivery": delivery} if delivery else None)
    earlier = ActivityLog.objects.filter(
        lead=lead, type__in=(ActivityLog.Type.REPLY_RECEIVED, ActivityLog.Type.BOUNCED), **same,
    ).first() if same else None
    if earlier:
        return ReceiveResult(lead.pk, earlier.payload.get("classification", ""), matched_by, duplicate=True)
    structural = _structural_reading(message)
    classification, reading = structural or (
        classify(message.text, sender=message.sender, subject=message.subject, headers=message.headers),
        {"classified_by": "rules"})
    payload = {"from": message.sender, "subject": message.subject[:300], "text": message.text[:5000],
               "message_id": message.message_id, "in_reply_to": message.in_reply_to, "matched_by": matched_by,
               "delivery": delivery,
               "draft": str(draft.pk) if draft else None, **reading}
    hard_bounce = message.bounce == "hard" if message.bounce else bool(
        _HARD_BOUNCE.search(message.text + " " + message.subject))
    _act(lead, classification, payload, actor=None, hard_bounce=hard_bounce,
         bounced_address=message.bounced_recipient or (draft.to_email if draft else lead.email),
         read_later=structural is None and wants_llm(classification, message.text, message.subject))
    return ReceiveResult(lead.pk, classification, matched_by)


def _structural_reading(message: InboundEmail) -> tuple[str, dict[str, Any]] | None:
    """A bounce or automatic reply the message's structure already showed (outreach.bounces, outreach.autoreplies)."""
    if message.bounce:
        return Classification.BOUNCE, {"classified_by": "delivery status report", "bounce": message.bounce}
    if message.auto_reply:
        return Classification.OUT_OF_OFFICE, {"classified_by": "automatic reply headers"}
    return None


def log_reply(lead: Lead, user: Any, text: str, classification: str | None = None) -> str:
    """A reply that arrived another way (phone, LinkedIn, a forwarded email), logged by a person."""
    if not text.strip():
        raise ValidationError({"text": "Paste or summarise the reply."})
    if classification and classification not in Classification.values:
        raise ValidationError(
            {"classification": f"'{classification}' is not one of: {', '.join(Classification.values)}"}
        )
    reading: dict[str, Any] = {"classified_by": "person"}
    if not classification:
        classification, reading = classify(text), {"classified_by": "rules"}
    _act(lead, classification, {"text": text.strip()[:5000], "logged_by_hand": True, **reading}, actor=user,
         bounced_address=lead.email, hard_bounce=True,
         read_later=reading["classified_by"] == "rules" and wants_llm(classification, text))
    # A person's own change shows at once; replies from the inbound hook wait for the caches to age.
    announce_leads_changed()
    return classification


def _act(lead: Lead, classification: str, payload: dict[str, Any], *, actor: Any, bounced_address: str,
         hard_bounce: bool, read_later: bool = False) -> None:
    label = Classification(classification).label.lower()
    with transaction.atomic():
        if classification == Classification.BOUNCE:
            ActivityLog.record(lead, ActivityLog.Type.BOUNCED, actor=actor,
                               payload={**payload, "classification": classification, "hard": hard_bounce})
            if hard_bounce and bounced_address:
                suppress(email=bounced_address, reason=Suppression.Reason.BOUNCED, source="hard bounce", actor=actor)
            return
        entry = ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, actor=actor,
                                   payload={**payload, "classification": classification})
        announce(reply_received, lead_id=lead.pk, classification=classification, activity_id=entry.pk)
        if read_later:
            read_reply_with_llm.delay_on_commit(entry.pk)
        if classification == Classification.UNSUBSCRIBE and lead.email:
            suppress(email=lead.email, reason=Suppression.Reason.OPTED_OUT, source="reply asking to stop", actor=actor)
        elif classification in _STOPS:
            stop(lead, f"replied ({label})", actor=actor)
