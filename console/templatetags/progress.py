"""How a background job's pace reads on a page: "about 40 s left", "1,240 rows a second"."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds in the largest unit that keeps the number readable; empty when unknown."""
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s" if minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@register.filter
def per_second(rate: float | None, unit: str) -> str:
    """A rate with its unit: "240 leads a second", or "1 step every 3 s" when it is slower than one a second."""
    if not rate:
        return ""
    if rate >= 1:
        return f"{intcomma(round(rate))} {unit} a second"
    return f"1 {unit.rstrip('s')} every {duration(1 / rate)}"
