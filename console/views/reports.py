"""The managers' report pages (one view and one template each), their CSV exports and the report emails page.

The pages read cached snapshots (console.reports.snapshots) and say when they were computed; the period
picker is a plain GET form, so it works without JavaScript, and HTMX swaps only the report's body.
"""

import csv
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from console import charts
from console.forms_reports import TIMEZONE_OPTIONS, SubscriptionForm
from console.reports import health, periods, snapshots
from leadops.http import HtmxHttpRequest
from leadops.roles import manager_required, role_required
from leads.export import neutralise_formula
from outreach import report_subscriptions
from outreach.models import ReportSubscription


def _body(snapshot: snapshots.Snapshot, template: str) -> str:
    """The report's body as HTML, drawn once per snapshot: it depends on nothing but the snapshot (no form, no
    user), and drawing a report's tables was most of a page's time (bench/report_bench.py)."""
    key = f"console:report-html:{snapshot.name}:{snapshot.period.key}:{snapshot.as_of.timestamp()}"
    html = cache.get(key)
    if html is None:
        drawn = [{"title": chart.title, "chart": charts.horizontal_bars(chart.bars, chart.suffix, chart.scale_to)}
                 for chart in snapshot.report.charts]
        html = render_to_string(f"{template}#report-body", {
            "snapshot": snapshot, "report": snapshot.report, "charts": drawn, "name": snapshot.name,
            "max_age_minutes": max(settings.REPORT_MAX_AGE_SECONDS // 60, 1)})
        cache.set(key, html, timeout=settings.REPORT_MAX_AGE_SECONDS * 2)
    return mark_safe(html)  # drawn by our own template, which escaped every value


def _page(request: HtmxHttpRequest, name: str, template: str, **extra: object) -> HttpResponse:
    snapshot = snapshots.read(name, request.GET.get("period"))
    body = _body(snapshot, template)
    if request.htmx:
        return HttpResponse(body)
    return render(request, template, {"snapshot": snapshot, "body": body, "name": name,
                                      "period_choices": periods.choices(), "page_url": request.path, **extra})


@manager_required
@require_GET
def agent_report(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, "agent", "reports/agent.html")


@manager_required
@require_GET
def sequences_report(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, "sequences", "reports/sequences.html")


@manager_required
@require_GET
def funnel_report(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, "funnel", "reports/funnel.html")


@manager_required
@require_GET
def health_report(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, "health", "reports/health.html", live=health.live())


def _csv_lines(snapshot: snapshots.Snapshot) -> Iterator[str]:
    class Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Line())
    yield writer.writerow([snapshots.REPORTS[snapshot.name][0], snapshot.period.label,
                           f"as of {snapshot.as_of:%Y-%m-%d %H:%M %Z}"])
    for table in snapshot.report.tables:
        yield writer.writerow([])
        yield writer.writerow([neutralise_formula(table.title)])
        yield writer.writerow([neutralise_formula(column) for column in table.columns])
        for row in table.rows:
            yield writer.writerow([neutralise_formula(str(cell)) for cell in row])


@manager_required
@require_GET
def report_csv(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """Every table of a report, one after the other, as the page shows them for the chosen period."""
    if name not in snapshots.REPORTS:
        raise Http404("No such report.")
    snapshot = snapshots.read(name, request.GET.get("period"))
    response = StreamingHttpResponse(_csv_lines(snapshot), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="{name}-{snapshot.period.key}-'
                                       f'{snapshot.as_of:%Y%m%d-%H%M}.csv"')
    return response


@role_required
@require_http_methods(["GET", "POST"])
def subscriptions(request: HtmxHttpRequest) -> HttpResponse:
    """The signed-in user's daily and weekly report emails: what they hold and when they come."""
    choices = report_subscriptions.sections_for(request.user)
    current = {row.cadence: row for row in ReportSubscription.objects.filter(user=request.user)}
    forms = {cadence: SubscriptionForm(request.POST if request.POST.get("cadence") == cadence else None,
                                       cadence=cadence, sections=choices, instance=current.get(cadence))
             for cadence in ReportSubscription.Cadence.values}
    if request.method == "POST":
        form = forms.get(request.POST.get("cadence", ""))
        if form is not None and form.is_valid():
            try:
                report_subscriptions.subscribe(request.user, **form.subscription_fields())
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, form.saved_message())
                return redirect("reports:subscriptions")
    return render(request, "reports/subscriptions.html", {
        "forms": forms.values(), "has_address": bool(request.user.email), "timezone_options": TIMEZONE_OPTIONS})
