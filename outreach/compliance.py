"""Compliance lint: the checks an email must pass before it is approved and again before it is sent.

Blocking problems stop the approval or the send, each with a message that names the field and the
value; warnings (tone) are shown to the reviewer but do not stop anything. The lint reads the
message as the recipient will get it: the draft's subject and body plus the footer (`footer_for`,
which the outbox appends), so a missing unsubscribe link or postal address is caught here and not
in production.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from leadops import mail, runtime
from outreach.models import EmailDraft
from outreach.unsubscribe import UNSUBSCRIBE_PATH, unsubscribe_url
from outreach.wording import text_problems

BODY_MIN = 50
BODY_MAX = 2000
SUBJECT_MAX = 100

# Pressure phrases that read as spam to people and to filters.
PRESSURE_PHRASES = (
    "last chance", "limited time", "act fast", "don't miss out", "do not miss out", "only today",
    "final notice", "urgent response", "immediately", "before it's too late", "once in a lifetime",
)
_SHOUTED_WORD = re.compile(r"\b[A-Z]{4,}\b")
# Common acronyms are not shouting.
_ACRONYMS = {"HTTP", "HTTPS", "SaaS", "CRM", "B2B", "GDPR", "HIPAA", "ASAP", "NASA", "AWS", "API", "APIS"}


@dataclass
class LintResult:
    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocking

    def as_dict(self) -> dict[str, list[str]]:
        return {"blocking": self.blocking, "warnings": self.warnings}


def footer_for(email: str) -> str:
    """The footer every email to this address ends with: sender's postal address and unsubscribe link."""
    return render_to_string(
        "emails/footer.txt",
        {"postal_address": runtime.get("SENDER_POSTAL_ADDRESS"), "company_name": runtime.get("SENDER_COMPANY_NAME"),
         "unsubscribe_url": unsubscribe_url(email)},
    ).strip()


def not_ready_for_real_sends() -> str:
    """Why SMTP mode may not send yet, naming the setting ('' when it may, and always in mock mode).

    Mock mode works with the placeholder footer a fresh install ships with; the first real email needs
    the company's own name and postal address, which anti-spam laws require in every email.
    """
    if mail.mode() != mail.SMTP:
        return ""
    address = str(runtime.get("SENDER_POSTAL_ADDRESS") or "").strip()
    if not address or address == settings.PLACEHOLDER_POSTAL_ADDRESS:
        return ("Not sending: SENDER_POSTAL_ADDRESS still holds the placeholder address; set the company's "
                "postal address (Settings page or environment) before real emails go out.")
    if not str(runtime.get("SENDER_COMPANY_NAME") or "").strip():
        return ("Not sending: SENDER_COMPANY_NAME is empty; set the company's name for the footer (Settings page "
                "or environment) before real emails go out.")
    return ""


def lint_draft(draft: EmailDraft) -> LintResult:
    """The lint of the message as this draft's recipient would get it."""
    return lint(draft.subject, draft.body, footer_for(draft.recipient or "unknown@invalid"), lead=draft.lead)


def lint(subject: str, body: str, footer: str, *, lead: Any = None) -> LintResult:
    """Check one message; `footer` is the text `footer_for` gives for its recipient, `lead` whom it is to."""
    result = LintResult()
    subject = subject or ""
    body = body or ""
    _check_lengths(subject, body, result)
    _check_footer(footer, result)
    # Placeholders, markers, prompt wording, a second greeting, a restated instruction (outreach.wording).
    result.blocking.extend(text_problems(subject, body, lead=lead))
    _check_prohibited_terms(subject, body, result)
    _check_tone(subject, body, result)
    return result


def _check_lengths(subject: str, body: str, result: LintResult) -> None:
    if not subject.strip():
        result.blocking.append("Subject is empty.")
    elif len(subject) > SUBJECT_MAX:
        result.blocking.append(f"Subject is {len(subject)} characters; the limit is {SUBJECT_MAX}.")
    length = len(body.strip())
    if length < BODY_MIN:
        result.blocking.append(f"Body is {length} characters; it needs at least {BODY_MIN}.")
    elif length > BODY_MAX:
        result.blocking.append(f"Body is {length} characters; the limit is {BODY_MAX}.")


def _check_footer(footer: str, result: LintResult) -> None:
    address = str(runtime.get("SENDER_POSTAL_ADDRESS") or "").strip()
    if UNSUBSCRIBE_PATH not in footer:
        result.blocking.append("Footer has no unsubscribe link.")
    if not address or address not in footer:
        result.blocking.append("Footer has no sender postal address (set SENDER_POSTAL_ADDRESS).")


def _check_prohibited_terms(subject: str, body: str, result: LintResult) -> None:
    text = f"{subject}\n{body}".lower()
    for term in runtime.get("PROHIBITED_TERMS") or []:
        if term.strip() and re.search(rf"(?<!\w){re.escape(term.strip().lower())}(?!\w)", text):
            result.blocking.append(f"Uses the prohibited term '{term.strip()}'.")


def _check_tone(subject: str, body: str, result: LintResult) -> None:
    text = f"{subject}\n{body}"
    letters = [character for character in subject if character.isalpha()]
    if len(letters) >= 6 and all(character.isupper() for character in letters):
        result.warnings.append("Subject is in capitals (reads as shouting).")
    shouted = [word for word in _SHOUTED_WORD.findall(body) if word not in _ACRONYMS]
    if len(shouted) >= 3:
        result.warnings.append(f"Shouting: {len(shouted)} words in capitals ({', '.join(shouted[:5])}).")
    if "!!" in text or text.count("!") > 3:
        result.warnings.append(f"Excessive exclamation marks ({text.count('!')}).")
    lowered = text.lower()
    pressure = [phrase for phrase in PRESSURE_PHRASES if phrase in lowered]
    if pressure:
        result.warnings.append(f"Pressure phrases: {', '.join(pressure)}.")
