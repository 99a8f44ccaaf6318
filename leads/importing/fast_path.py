"""LeadInput's rules applied to a plain CSV row without pydantic's generic machinery, for speed at bulk.

What it speeds up: the CSV import (bench/import_bench.py, the README's import figure). At a million rows,
pydantic's per-field work (type checks, stripping, length checks, calling our validators) was the
importer's largest Python cost. A CSV row holds only strings, so this module reads
LeadInput's own fields, lengths and validators once and applies them to a row directly. A row it is not
sure of (a validator rejects a value, a value is too long, an unexpected type) is left to
`LeadInput.model_validate`, so which rows are accepted, what they become, and the error messages of
rejected rows are exactly those of the full model.

Most columns repeat a few values over a file (countries, sizes, titles, companies), so each column's
check remembers its recent answers: a repeated cell costs a dictionary lookup.

It reads pydantic internals (`__pydantic_decorators__`, field metadata, and the attributes
`model_construct` sets), so importing it checks that the installed pydantic is one of the versions
it was written and tested against (PYDANTIC_VERSIONS, matching pyproject's pin); leads.tests.
test_bulk_write checks that its verdicts equal the model's.
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pydantic
from annotated_types import MaxLen
from django.core.exceptions import ImproperlyConfigured

from leads.lead_input import LeadInput
from leads.models import Feedback

# The (major, minor) range of pydantic this module was tested against, both ends included.
PYDANTIC_VERSIONS = ((2, 7), (2, 14))


def check_pydantic_version(version: str) -> None:
    """ImproperlyConfigured unless `version` is in PYDANTIC_VERSIONS."""
    installed = tuple(int(part) for part in version.split(".")[:2])
    low, high = PYDANTIC_VERSIONS
    if not low <= installed <= high:
        raise ImproperlyConfigured(
            f"leads.importing.fast_path reads pydantic internals and was tested with pydantic "
            f"{low[0]}.{low[1]} to {high[0]}.{high[1]}, but {version} is installed. Install a version in that "
            f"range (pyproject.toml pins it), or check the fast path against the new version (its tests are in "
            f"leads/tests/test_bulk_write.py) and widen PYDANTIC_VERSIONS and the pin together."
        )


check_pydantic_version(pydantic.VERSION)

# What pydantic's str_strip_whitespace removes: Unicode White_Space. Python's bare str.strip() also
# removes the separators \x1c-\x1f, which pydantic keeps.
WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
               + "\u2028\u2029\u202f\u205f\u3000")


class NeedsFullCheck(Exception):
    """The row needs LeadInput.model_validate for the verdict (and the error message)."""


def _text_check(max_length: int | None, validator: Callable[[str], Any] | None) -> Callable[[Any], Any]:
    """A string field: stripped, length-checked, then LeadInput's own validator, as pydantic orders them."""

    def check(value: Any) -> Any:
        if value.__class__ is not str:
            raise NeedsFullCheck
        stripped = value.strip()
        if len(stripped) != len(value):  # rare: strip again, the way pydantic does
            stripped = value.strip(WHITE_SPACE)
        value = stripped
        if max_length is not None and len(value) > max_length:
            raise NeedsFullCheck
        if validator is None:
            return value
        try:
            return validator(value)
        except ValueError:
            raise NeedsFullCheck from None

    return check


# Per column; a check is a pure function of the cell, and the bound keeps memory flat in file size.
REMEMBERED_VALUES = 1024
# Unique per row: remembering them would only cost.
UNIQUE_FIELDS = frozenset({"email", "external_id", "phone", "pain_point", "lead_message"})


def _source_check(value: Any) -> Any:
    # A "before" validator: it sees the value as given and returns a Lead.Source (already stripped) or None.
    if value.__class__ is not str:
        raise NeedsFullCheck
    return LeadInput._source(value)


def _attributes_check(value: Any) -> dict[str, str]:
    if value.__class__ is not dict:
        raise NeedsFullCheck
    attributes = {}
    for key, item in value.items():
        if key.__class__ is not str or item.__class__ is not str:
            raise NeedsFullCheck
        attributes[key.strip(WHITE_SPACE)] = item.strip(WHITE_SPACE)
    return attributes


def _outcome_check(value: Any) -> Any:
    if value is None or value.__class__ is Feedback.Outcome:
        return value
    raise NeedsFullCheck


def _checks() -> dict[str, Callable[[Any], Any]]:
    """One check per LeadInput field a row may set, built from the model's own declarations."""
    after_validators = {
        field: decorator.func
        for decorator in LeadInput.__pydantic_decorators__.field_validators.values()
        if decorator.info.mode == "after"
        for field in decorator.info.fields
    }
    checks: dict[str, Callable[[Any], Any]] = {
        "source": _source_check, "attributes": _attributes_check, "outcome": _outcome_check,
    }
    for name, info in LeadInput.model_fields.items():
        if info.annotation is not str:
            continue  # the fields above; budget_amount (never a CSV column) goes through the full model
        lengths = [item.max_length for item in info.metadata if isinstance(item, MaxLen)]
        check = _text_check(lengths[0] if lengths else None, after_validators.get(name))
        checks[name] = check if name in UNIQUE_FIELDS else lru_cache(maxsize=REMEMBERED_VALUES)(check)
    checks["source"] = lru_cache(maxsize=REMEMBERED_VALUES)(_source_check)
    return checks


_CHECKS = _checks()
_DEFAULTS = {name: info.get_default(call_default_factory=False) for name, info in LeadInput.model_fields.items()}


def lead_input(data: dict[str, Any]) -> LeadInput | None:
    """The LeadInput that `LeadInput.model_validate(data)` gives, or None when the full model must decide.

    `data` must be clean text (no NUL characters, no None), as TEXT_IS_CLEAN promises the model.
    """
    values = dict(_DEFAULTS)
    values["attributes"] = {}
    try:
        for name, value in data.items():
            values[name] = _CHECKS[name](value)
    except (KeyError, TypeError, NeedsFullCheck):  # TypeError: a value lru_cache cannot hash
        return None
    # Built the way LeadInput.model_construct builds one, without its per-field Python loop.
    checked = LeadInput.__new__(LeadInput)
    object.__setattr__(checked, "__dict__", values)
    object.__setattr__(checked, "__pydantic_fields_set__", set(data))
    object.__setattr__(checked, "__pydantic_extra__", None)
    object.__setattr__(checked, "__pydantic_private__", None)
    try:
        checked._derive()  # the model's own "after" step: names from a full name, budget, identity rule
    except ValueError:
        return None
    return checked
