"""Proactive notices: a HOT lead arrived, a lead replied interested. In the app (the panel's bell), and to a
Slack-compatible incoming webhook when ASSISTANT_SLACK_WEBHOOK_URL is set.

A lead's owner hears of it; a lead nobody owns goes to every rep and manager. One notice per person, lead and
kind (a re-run of the pipeline does not notify twice).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from assistant.models import Notification
from assistant.tasks import post_to_webhook
from leadops.roles import MANAGER, REP
from leads.models import Lead
from outreach import signals as outreach_signals
from scoring.signals import leads_qualified


def _people(lead: Lead) -> list[Any]:
    if lead.owner_id:
        return [lead.owner]
    users = get_user_model().objects.filter(Q(groups__name__in=(REP, MANAGER)) | Q(is_superuser=True),
                                            is_active=True)
    return list(users.distinct())


def notify(lead: Lead, kind: str, text: str) -> int:
    """Store the notice for each person it concerns and post it to the webhook; returns how many were new."""
    rows = [Notification(user=user, lead=lead, kind=kind, text=text[:300]) for user in _people(lead)]
    new = [row for row in rows
           if not Notification.objects.filter(user=row.user, lead=lead, kind=kind).exists()]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    if new and settings.ASSISTANT_SLACK_WEBHOOK_URL:
        link = settings.SITE_URL + reverse("leads:detail", args=[lead.pk])
        post_to_webhook.delay_on_commit(f"{text} <{link}|Open the lead>")
    return len(new)


def on_leads_qualified(sender: Any, lead_ids: list[Any], **kwargs: Any) -> None:
    for lead in Lead.objects.filter(pk__in=lead_ids, score_label=Lead.Label.HOT).select_related("owner"):
        company = f" at {lead.company_name}" if lead.company_name else ""
        notify(lead, Notification.Kind.HOT_LEAD, f"New HOT lead: {lead}{company}")


def on_reply_received(sender: Any, lead_id: Any, classification: str, **kwargs: Any) -> None:
    if classification != "interested":
        return
    lead = Lead.objects.filter(pk=lead_id).select_related("owner").first()
    if lead is not None:
        company = f" ({lead.company_name})" if lead.company_name else ""
        notify(lead, Notification.Kind.INTERESTED_REPLY, f"{lead}{company} replied interested")


def connect() -> None:
    leads_qualified.connect(on_leads_qualified, dispatch_uid="assistant.leads_qualified")
    outreach_signals.reply_received.connect(on_reply_received, dispatch_uid="assistant.reply_received")
