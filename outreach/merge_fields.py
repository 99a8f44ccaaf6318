"""What a template's {{merge fields}} say for one lead, whatever the lead typed.

Every value is safe to drop into a template: a name that looks like a placeholder ("test", "asdf", "n/a", an
email address, all-caps junk) is treated as missing, so the greeting falls back to "Hello,"; lower-case and
all-caps names are written the way a person would ("dana" -> "Dana"). What the lead wrote in free text (the
pain point and the message) is never spliced into a sentence: it is offered only as a quotation, cut at a
sentence or word boundary, for a template to introduce with a colon ("You described it as: “...”"). The
opening sentence depends on how the lead came to us: inbound sources are thanked for getting in touch, any
other lead is told why we are writing (an outbound lead never reached out).
"""

import re
import unicodedata
from typing import Any

from outreach import mailboxes
from outreach.template_models import INBOUND_SOURCES

# name -> what it gives, for the template editor's picker; the order is the picker's.
MERGE_FIELDS = {
    "greeting": "“Hi Dana,” or “Hello,” when the name is missing or not a real name",
    "first_name": "First name, or “there”",
    "last_name": "Last name, or nothing",
    "company_name": "Company, or “your team”",
    "job_title": "Job title, or nothing",
    "industry": "Industry in lower case, or “your industry”",
    "country": "Country, or nothing",
    "opening": "First sentence: thanks an inbound lead for getting in touch, tells any other lead why we write",
    "pain_point": "The lead's pain point as a quotation “...”: introduce it with a colon",
    "message": "The lead's message as a quotation “...”: introduce it with a colon",
    "sender_name": "The name of the rep whose mailbox sends it",
}
# Free text a lead typed: only ever quoted, and never allowed in a subject.
QUOTED_FIELDS = ("pain_point", "message")
# Merge values a template may receive from its caller (the clarifying question's list), not from the lead.
EXTRA_FIELDS = ("questions",)

# Neutral wording for a merge field the lead left empty; a field not listed becomes nothing.
FALLBACKS = {
    "greeting": "Hello,",
    "first_name": "there",
    "company_name": "your team",
    "industry": "your industry",
    "questions": "- What would you like to achieve, and by when?",
}

OPENINGS = {
    "web_form": "Thank you for getting in touch through our website.",
    "referral": "Thank you for getting in touch after being pointed our way.",
    "event": "Thank you for stopping by to talk with us at the event.",
    "partner": "Thank you for getting in touch through our partner.",
}
OUTBOUND_OPENING = "I am writing because we help sales teams reply to and qualify new leads on the day they arrive."
assert set(OPENINGS) == set(INBOUND_SOURCES)

# Cell text a spreadsheet would run as a formula is not a value to write to anyone.
_FORMULA_START = ("=", "+", "-", "@")
_MAX_LENGTH = {"first_name": 40, "last_name": 60, "company_name": 60, "job_title": 60, "industry": 40,
               "country": 60}
_QUOTE_LIMIT = 160
PLACEHOLDER_WORDS = frozenset({
    "test", "testing", "tester", "asdf", "asd", "qwerty", "n/a", "na", "n.a", "none", "null", "nil", "nan",
    "unknown", "name", "firstname", "first name", "first", "lastname", "last name", "your name", "x", "xx",
    "xxx", "tbd", "tba", "todo", "foo", "bar", "baz", "abc", "test test", "sir", "madam", "sir/madam",
    "customer", "user", "admin", "info", "sales", "contact", "lead", "fake", "dummy", "sample", "example",
    "demo", "hello", "hi", "nobody", "anonymous", "anon", "no name", "noname", "-", "company", "my company",
    "private", "self", "self-employed", "individual", "nothing", "no", "yes", "ok", "idk", "whatever",
})
_KEYBOARD_RUNS = ("asdf", "sdfg", "dfgh", "fghj", "hjkl", "qwer", "wert", "erty", "rtyu", "zxcv", "xcvb", "uiop")
_LATIN_VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ")
_EDGE_PUNCTUATION = " \t.,;:!?-–—_'\"“”‘’`()[]{}<>*#/\\|~^"


def _plain(value: Any) -> str:
    """One line of text without template syntax, control characters or formula starts."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(char if unicodedata.category(char)[0] != "C" else " " for char in text)
    # Braces and [[ ]] in what a lead typed must not read as template syntax in the draft.
    text = " ".join(re.sub(r"[{}]|\[\[|\]\]", "", text).split())
    return "" if text.startswith(_FORMULA_START) else text


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(_EDGE_PUNCTUATION)


def looks_like_placeholder(text: str, *, name: bool = True) -> bool:
    """True for a value nobody would be called by: a placeholder word, an address, keyboard mashing.

    With name=True (a person's name) digits and vowel-less Latin words count too; a company may be "3M" or "KPMG".
    """
    lowered = text.lower().strip(_EDGE_PUNCTUATION)
    if not lowered or lowered in PLACEHOLDER_WORDS or "@" in lowered or "http" in lowered or "www." in lowered:
        return True
    letters = [char for char in lowered if char.isalpha()]
    if not letters or re.search(r"([^\W\d_])\1\1", lowered) or any(run in lowered for run in _KEYBOARD_RUNS):
        return True
    if not name:
        return False
    if any(char.isdigit() or char in "_=+<>|\\/" for char in lowered):
        return True
    latin = [char for char in letters if char.isascii() or char in _LATIN_VOWELS]
    # A Latin-script word of two or more letters without a vowel is mashing ("xzvt", "NGHT"); other scripts pass.
    return len(latin) == len(letters) and len(letters) >= 2 and not _LATIN_VOWELS & set(letters)


def _name_case(word: str) -> str:
    """'dana' and 'DANA' -> 'Dana', 'mary-jane' -> 'Mary-Jane'; a mixed-case 'McKay' or 'DeShawn' stays."""
    if word.islower() or (word.isupper() and len(word) > 1):
        return re.sub(r"[^\W\d_]+", lambda match: match.group(0).capitalize(), word.lower())
    return word


def person_name(value: Any, field: str = "first_name") -> str:
    text = _plain(value).strip(_EDGE_PUNCTUATION)
    words = text.split()
    if field == "first_name" and len(words) > 2:
        words = words[:1]  # "Dana from the sales team": the first word is the name
    text = " ".join(words)
    if len(text) > _MAX_LENGTH[field] or len(text) < 2 or looks_like_placeholder(text):
        return ""
    return " ".join(_name_case(word) for word in text.split())


def _mid_sentence(text: str) -> str:
    """Lower-case the first letter so the text reads inside a sentence; acronyms ("IT", "SaaS") stay."""
    first_word = text.split(" ", 1)[0]
    if first_word[:1].isupper() and not any(letter.isupper() for letter in first_word[1:]):
        return text[0].lower() + text[1:]
    return text


def field_value(value: Any, field: str) -> str:
    """A company, title, industry or country as it can stand in a sentence, or "" when it is not usable."""
    text = _plain(value).strip(" \t,;:-–—_*#|~^\"'“”‘’`")
    if not text or looks_like_placeholder(text, name=False):
        return ""
    text = _cut(text, _MAX_LENGTH.get(field, 60))
    return _mid_sentence(text) if field == "industry" else text


def quotation(value: Any) -> str:
    """Free text as a quotation: “First sentence or two.”, capitalised, cut at a boundary, or "" for junk."""
    text = _plain(value).strip(" \t\"'“”‘’`-–—,;:")
    if len(text) < 3 or not any(char.isalpha() for char in text) or looks_like_placeholder(text):
        return ""
    if len(text) > _QUOTE_LIMIT:
        sentences = re.split(r"(?<=[.!?])\s+", text)
        kept = ""
        for sentence in sentences:
            if len(kept) + len(sentence) + 1 > _QUOTE_LIMIT:
                break
            kept = f"{kept} {sentence}".strip()
        text = kept or _cut(text, _QUOTE_LIMIT - 1).rstrip(_EDGE_PUNCTUATION) + "…"
    text = re.sub(r"([.!?…])[.!?,;:…]+$", r"\1", text)
    if not text.endswith((".", "!", "?", "…")):
        text += "."
    return f"“{text[0].upper()}{text[1:]}”"


def opening(source: str) -> str:
    return OPENINGS.get(source or "", OUTBOUND_OPENING)


def merge_fields(lead: Any, **extra: Any) -> dict[str, str]:
    """Merge values for a lead; empty string means the lead did not give it (or gave nothing usable)."""
    company = getattr(lead, "company", None) if getattr(lead, "company_id", None) else None
    first_name = person_name(lead.first_name)
    values = {
        "greeting": f"Hi {first_name}," if first_name else "",
        "first_name": first_name,
        "last_name": person_name(lead.last_name, "last_name"),
        "company_name": field_value(lead.company_name or (company.name if company else ""), "company_name"),
        "job_title": field_value(lead.job_title, "job_title"),
        "industry": field_value(lead.industry or (company.industry if company else ""), "industry"),
        "country": field_value(lead.country, "country"),
        "opening": opening(getattr(lead, "source", "")),
        "pain_point": quotation(lead.pain_point),
        "message": quotation(getattr(lead, "lead_message", "")),
        # Signed by the rep whose mailbox it goes out from.
        "sender_name": mailboxes.signing_name(lead),
    }
    for key, value in extra.items():
        values[key] = str(value or "") if key in EXTRA_FIELDS else field_value(value, key)
    return values
