"""The integration pages (managers only): API tokens, webhooks with their delivery log, and website form keys.

A token's or an endpoint's secret is shown once, on the page that answers its creation; tokens are
stored hashed (`ApiToken.issue`). Each page is one view and one template; a POST answers with the page.
"""

from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from console.integration_forms import EndpointForm, FormKeyForm, TokenForm
from leadops.http import HtmxHttpRequest
from leadops.roles import manager_required
from leads.models import ApiToken, FormKey
from webhooks import delivery
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver_webhooks

DELIVERY_LOG_LIMIT = 50


def _switched(model: type[Endpoint] | type[FormKey], pk: int) -> Any:
    """Switch an endpoint or a form key off (or on again); its history stays."""
    row = get_object_or_404(model, pk=pk)
    row.is_active = not row.is_active
    row.save(update_fields=["is_active", "updated_at"])
    return row


@manager_required
def api_tokens(request: HtmxHttpRequest) -> Any:
    form = TokenForm(request.POST or None)
    shown_once = ""
    if request.method == "POST" and form.is_valid():
        row, shown_once = ApiToken.issue(form.cleaned_data["name"], owner=form.cleaned_data["owner"],
                                         scopes=form.cleaned_data["scopes"], created_by=request.user)
        messages.success(request, f"Token '{row.name}' created. Copy it now: it is not shown again.")
        form = TokenForm()
    tokens = ApiToken.objects.select_related("owner").order_by("-is_active", "name")
    return render(request, "integrations/api_tokens.html", {"form": form, "tokens": tokens,
                                                            "shown_once": shown_once})


@manager_required
@require_POST
def revoke_token(request: HtmxHttpRequest, token_id: int) -> Any:
    token = get_object_or_404(ApiToken, pk=token_id)
    token.revoke()
    messages.success(request, f"Token '{token.name}' revoked: programs using it now get 401.")
    return redirect("integrations:api_tokens")


@manager_required
def webhooks(request: HtmxHttpRequest) -> Any:
    form = EndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = Endpoint.objects.create(url=form.cleaned_data["url"], events=form.cleaned_data["events"],
                                          created_by=request.user)
        form = EndpointForm()
    endpoints = Endpoint.objects.order_by("-is_active", "url")
    log = Delivery.objects.select_related("endpoint").order_by("-created_at")[:DELIVERY_LOG_LIMIT]
    return render(request, "integrations/webhooks.html", {"form": form, "endpoints": endpoints, "log": log,
                                                          "created": created, "event_labels": dict(
                                                              Endpoint.Event.choices)})


@manager_required
@require_POST
def switch_endpoint(request: HtmxHttpRequest, endpoint_id: int) -> Any:
    endpoint = _switched(Endpoint, endpoint_id)
    messages.success(request, f"{endpoint.url} {'hears events again' if endpoint.is_active else 'is paused'}.")
    return redirect("integrations:webhooks")


@manager_required
@require_POST
def send_again(request: HtmxHttpRequest, delivery_id: int) -> Any:
    row = get_object_or_404(Delivery, pk=delivery_id)
    delivery.send_again(row)
    deliver_webhooks.delay_on_commit([row.pk])
    messages.success(request, f"The {row.event} event is sent again (same event id).")
    return redirect(reverse("integrations:webhooks") + "#delivery-log")


@manager_required
def form_keys(request: HtmxHttpRequest) -> Any:
    form = FormKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = form.save(request.user)
        messages.success(request, f"Form key '{key.name}' created; paste its snippet into the site.")
        form = FormKeyForm()
    keys = FormKey.objects.order_by("-is_active", "name")
    endpoint = request.build_absolute_uri("/api/forms/")
    return render(request, "integrations/form_keys.html", {"form": form, "keys": keys, "endpoint": endpoint})


@manager_required
@require_POST
def switch_form_key(request: HtmxHttpRequest, key_id: int) -> Any:
    key = _switched(FormKey, key_id)
    messages.success(request, f"Form '{key.name}' {'accepts posts again' if key.is_active else 'is switched off'}.")
    return redirect("integrations:form_keys")
