"""The report sections of the scheduled emails (outreach.report_subscriptions): each report's headline figures
for the email's own period, with a link to the page. Registered when the console app starts (console.apps).

Many subscribers get the same period's figures at the same hour, so one computation per report, period and
hour is kept for the hour.
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.urls import reverse

from console.reports.periods import Period
from console.reports.snapshots import REPORTS
from console.reports.tables import Report
from outreach import report_subscriptions

# report section key (outreach.report_subscriptions.SECTIONS) -> report name (snapshots.REPORTS)
SECTION_REPORTS = {"agent_performance": "agent", "sequences": "sequences", "funnel": "funnel",
                   "system_health": "health"}
_PAGES = {"agent": "reports:agent", "sequences": "reports:sequences", "funnel": "reports:funnel",
          "health": "reports:health"}


def _report(name: str, since: datetime, until: datetime) -> Report:
    key = f"console:report-email:{name}:{since:%Y%m%d%H}:{until:%Y%m%d%H}"
    report = cache.get(key)
    if report is None:
        report = REPORTS[name][1](Period(key="email", label="email", since=since, until=until))
        cache.set(key, report, timeout=3600)
    return report


def writer(name: str) -> Callable[[AbstractBaseUser, datetime, datetime], str]:
    def write(user: AbstractBaseUser, since: datetime, until: datetime) -> str:
        report = _report(name, since, until)
        width = max((len(label) for label in report.headline), default=0) + 2
        lines = [f"{label + ':':<{width}}{value:,}" if isinstance(value, int) else f"{label + ':':<{width}}{value}"
                 for label, value in report.headline.items()]
        lines += report.notes
        lines.append(f"The whole report: {settings.SITE_URL}{reverse(_PAGES[name])}")
        return "\n".join(lines)

    return write


def register() -> None:
    for section, name in SECTION_REPORTS.items():
        report_subscriptions.register_writer(section, writer(name))
