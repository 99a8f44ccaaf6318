"""The Mailboxes page (managers only): each rep's sending identity, SMTP and IMAP accounts and caps, where
each stands against its caps, how its last inbox poll went, and the messages no lead matched.

Secrets are write-only (`outreach.mailbox_form.MailboxForm`): the page never shows one back.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from leadops.http import HtmxHttpRequest
from leadops.roles import manager_required
from outreach.mailbox_form import MailboxForm
from outreach.models import InboundMessage, Mailbox
from outreach.quotas import mailbox_standing

UNMATCHED_SHOWN = 20


@manager_required
def mailboxes_page(request: HtmxHttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    editing = get_object_or_404(Mailbox, pk=mailbox_id) if mailbox_id else None
    form = MailboxForm(request.POST or None, instance=editing)
    if request.method == "POST":
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Saved the mailbox “{saved.name}”.")
            return redirect("outreach:mailboxes")
        if request.htmx:
            return render(request, "outreach/mailboxes.html#mailbox-form", {"form": form, "editing": editing},
                          status=422)
    mailboxes = list(Mailbox.objects.select_related("owner"))
    context = {
        "form": form,
        "editing": editing,
        "rows": [{"mailbox": mailbox, "standing": mailbox_standing(mailbox)} for mailbox in mailboxes],
        "unmatched": InboundMessage.objects.filter(status=InboundMessage.Status.UNMATCHED)
        .select_related("mailbox")[:UNMATCHED_SHOWN],
        "failed": InboundMessage.objects.filter(status=InboundMessage.Status.FAILED)
        .select_related("mailbox")[:UNMATCHED_SHOWN],
    }
    return render(request, "outreach/mailboxes.html", context, status=422 if form.errors else 200)
