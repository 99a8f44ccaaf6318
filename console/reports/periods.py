"""The period picker's choices: a report covers the days up to now."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

# key -> (label, days)
PRESETS: dict[str, tuple[str, int]] = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "365d": ("Last 12 months", 365),
}
DEFAULT = "30d"


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    since: datetime
    until: datetime

    @property
    def days(self) -> int:
        return PRESETS[self.key][1]


def chosen(key: str | None, now: datetime | None = None) -> Period:
    """The preset named `key`, else the default one (an unknown key from an old link is not an error)."""
    key = key if key in PRESETS else DEFAULT
    label, days = PRESETS[key]
    until = now or timezone.now()
    return Period(key=key, label=label, since=until - timedelta(days=days), until=until)


def choices() -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _days) in PRESETS.items()]
