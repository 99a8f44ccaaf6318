"""Run-time settings: environment defaults that a manager may override from the Settings page.

Code that honours a setting a manager can change reads it with `runtime.get("SEND_PER_DAY")`
instead of `settings.SEND_PER_DAY`. Overrides live in the database and are cached in the shared
cache, so every web and worker process sees a change within a request.
"""

import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from leadops.models import RuntimeSetting, SettingChange

_CACHE_KEY = "leadops:runtime-settings"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if str(value).strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be on or off")


def _positive_int(value: Any) -> int:
    number = int(str(value).strip())
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _choice(*options: str):  # type: ignore[no-untyped-def]
    def check(value: Any) -> str:
        text = str(value).strip()
        if text not in options:
            raise ValueError(f"must be one of: {', '.join(options)}")
        return text

    check.options = options  # type: ignore[attr-defined]  # the Settings page offers these in a select
    return check


def _text(max_length: int):  # type: ignore[no-untyped-def]
    def check(value: Any) -> str:
        text = str(value).strip()
        if not text:
            raise ValueError("must not be empty")
        if len(text) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return text

    return check


def _optional_text(max_length: int):  # type: ignore[no-untyped-def]
    def check(value: Any) -> str:
        text = str(value).strip()
        if len(text) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return text

    return check


def _weekdays(value: Any) -> list[str]:
    days = [day.strip().lower()[:3] for day in (value if isinstance(value, list) else str(value).split(","))
            if day.strip()]
    unknown = [day for day in days if day not in _WEEKDAYS]
    if unknown or not days:
        raise ValueError(f"must be weekdays like mon,tue,wed (got {', '.join(unknown) or 'none'})")
    return [day for day in _WEEKDAYS if day in days]


def _hours(value: Any) -> str:
    text = str(value).strip()
    try:
        start, end = (part.strip() for part in text.split("-"))
        start_h, start_m = (int(part) for part in start.split(":"))
        end_h, end_m = (int(part) for part in end.split(":"))
    except ValueError:
        raise ValueError("must look like 08:00-18:00") from None
    if not (0 <= start_h < 24 and 0 <= end_h <= 24 and 0 <= start_m < 60 and 0 <= end_m < 60):
        raise ValueError("hours must be within 00:00-24:00")
    if (start_h, start_m) >= (end_h, end_m):
        raise ValueError("the window must end after it starts")
    return f"{start_h:02d}:{start_m:02d}-{end_h:02d}:{end_m:02d}"


def _timezone(value: Any) -> str:
    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{text}' is not a time zone name like Europe/Berlin") from None
    return text


def _terms(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).replace("\n", ",").split(",")
    return [item.strip() for item in items if item.strip()]


# Setting name -> (label for people, parser that returns the clean value or raises ValueError).
EDITABLE: dict[str, tuple[str, Any]] = {
    "WEB_ENRICHMENT": ("Fetch company websites during enrichment", _bool),
    "LLM_PROVIDER": ("LLM provider", _choice("none", "openai", "azure_openai")),
    "LLM_MODEL": ("LLM model", _text(100)),
    "EMAIL_MODE": ("Email mode", _choice("mock", "smtp")),
    "SEND_PER_MINUTE": ("Sends per minute (mailbox)", _positive_int),
    "SEND_PER_DAY": ("Sends per day (mailbox)", _positive_int),
    "SEND_PER_CONTACT_PER_WEEK": ("Emails per contact per week", _positive_int),
    "SEND_PER_DOMAIN_PER_DAY": ("Emails per recipient domain per day", _positive_int),
    "SEND_WINDOW_DAYS": ("Send on these weekdays", _weekdays),
    "SEND_WINDOW_HOURS": ("Send between (local time)", _hours),
    "SEND_TIMEZONE": ("Send window time zone", _timezone),
    "SEND_IN_RECIPIENT_TIMEZONE": ("Send window in the recipient's time zone", _bool),
    "SEND_SKIP_HOLIDAYS": ("Skip the recipient country's public holidays", _bool),
    "SENDER_POSTAL_ADDRESS": ("Postal address in the footer", _text(300)),
    # Empty until a manager sets it; SMTP mode sends nothing while it is (outreach.compliance).
    "SENDER_COMPANY_NAME": ("Company name in the footer", _optional_text(200)),
    "AUTO_APPROVE_FOLLOW_UPS": ("Auto-approve follow-ups for non-enterprise leads", _bool),
    "PROHIBITED_TERMS": ("Prohibited terms in emails", _terms),
}


# Each process keeps the overrides for a moment: the pipeline asks for several settings per lead,
# and a shared-cache round trip for each would cost more than scoring the lead.
_MEMO_SECONDS = 2.0
_CACHE_SECONDS = 10
_memo: tuple[float, dict[str, Any]] | None = None


def forget() -> None:
    """Drop this process's copy (after a change here; tests call it between tests)."""
    global _memo
    _memo = None


def _overrides() -> dict[str, Any]:
    global _memo
    if _memo is not None and time.monotonic() - _memo[0] < _MEMO_SECONDS:
        return _memo[1]
    values = cache.get(_CACHE_KEY)
    if values is None:
        values = dict(RuntimeSetting.objects.values_list("key", "value"))
        # Short-lived: a process that read the table just before a change committed may store the old values
        # after the change's delete; they must not outlive the next outbox tick (the send window, the quotas).
        cache.set(_CACHE_KEY, values, timeout=_CACHE_SECONDS)
    _memo = (time.monotonic(), values)
    return values


def get(name: str) -> Any:
    """The value in force: a manager's override if there is one, else the environment's."""
    if name not in EDITABLE:
        raise KeyError(f"{name} is not a run-time setting")
    overrides = _overrides()
    return overrides[name] if name in overrides else getattr(settings, name)


def current() -> dict[str, Any]:
    return {name: get(name) for name in EDITABLE}


def clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Parse submitted values; raises ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in EDITABLE:
            errors[name] = "is not a setting that can be changed here"
            continue
        label, parse = EDITABLE[name]
        try:
            cleaned[name] = parse(raw)
        except (ValueError, TypeError) as error:
            errors[name] = f"{label}: {error}"
    if errors:
        raise ValidationError(errors)
    return cleaned


def update(changes: dict[str, Any], user: Any = None) -> list[str]:
    """Validate and save changed settings; every change is logged. Returns the names that changed."""
    cleaned = clean(changes)
    changed: list[str] = []
    forget()
    with transaction.atomic():
        for name, value in cleaned.items():
            old = get(name)
            if old == value:
                continue
            RuntimeSetting.objects.update_or_create(key=name, defaults={"value": value, "updated_by": user})
            SettingChange.objects.create(key=name, old_value=old, new_value=value, changed_by=user)
            changed.append(name)
        transaction.on_commit(lambda: cache.delete(_CACHE_KEY))
    cache.delete(_CACHE_KEY)
    forget()
    return changed
