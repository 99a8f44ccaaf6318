"""What a lead looks like to the learner: every feature known before anyone contacted it.

`lead_features(lead)` flattens a lead into `{feature name: value}` where a value is a
category (str), a number (float) or None (missing). Standard fields, enrichment and every
column the import kept in `lead.attributes` take part, except:

- columns only known after contact (status, outcome, replies, activity counts...), which would
  teach the model the answer instead of the signal: matched by name here, plus the team's own
  list in `ScoringConfig.profile["leaky_columns"]`;
- columns that identify a row (ids, e-mail, names): matched by name here, and any column whose
  values are unique per lead is dropped again when the model is fitted (`scoring.learning.model`).

Placeholders such as "Select" (a form field left at its default), "N/A" or "-" are missing
values, not categories, so "left the form blank" is learned once, as missing.
"""

import datetime
import math
import re
from collections.abc import Iterable
from typing import Any

from leads.models import Lead
from scoring.enrichment import enrich
from scoring.pipeline.state import LeadSnapshot

FeatureValue = str | float | None
Features = dict[str, FeatureValue]

MISSING_TOKENS = frozenset({"", "select", "n/a", "na", "-", "--", "nan", "null", "none", "not provided", "unknown"})

# Attribute names that are only known once a person has worked the lead, or that are the outcome
# itself. Word-boundary matches on the lower-cased column name.
LEAKY_NAME_PATTERNS = (
    r"status", r"outcome", r"stage", r"repl(y|ies|ied)", r"activit(y|ies)", r"convert(ed|ion)?",
    r"won", r"lost", r"clos(e|ed|ing)", r"result", r"response",
)
# Attribute names that identify the person rather than describe the lead. Id columns are not
# matched by name ("landing_page_id" is a real signal): the fit drops columns unique per lead.
IDENTIFIER_NAME_PATTERNS = (
    r"e-?mail( address)?", r"(phone|mobile|telephone)( number)?", r"(first |last |full |contact )?name",
    r"(website |linkedin )?url", r"linkedin",
)
_LEAKY = re.compile(r"\b(" + "|".join(LEAKY_NAME_PATTERNS) + r")\b")
_IDENTIFIER = re.compile(r"^(" + "|".join(IDENTIFIER_NAME_PATTERNS) + r")$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})([ T].*)?$")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")

# Buying phrases in the lead's own message: intent known at arrival (same words the rules use).
INTENT_PATTERNS = {
    "Message mentions pricing": re.compile(r"\b(pric(e|es|ing)|quote|cost|budget)\b", re.IGNORECASE),
    "Message asks for a demo": re.compile(r"\b(demo|trial|walk-?through|call)\b", re.IGNORECASE),
    "Message names a timeline": re.compile(
        r"\b(this (quarter|month|week)|asap|urgent(ly)?|deadline|q[1-4])\b", re.IGNORECASE
    ),
}

DATE_SUFFIX = "(date)"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_TOKENS


def is_leaky_name(name: str, extra: Iterable[str] = ()) -> bool:
    lowered = name.strip().lower().replace("_", " ")
    if lowered in {column.strip().lower().replace("_", " ") for column in extra}:
        return True
    return bool(_LEAKY.search(lowered))


def is_identifier_name(name: str) -> bool:
    return bool(_IDENTIFIER.search(name.strip().lower().replace("_", " ")))


def clean_value(value: Any) -> FeatureValue:
    """A raw cell or field as a feature value: a number, a trimmed category or None."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if _NUMBER.match(text) and any(character.isdigit() for character in text):
        return float(text.replace(",", ""))
    return text


def _date_parts(name: str, text: str) -> Features:
    """A date column says when the lead arrived: its month is known then, the day is not a signal.

    No weekday: on both labelled data sets with a date (Olist, Maven) its seven levels were noise
    that cost cross-validated AUC (Olist 0.7059 -> 0.7081 without it) and few-outcome accuracy.
    """
    match = _DATE.match(text)
    if not match:
        return {}
    try:
        day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return {}
    # The date itself too, as a number binned by the model: early vs recent leads can differ.
    return {f"{name} month": _MONTHS[day.month - 1], f"{name} {DATE_SUFFIX}": float(day.toordinal())}


def attribute_features(attributes: dict[str, Any], leaky_columns: Iterable[str] = ()) -> Features:
    """Features from free-form columns (a lead's `attributes`, or a CSV row being scored)."""
    leaky = list(leaky_columns)
    features: Features = {}
    for name, raw in attributes.items():
        name = str(name).strip()
        if not name or is_leaky_name(name, leaky) or is_identifier_name(name):
            continue
        value = clean_value(raw)
        if isinstance(value, str):
            parts = _date_parts(name, value)
            if parts:
                features.update(parts)
                continue
        features[name] = value
    return features


# Enrichment's codes as a person reads them in a factor ("Seniority = C-level"). Bins match levels
# after lower-casing and turning "_" and "-" into spaces, so versions that learned "c_level" still
# find it, and the rule weights ("seniority.c_level") still give their priors.
_CODE_NAMES = {"c_level": "C-level", "vp": "VP", "it": "IT", "hr": "HR"}


def _readable(code: Any) -> FeatureValue:
    value = clean_value(code)
    if not isinstance(value, str):
        return value
    return _CODE_NAMES.get(value, value.replace("_", " ").capitalize())


def _flag(value: Any) -> FeatureValue:
    if value is None or value == "":
        return None
    return "yes" if value else "no"


def _enrichment(lead: Lead) -> dict[str, Any]:
    """The stored enrichment, or the same heuristics run now for a lead not yet qualified (or a CSV row).

    Without this a lead's first score (before the pipeline stored its enrichment) and a scored file
    would miss seniority and the address flags the model learned from.
    """
    if lead.enrichment:
        return lead.enrichment
    return enrich(LeadSnapshot.of(lead), competitor_domains=(), web_enrichment=False).stored()


def lead_features(lead: Lead, leaky_columns: Iterable[str] = ()) -> Features:
    """Every feature of a lead known before contact; see the module docstring for what is left out."""
    enrichment = _enrichment(lead)
    message = " ".join(part for part in (lead.lead_message, lead.pain_point) if part).strip()
    features: Features = {
        "Source": clean_value(lead.get_source_display() if lead.source else None),
        "Industry": clean_value(lead.industry),
        "Company size": clean_value(lead.company_size and lead.get_company_size_display()),
        "Country": clean_value(lead.country),
        "Seniority": _readable(enrichment.get("seniority")),
        "Function": _readable(enrichment.get("function")),
        "Budget (USD)": float(lead.budget_amount) if lead.budget_amount is not None else None,
        "Urgency": clean_value(lead.urgency and lead.get_urgency_display()),
        "Free-mail address": _flag(enrichment.get("free_mail")),
        "Role account": _flag(enrichment.get("role_account")),
        "Disposable address": _flag(enrichment.get("disposable")),
        "Pain point given": "yes" if lead.pain_point.strip() else "no",
    }
    for name, pattern in INTENT_PATTERNS.items():
        features[name] = ("yes" if pattern.search(message) else "no") if message else None
    # A standard field the form left empty gives way to an imported column of the same name.
    for name, value in attribute_features(lead.attributes or {}, leaky_columns).items():
        if features.get(name) is None:
            features[name] = value
    return features
