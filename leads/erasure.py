"""Erasure: a person's personal data taken out of everything LeadOps keeps, on request or after retention.

What data-protection law calls erasure (GDPR art. 17, CCPA deletion), not a row deleted: the lead stays,
holding only what identifies no one (status, score, source, industry, size band, country, dates), so the
funnel, the reports and learning keep their counts. Removed everywhere:

- the lead's personal fields and free text (names, address, phone, website, company, title, message, pain
  point, budget as given, imported columns, enrichment, score reasons), and its link to a company (the
  company's memory no longer counts it; a company that only this person brought in is deleted);
- the timeline: every entry stays, with its type, time and actor, but its payload keeps only codes
  (`scrubbed`); one ERASED entry says who erased and when;
- outcome notes, the admin's change history, import error files (their rows about the person) and the
  uploaded files of finished imports that hold the address;
- what the apps above know (drafts and sent emails, traces, the assistant's conversations, proposed actions and
  notifications, the do-not-contact list, where the address stays only as a hash so the person is never
  contacted again): they answer `leads.signals.person_erased`.

`erase` runs in one transaction: all of it happens or none of it. `erase_stale_leads` is the retention job
(LEAD_RETENTION_MONTHS, run by Celery beat): leads no person or email touched for that many months.
"""

import calendar
import csv
import io
import logging
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from leads.models import ActivityLog, Company, Feedback, ImportJob, Lead, Task
from leads.signals import announce_leads_changed, person_erased

logger = logging.getLogger(__name__)

# What an erased value reads as wherever a text had to stay (the timeline, a draft's subject).
ERASED = "[erased]"
# Lead fields that say who the person is or what they wrote: emptied.
PERSONAL_TEXT_FIELDS = (
    "first_name", "last_name", "email", "external_id", "phone", "website", "company_name", "job_title",
    "budget_range", "pain_point", "lead_message", "score_rationale", "decision_reason", "approval_reason",
    "disqualification_reason",
    "qualified_fingerprint",
)
# JSON fields that hold the person's data (imported columns, what enrichment read from the address and
# site, score factors naming the title and the domain): emptied.
PERSONAL_JSON_FIELDS = {"attributes": dict, "enrichment": dict, "score_factors": list}
# Payload keys whose text values are codes the app wrote (a status, a variant, an id), kept by `scrubbed`.
# Every other text in a payload may quote the person (a note, a reason, an old value, an address).
CODE_KEYS = frozenset({
    "event", "variant", "state", "from", "to", "approval", "outcome", "classification", "label", "action",
    "generated_by", "type", "run_id", "draft", "draft_id", "cancelled_drafts", "lead_id", "import_job", "job",
    "version", "sequence", "status", "node", "started_at", "erased_at", "mode",
})
# A code is short; a longer text under one of those keys is not a code.
CODE_MAX_LENGTH = 64
RETENTION_BATCH = 500


def scrubbed(value: Any, key: str = "") -> Any:
    """A JSON value without personal data: structure, numbers, booleans and codes kept, other text erased.

    Dict keys are field and column names the app wrote, kept so the timeline still says what changed.
    """
    if isinstance(value, dict):
        return {name: scrubbed(item, str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, key) for item in value]
    if isinstance(value, str):
        if not value or (key in CODE_KEYS and len(value) <= CODE_MAX_LENGTH and "@" not in value):
            return value
        return ERASED
    return value


def erase(
    lead: Lead, *, actor: Any = None, actor_label: str = "system", reason: str = "on request", import_files: bool = True
) -> Lead:
    """Erase the person behind `lead` (see the module docstring); returns the erased row. Safe to call twice.

    `actor` is the user who erased (a manager); without one, `actor_label` names what did (a command, the
    retention job). `import_files=False` leaves the import files to the caller's `clear_import_files`.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.erased_at is not None:
            return lead
        now = timezone.now()
        # The apps above first: they find the person's drafts and do-not-contact rows by the address.
        person_erased.send(sender=Lead, lead=lead, email=lead.email.strip().lower(), actor=user, reason=reason)
        if import_files:
            clear_import_files(_identifiers(lead), {lead.email.strip().lower()} - {""})
        previous_status = _clear_lead(lead, now)
        entries = list(ActivityLog.objects.filter(lead=lead).only("pk", "payload"))
        for entry in entries:
            entry.payload = scrubbed(entry.payload)
        # Append-only otherwise (ActivityLog.save refuses; bulk_update is an UPDATE): an erasure is the one
        # change the law demands.
        ActivityLog.objects.bulk_update(entries, ["payload"], batch_size=500)
        Feedback.objects.filter(lead=lead).exclude(notes="").update(notes="")
        # A task's title and notes name the person ("Call Dana Reyes on ..."); the task itself stays, done or not.
        Task.objects.filter(lead=lead).update(title=ERASED, notes="")
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Lead), object_id=str(lead.pk)).update(
            object_repr=ERASED, change_message=""
        )
        if previous_status != lead.status:
            ActivityLog.record(lead, ActivityLog.Type.STATUS_CHANGED, actor=user, actor_label=actor_label,
                               payload={"from": previous_status, "to": lead.status, "reason": "personal data erased"})
        ActivityLog.record(lead, ActivityLog.Type.ERASED, actor=user, actor_label=actor_label, payload={
            "erased_by": user.get_username() if user else actor_label, "erased_at": now.isoformat(), "reason": reason,
        })
        announce_leads_changed()
    logger.info("Erased the personal data of lead %s (%s)", lead.pk, reason)
    return lead


def _clear_lead(lead: Lead, now: datetime) -> str:
    """Empty the personal fields, leave the company's memory, and close a lead nobody may contact any more.

    Returns the status the lead had.
    """
    for name in PERSONAL_TEXT_FIELDS:
        setattr(lead, name, "")
    for name, empty in PERSONAL_JSON_FIELDS.items():
        setattr(lead, name, empty())
    company_id, lead.company = lead.company_id, None
    lead.erased_at = now
    previous = lead.status
    if lead.status not in Lead.FINISHED_STATUSES:
        # An open lead would be scored again and routed on empty fields: it is closed instead.
        lead.status, lead.recommended_action = Lead.Status.DISQUALIFIED, Lead.Action.DISQUALIFY
        lead.decision_reason = "Personal data erased"
    lead.needs_approval = False
    lead.save()
    if company_id is not None and not Lead.objects.filter(company_id=company_id).exists():
        # Its name, site and domain came from this person's own details.
        Company.objects.filter(pk=company_id).delete()
    return previous


def _identifiers(lead: Lead) -> set[str]:
    return {value.strip().lower() for value in (lead.email, lead.external_id, lead.phone) if value.strip()}


def _mentions(cells: list[str], identifiers: set[str], emails: set[str]) -> bool:
    """A cell is one of the identifiers, or holds one of the addresses (a cell "Dana <dana@x.com>")."""
    for cell in cells:
        text = cell.strip().lower()
        if text in identifiers or ("@" in text and any(email in text for email in emails)):
            return True
    return False


def clear_import_files(identifiers: set[str], emails: set[str]) -> None:
    """Take these people out of import files: their rows in error files and in the first errors an import page
    shows, and the uploads of finished imports that hold an address (nothing reads those once done).

    Works on many people at once, reading each file once: the retention job erases in batches.
    """
    if not identifiers:
        return
    for job in ImportJob.objects.exclude(error_file="").select_for_update():
        try:
            with job.error_file.open("rb") as stored:
                text = stored.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            continue
        rows = list(csv.reader(io.StringIO(text, newline="")))
        kept = [row for row in rows[1:] if not _mentions(row, identifiers, emails)]
        if len(kept) == len(rows) - 1:
            continue
        output = io.StringIO(newline="")
        csv.writer(output).writerows([*rows[:1], *kept])
        name = job.error_file.name.rsplit("/", 1)[-1]
        job.error_file.delete(save=False)
        job.error_file.save(name, ContentFile(output.getvalue().encode("utf-8")), save=False)
        job.errors = [entry for entry in job.errors
                      if not _mentions([str(entry.get("value", ""))], identifiers, emails)]
        job.save(update_fields=["error_file", "errors", "updated_at"])
    if emails:
        finished = ImportJob.objects.filter(status__in=(ImportJob.Status.DONE, ImportJob.Status.FAILED))
        for job in finished.exclude(file="").select_for_update():
            try:
                found = _file_holds(job.file, {email.encode(job.encoding or "utf-8", errors="replace")
                                               for email in emails} | {email.encode() for email in emails})
            except FileNotFoundError:
                continue
            if found:
                job.file.delete(save=False)
                job.save(update_fields=["file", "updated_at"])


# Addresses as bytes in a lower-cased file; one pass finds them all, however many people are erased at once.
ADDRESS_BYTES = re.compile(rb"[a-z0-9._%+\-]+@[a-z0-9.\-]+")


def _file_holds(stored: Any, needles: set[bytes]) -> bool:
    """Whether the file holds any of these lower-case addresses, in any case, read a megabyte at a time."""
    plain = {needle for needle in needles if needle.isascii()}
    others = needles - plain  # addresses with non-ASCII letters: looked for one by one
    tail = b""
    with stored.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            window = tail + chunk.lower()
            if plain.intersection(ADDRESS_BYTES.findall(window)) or any(needle in window for needle in others):
                return True
            tail = window[-320:]  # longer than any address, so one cut in two is found whole
    return False


# --- Retention ---------------------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def stale_leads(months: int, now: datetime | None = None) -> Any:
    """Leads not erased yet that nobody touched for `months` months: created before then, and no timeline entry
    since then other than the pipeline's own re-scoring (a new scoring version touches every open lead)."""
    cutoff = months_before(now or timezone.now(), months)
    touched = ActivityLog.objects.filter(lead=OuterRef("pk"), created_at__gte=cutoff).exclude(actor_label="pipeline")
    return Lead.objects.filter(Q(erased_at__isnull=True), created_at__lt=cutoff).exclude(Exists(touched))


def erase_stale_leads(now: datetime | None = None) -> int:
    """The retention job: erase the leads untouched for LEAD_RETENTION_MONTHS (off at 0). Returns how many."""
    months = settings.LEAD_RETENTION_MONTHS
    if not months:
        return 0
    erased = 0
    while True:
        batch = list(stale_leads(months, now).order_by("created_at", "pk")[:RETENTION_BATCH])
        identifiers = set().union(*(_identifiers(lead) for lead in batch))
        emails = {lead.email.strip().lower() for lead in batch if lead.email.strip()}
        for lead in batch:
            erase(lead, actor_label="retention", reason=f"retention: untouched for {months} months", import_files=False)
        with transaction.atomic():
            clear_import_files(identifiers, emails)
        erased += len(batch)
        if len(batch) < RETENTION_BATCH:
            return erased
