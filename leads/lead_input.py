"""`LeadInput`: the one set of rules that validates and normalises a lead, whichever door it came through.

The form, the JSON API, the CSV importer and the management command all build a `LeadInput`, so
trimming, lengths, enums, email checks, country codes and budget parsing are decided here once.
Lengths come from the `Lead` model fields so the two cannot drift apart.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from leads.addresses import domain_of, email_address
from leads.countries import to_iso2
from leads.models import Company, Feedback, Lead
from leads.time_zones import zone_names


def _max_length(field: str) -> int:
    return Lead._meta.get_field(field).max_length  # type: ignore[return-value]


# Validation context key: the caller has removed NUL characters and None values from the data.
TEXT_IS_CLEAN = "text_is_clean"

# Values that mean "not given" in exported files; an enum column holding one is simply left empty.
PLACEHOLDERS = frozenset({"", "-", "--", "n/a", "na", "none", "null", "nil", "unknown", "select", "?", "tbd"})

SOURCE_SYNONYMS: dict[str, str] = {
    "web": Lead.Source.WEB_FORM, "website": Lead.Source.WEB_FORM, "web form": Lead.Source.WEB_FORM,
    "webform": Lead.Source.WEB_FORM, "form": Lead.Source.WEB_FORM, "contact form": Lead.Source.WEB_FORM,
    "inbound": Lead.Source.WEB_FORM, "landing page": Lead.Source.WEB_FORM,
    "referral": Lead.Source.REFERRAL, "referred": Lead.Source.REFERRAL, "word of mouth": Lead.Source.REFERRAL,
    "outbound": Lead.Source.OUTBOUND, "cold call": Lead.Source.OUTBOUND, "cold email": Lead.Source.OUTBOUND,
    "prospecting": Lead.Source.OUTBOUND, "event": Lead.Source.EVENT, "conference": Lead.Source.EVENT,
    "trade show": Lead.Source.EVENT, "tradeshow": Lead.Source.EVENT, "webinar": Lead.Source.EVENT,
    "partner": Lead.Source.PARTNER, "reseller": Lead.Source.PARTNER, "channel": Lead.Source.PARTNER,
    "import": Lead.Source.IMPORT, "csv": Lead.Source.IMPORT, "api": Lead.Source.API, "other": Lead.Source.OTHER,
}

URGENCY_SYNONYMS: dict[str, str] = {
    "low": Lead.Urgency.LOW, "no rush": Lead.Urgency.LOW, "later": Lead.Urgency.LOW,
    "next year": Lead.Urgency.LOW, "medium": Lead.Urgency.MEDIUM, "normal": Lead.Urgency.MEDIUM,
    "med": Lead.Urgency.MEDIUM, "this quarter": Lead.Urgency.MEDIUM, "high": Lead.Urgency.HIGH,
    "urgent": Lead.Urgency.HIGH, "asap": Lead.Urgency.HIGH, "immediately": Lead.Urgency.HIGH,
    "this month": Lead.Urgency.HIGH,
}

# (upper bound of the band, band); a head count falls in the first band whose bound it does not exceed.
_SIZE_BANDS: list[tuple[int, str]] = [
    (10, Lead.SizeBand.MICRO), (50, Lead.SizeBand.SMALL), (200, Lead.SizeBand.MEDIUM),
    (500, Lead.SizeBand.MID), (1000, Lead.SizeBand.LARGE), (5000, Lead.SizeBand.ENTERPRISE),
]
_SIZE_WORDS = {"self-employed": Lead.SizeBand.MICRO, "self employed": Lead.SizeBand.MICRO,
               "freelancer": Lead.SizeBand.MICRO, "startup": Lead.SizeBand.SMALL}
_NUMBER_WITH_SUFFIX = re.compile(r"(\d+(?:\.\d+)?)\s*(k|m|mm|thousand|million)?\b")
_MAX_BUDGET = 2_147_483_647  # PositiveIntegerField's ceiling on PostgreSQL


# Choices' `.values` builds a new list on every access; these are looked up for every imported row.
_SIZE_VALUES = frozenset(Lead.SizeBand.values)
_SOURCE_VALUES = frozenset(Lead.Source.values)


@lru_cache(maxsize=4096)
def size_band(text: str) -> str:
    """'250' -> '201-500'; '200-500' -> '201-500'; '1000+' -> '1001-5000'. ValueError when unreadable."""
    value = text.strip().lower().replace(",", "").replace(" employees", "").replace(" ", "")
    if value in _SIZE_VALUES:
        return value
    if value in _SIZE_WORDS:
        return _SIZE_WORDS[value]
    match = re.fullmatch(r"(\d+)(?:-(\d+)|(\+))?", value)
    if not match:
        raise ValueError("is not a head count or a range such as 250, 200-500 or 1000+")
    low, high, plus = match.groups()
    # A range is judged by its top; "1000+" means more than 1000.
    count = int(high) if high else int(low) + (1 if plus else 0)
    for bound, band in _SIZE_BANDS:
        if count <= bound:
            return band
    return Lead.SizeBand.HUGE


@lru_cache(maxsize=4096)
def budget_amount(text: str) -> int | None:
    """The top of a budget as a whole number: '$50k' -> 50000, '50-100k' -> 100000, 'tbd' -> None."""
    value = text.lower().replace(",", "")
    numbers = _NUMBER_WITH_SUFFIX.findall(value)
    if not numbers:
        return None
    # "50-100k": a suffix on the last number applies to the bare numbers before it.
    last_suffix = numbers[-1][1]
    amounts = []
    for digits, suffix in numbers:
        multiplier = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mm": 1_000_000,
                      "million": 1_000_000}.get(suffix or last_suffix, 1)
        amounts.append(float(digits) * multiplier)
    top = int(max(amounts))
    return top if top <= _MAX_BUDGET else None


# Websites repeat across a company's leads.
_website_domain = lru_cache(maxsize=32_768)(domain_of)
_DOMAIN_LENGTH = Company._meta.get_field("domain").max_length


def split_full_name(full_name: str) -> tuple[str, str]:
    """'Ada Lovelace' -> ('Ada', 'Lovelace'); 'Lovelace, Ada' -> ('Ada', 'Lovelace'); 'Cher' -> ('Cher', '')."""
    name = " ".join(full_name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


@lru_cache(maxsize=1024)
def source_value(text: str) -> str | None:
    """A Lead.Source for what a file or form says; None when empty.

    Channels vary endlessly ("Olark Chat", "Google"): an unknown one is OTHER, not an error, and the
    importer keeps the original text in attributes.
    """
    text = text.strip().lower()
    if not text:
        return None
    if text in _SOURCE_VALUES:
        return text
    return str(SOURCE_SYNONYMS.get(text.replace("_", " ").replace("-", " "), Lead.Source.OTHER))


_FIRST_NAME_LENGTH, _LAST_NAME_LENGTH = _max_length("first_name"), _max_length("last_name")

# Repeated values (the same few countries in a million rows) are normalised once.
_country_code = lru_cache(maxsize=4096)(to_iso2)


def _as_text(value: Any) -> str:
    """An extra value as attributes keep it: text as given, a nested JSON value as JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple, bool)):
        # str() would store Python's spelling ("{'deep': [1, 2]}", "True"), which nothing can read back.
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _text(length_of: str) -> Any:
    return Field("", max_length=_max_length(length_of))


class LeadInput(BaseModel):
    """One lead as any door hands it in, validated and normalised.

    Empty strings mean "not given": intake never blanks a stored value with one. `source` None means
    "whatever the door says". `outcome` records a historic result (closed won/lost) as Feedback.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=False)

    first_name: str = _text("first_name")
    last_name: str = _text("last_name")
    full_name: str = Field("", max_length=201, exclude=True)
    email: str = _text("email")
    external_id: str = _text("external_id")
    phone: str = _text("phone")
    website: str = _text("website")
    company_name: str = _text("company_name")
    job_title: str = _text("job_title")
    industry: str = _text("industry")
    company_size: str = ""
    country: str = ""
    time_zone: str = Field("", max_length=64)
    source: str | None = None
    budget_range: str = _text("budget_range")
    budget_amount: int | None = Field(None, ge=0, le=_MAX_BUDGET)
    pain_point: str = Field("", max_length=20_000)
    urgency: str = ""
    lead_message: str = Field("", max_length=20_000)
    attributes: dict[str, str] = Field(default_factory=dict)
    outcome: Feedback.Outcome | None = None

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> "LeadInput":
        """Validate a dict from a form or JSON body; keys that are not lead fields go into attributes."""
        known = {key: value for key, value in data.items() if key in cls.model_fields}
        extra = {str(key): _as_text(value) for key, value in data.items() if key not in cls.model_fields}
        given = known.get("attributes") or {}
        # Attributes that are not an object are the model's to refuse, with the field named.
        if extra and isinstance(given, dict):
            known["attributes"] = {**extra, **given}
        return cls.model_validate(known)

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any, info: ValidationInfo) -> Any:
        # PostgreSQL refuses NUL characters in text, and some exports contain them. The importer strips
        # them from each CSV row already and says so in the context, saving this scan a million times.
        if not isinstance(data, dict) or (info.context and info.context.get(TEXT_IS_CLEAN)):
            return data
        values = data.values()
        # The common case (a CSV row: strings, no NULs) is checked in C-speed passes and left alone.
        if None in values or "\x00" in "".join([value for value in values if value.__class__ is str]):
            for key, value in data.items():
                if value is None and key not in ("budget_amount", "source", "outcome"):
                    data[key] = ""
                elif isinstance(value, str) and "\x00" in value:
                    data[key] = value.replace("\x00", "")
        return data

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return email_address(value) if value else value

    @field_validator("company_size")
    @classmethod
    def _company_size(cls, value: str) -> str:
        return "" if value.lower() in PLACEHOLDERS else str(size_band(value))

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if value.lower() in PLACEHOLDERS:
            return ""
        code = _country_code(value)
        if code is None:
            raise ValueError("is not a country we recognise; use a name or an ISO code such as DE or US")
        return code

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        if value.lower() in PLACEHOLDERS:
            return ""
        if value not in zone_names():
            raise ValueError("is not a time zone; use an IANA name such as Asia/Tokyo or Europe/Berlin")
        return value

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: Any) -> str | None:
        return None if value is None else source_value(str(value))

    @field_validator("urgency")
    @classmethod
    def _urgency(cls, value: str) -> str:
        text = value.lower()
        if text in PLACEHOLDERS:
            return ""
        if text in URGENCY_SYNONYMS:
            return str(URGENCY_SYNONYMS[text])
        raise ValueError("is not an urgency; use low, medium or high")

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        # A host name has at most 253 characters; the lead's Company is keyed on it.
        if value and not 0 < len(_website_domain(value)) <= _DOMAIN_LENGTH:
            raise ValueError("is not a website address such as acme.com or https://acme.com")
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, dict) and not (info.context and info.context.get(TEXT_IS_CLEAN)):
            return {str(key).replace("\x00", ""): _as_text(item).replace("\x00", "") for key, item in value.items()}
        return value

    @model_validator(mode="after")
    def _derive(self) -> "LeadInput":
        # Written to __dict__: the values are already normalised, and BaseModel.__setattr__ is slow at bulk.
        values = self.__dict__
        if self.full_name and not (self.first_name or self.last_name):
            first, last = split_full_name(self.full_name)
            values["first_name"], values["last_name"] = first[:_FIRST_NAME_LENGTH], last[:_LAST_NAME_LENGTH]
        if self.budget_amount is None and self.budget_range:
            values["budget_amount"] = budget_amount(self.budget_range)
        if not (self.email or self.external_id or self.first_name or self.last_name or self.company_name):
            raise ValueError("a lead needs at least an email, an id, a name or a company name")
        return self

    def lead_fields(self) -> dict[str, Any]:
        """The values to store on `Lead`, without the input-only keys."""
        # Read straight from the validated attributes: model_dump() shows in the import's per-row cost.
        fields = dict(self.__dict__)
        del fields["full_name"], fields["source"], fields["outcome"]
        return fields


@dataclass(frozen=True)
class FieldError:
    """One problem with one value: which field, what was given, what is wrong."""

    field: str
    value: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value, "message": self.message}

    def sentence(self) -> str:
        """"'acme' is not a valid email address ..." — the value given, then what is wrong with it.

        The form and the API word their field errors the same way.
        """
        text = f"'{self.value}' {self.message}" if self.value else self.message
        return text[:1].upper() + text[1:]


class IntakeError(ValueError):
    """A lead could not be taken in; `errors` says which fields and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in errors))


def field_errors(error: ValidationError, data: dict[str, Any]) -> list[FieldError]:
    """Pydantic's errors as FieldErrors naming the field and the value that was given."""
    found = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else "lead"
        raw = data.get(field, "") if field != "lead" else ""
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_too_long":
            message = f"is longer than {item['ctx']['max_length']} characters"
        elif item["type"] == "extra_forbidden":
            message = "is not a lead field"
        found.append(FieldError(field=field, value="" if raw is None else str(raw)[:200], message=message))
    return found


def parse_lead(data: dict[str, Any]) -> LeadInput:
    """Validate one lead's data; IntakeError lists every field that is wrong."""
    try:
        return LeadInput.model_validate(data)
    except ValidationError as error:
        raise IntakeError(field_errors(error, data)) from None
