"""Is every figure in a text backed by the data it was written from? One check for every LLM text that gives
numbers: the briefing's summary (outreach.briefing) and the assistant's answers (assistant.engine).

A figure is a run of digits, with thousands separators and decimals ("1,204", "12.5"). It is backed when the
same number appears in the data (any value, or digits inside a string such as a date), or when it is a number
of the data rounded to fewer decimals (a rate of 33.3 may be said as 33).
"""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

FIGURE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?(?![\w])")


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def numbers_in(data: Any) -> set[Decimal]:
    """Every number a piece of JSON-like data holds, in values and inside strings."""
    found: set[Decimal] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float | Decimal):
            found.add(Decimal(str(value)))
        elif isinstance(value, str):
            found.update(number for match in FIGURE.findall(value) if (number := _number(match)) is not None)
        elif isinstance(value, dict):
            stack.extend(value.values())
            stack.extend(key for key in value if isinstance(key, str))
        elif isinstance(value, list | tuple | set):
            stack.extend(value)
    return found


def _backed(figure: Decimal, given: set[Decimal]) -> bool:
    exponent = figure.as_tuple().exponent
    places = max(-exponent, 0) if isinstance(exponent, int) else 0
    return figure in given or any(round(number, places) == figure for number in given)


def unsupported_figures(text: str, sources: Iterable[Any]) -> list[str]:
    """The figures of `text` (as written) that none of `sources` backs, in order, each once."""
    given: set[Decimal] = set()
    for source in sources:
        given |= numbers_in(source)
    unsupported = []
    for match in FIGURE.findall(text):
        number = _number(match)
        if number is not None and not _backed(number, given) and match not in unsupported:
            unsupported.append(match)
    return unsupported
