"""A form renderer for the lead forms: Django's, remembering the HTML of widgets it has drawn.

What it speeds up: the lead page (bench/ui_bench.py, "lead detail"), whose "Edit details" form draws
about twenty widgets on every view; drawn through the template engine they were a third of the page's
rendering time. Only the lead forms use it (`console.forms.LeadForm.default_renderer`); every other
form, the admin's included, draws with Django's own renderer.

A widget's HTML is a pure function of its template and its context (name, value, attrs, options).
Most of what it draws repeats (the selects differ only in the chosen option, empty fields look alike,
a lead's own fields
come back on every view of its page), so the last few thousand are kept per process.

Only contexts made of plain values (str, int, float, bool, None in dicts, lists and tuples) are
remembered, keyed with each value's type ("1", 1, 1.0 and True draw differently) and the active
language; anything else (a lazy label, a date, an error list) is drawn every time, as is everything
under DEBUG, where templates may be edited while the server runs.
"""

import logging
from functools import lru_cache
from typing import Any

import django
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils import translation

logger = logging.getLogger(__name__)

# The Django releases whose widget contexts (plain values) and renderer API this was checked against.
CHECKED_DJANGO = ((5, 2),)

# Widget drawings kept per process: a few hundred bytes each.
REMEMBERED = 4096
_PLAIN = (str, int, float, bool, type(None))


class _Unfreezable(Exception):
    pass


def _freeze(value: Any) -> Any:
    """A hashable copy that is equal only for values that draw the same way."""
    kind = type(value)
    if kind is str:
        return value
    if kind in _PLAIN:
        return (kind, value)
    if kind is dict:
        return (dict, tuple((key, _freeze(item)) for key, item in value.items()))
    if kind is list or kind is tuple:
        return (kind, tuple(_freeze(item) for item in value))
    raise _Unfreezable


class _Drawing:
    """What lru_cache keys on: the frozen context; it also carries the context itself, to draw on a miss."""

    __slots__ = ("context", "key")

    def __init__(self, key: Any, context: dict[str, Any]) -> None:
        self.key = key
        self.context = context

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Drawing) and self.key == other.key


class RememberingTemplates(DjangoTemplates):
    """django.forms.renderers.DjangoTemplates that draws each distinct widget once per process."""

    def __init__(self) -> None:
        super().__init__()
        self._draw = lru_cache(maxsize=REMEMBERED)(self._render_drawing)

    def _render_drawing(self, template_name: str, drawing: _Drawing) -> str:
        return super().render(template_name, drawing.context)

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if request is not None or settings.DEBUG:
            return super().render(template_name, context, request)
        try:
            key = (translation.get_language(), _freeze(context))
        except _Unfreezable:
            return super().render(template_name, context)
        return self._draw(template_name, _Drawing(key, context))


def lead_form_renderer() -> DjangoTemplates:
    """The renderer the lead forms draw with: this one on a checked Django release, Django's own otherwise."""
    if django.VERSION[:2] in CHECKED_DJANGO:
        return RememberingTemplates()
    logger.warning("Django %s is not one console/widget_cache.py was checked against %s: lead forms draw "
                   "every widget afresh.", django.get_version(), CHECKED_DJANGO)
    return DjangoTemplates()
