"""The suppression list, quota standing, the review queue and CSV import jobs."""

import uuid
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from api.v1.core import ERRORS, TooManyRequests, plain
from api.v1.drafts import draft_out
from api.v1.leads import SUMMARY_FIELDS, lead_or_404, worker
from api.v1.schemas import ImportJobOut, Looked, MailboxQuotaOut, QuotaOut, ReviewQueue, SuppressionIn, SuppressionOut
from leadops.roles import is_manager
from leads.importing import jobs as import_jobs
from leads.importing.sniff import RefusedFile
from leads.models import ApiToken, ImportJob, Lead
from leads.tasks import run_import
from outreach import gates, quotas, suppression
from outreach.models import EmailDraft, Mailbox, Suppression

router = Router(tags=["lists"])
REVIEW_LIMIT = 50
# What a review-queue item reads: the draft's fields `draft_out` shows and its lead's summary.
DRAFT_VALUES = ("id", "lead_id", "variant", "state", "subject", "body", "generated_by", "needs_approval",
                "approval_reason", "rejection_reason", "created_at", "approved_at", "sent_at")
LEAD_VALUES = (*SUMMARY_FIELDS, "approved_at")


class _QueueDraft(SimpleNamespace):
    """A queue draft read as plain values: building 50 drafts and their leads as model instances with deferred
    fields cost more than the rest of the answer (bench/api_bench.py, the review queue). Whether it is gated
    and why are EmailDraft's own properties, which read only the values here."""

    gated = property(EmailDraft.gated.fget)
    gate_reason = property(EmailDraft.gate_reason.fget)


def _queue_drafts(drafts: Any) -> list[_QueueDraft]:
    split = len(DRAFT_VALUES)
    rows = drafts.values_list(*DRAFT_VALUES, *(f"lead__{name}" for name in LEAD_VALUES))
    return [_QueueDraft(pk=row[0], lead=SimpleNamespace(**dict(zip(LEAD_VALUES, row[split:], strict=True))),
                        **dict(zip(DRAFT_VALUES, row[:split], strict=True))) for row in rows]


@router.post("/suppressions", response={200: SuppressionOut, 201: SuppressionOut, **ERRORS},
             summary="Put an address or a domain on the do-not-contact list")
def add_suppression(request: HttpRequest, payload: SuppressionIn) -> Any:
    user = worker(request, ApiToken.Scope.MANAGE)
    if bool(payload.email.strip()) == bool(payload.domain.strip()):
        raise ValidationError({"email": "Give either an email address or a domain."})
    if payload.email and "@" not in payload.email:
        raise ValidationError({"email": f"'{payload.email}' is not an email address."})
    if payload.reason not in Suppression.Reason.values:
        raise ValidationError({"reason": f"Not one of {', '.join(Suppression.Reason.values)}."})
    row, created = suppression.suppress(email=payload.email, domain=payload.domain, reason=payload.reason,
                                        source="api", actor=user, notes=payload.notes)
    return Status(201 if created else 200, row)


@router.get("/suppressions/{address}", response={200: Looked, **ERRORS},
            summary="Is this address (or domain) on the list?")
def look_up_suppression(request: HttpRequest, address: str) -> Any:
    worker(request, ApiToken.Scope.READ)
    address = address.strip().lower()
    row = (suppression.suppression_for(address) if "@" in address
           else Suppression.objects.filter(domain=address.lstrip("@"), email="").first())
    return {"suppressed": row is not None, "entry": row}


@router.delete("/suppressions/{address}", response={204: None, **ERRORS}, summary="Take off the list (managers)")
def remove_suppression(request: HttpRequest, address: str) -> Any:
    user = worker(request, ApiToken.Scope.MANAGE)
    if not is_manager(user):
        raise PermissionDenied("Only a manager may take an address off the do-not-contact list.")
    address = address.strip().lower()
    listed = suppression.lift(email=address, actor=user) if "@" in address else suppression.lift(domain=address,
                                                                                                   actor=user)
    if not listed:
        return Status(404, {"code": "not_found", "errors": {"address": [f"'{address}' is not on the list."]}})
    return Status(204, None)


@router.get("/leads/{lead_id}/quota", response={200: QuotaOut, **ERRORS}, summary="The contact's quota standing")
def contact_quota(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    worker(request, ApiToken.Scope.READ)
    lead = lead_or_404(lead_id)
    standing = quotas.contact_standing(lead.email, lead.pk, timezone.now())
    return {"sent": standing.sent, "limit": standing.limit, "period": standing.period,
            "may_send_now": standing.may_send_now, "next_send_at": standing.next_send_at, "reason": standing.reason}


def _mailbox_quota(mailbox: Mailbox) -> dict[str, Any]:
    standing = quotas.mailbox_standing(mailbox)
    return {**standing, "id": mailbox.pk, "address": mailbox.email,
            "owner": mailbox.owner.get_username() if mailbox.owner else None,
            "may_send_now": standing["next_send_at"] is None}


@router.get("/mailboxes", response={200: list[MailboxQuotaOut], **ERRORS},
            summary="Every active mailbox with its quota standing")
def mailbox_quotas(request: HttpRequest) -> Any:
    worker(request, ApiToken.Scope.READ)
    return [_mailbox_quota(mailbox) for mailbox in Mailbox.objects.filter(is_active=True).select_related("owner")]


@router.get("/mailboxes/{mailbox_id}/quota", response={200: MailboxQuotaOut, **ERRORS},
            summary="A mailbox's quota standing: sent in the last hour and day against its caps")
def mailbox_quota(request: HttpRequest, mailbox_id: int) -> Any:
    worker(request, ApiToken.Scope.READ)
    return _mailbox_quota(get_object_or_404(Mailbox.objects.select_related("owner"), pk=mailbox_id))


@router.get("/review-queue", response={200: ReviewQueue, **ERRORS}, summary="What waits for a person")
def review_queue(request: HttpRequest) -> Any:
    user = worker(request, ApiToken.Scope.READ)
    # The page's cached head and count (outreach.gates.queue_head), not a sort of every waiting draft.
    head = gates.queue_head(user)
    drafts = _queue_drafts(gates.queue_drafts(user, head)[:REVIEW_LIMIT])
    return plain(ReviewQueue).model_validate({"waiting": head["waiting"], "items": [
        {"draft": draft_out(draft, user), "lead": {name: getattr(draft.lead, name) for name in SUMMARY_FIELDS},
         "gate_reasons": gates.reasons(draft.gate_reason)} for draft in drafts]})


def _job_out(job: ImportJob) -> dict[str, Any]:
    return {"id": job.pk, "status": job.status, "file_name": job.original_name, "rows": job.rows,
            "progress_percent": job.progress_percent, "created": job.created, "updated": job.updated,
            "unchanged": job.unchanged, "duplicates_in_file": job.duplicates_in_file, "invalid": job.invalid,
            "message": job.message, "error_rows": [row for row in job.errors or [] if isinstance(row, dict)]}


@router.post("/imports", response={202: ImportJobOut, **ERRORS}, summary="Import a CSV file as a job")
def start_import(request: HttpRequest, file: File[UploadedFile],
                 source: Form[str] = Lead.Source.IMPORT, on_duplicate: Form[str] = ImportJob.OnDuplicate.SKIP) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    if is_ratelimited(request, group="api:v1:imports", key=lambda group, request: str(user.pk),
                      rate=settings.UPLOAD_RATE_LIMIT, increment=True):
        raise TooManyRequests()
    if source not in Lead.Source.values:
        raise ValidationError({"source": f"Not one of {', '.join(Lead.Source.values)}."})
    if on_duplicate not in ImportJob.OnDuplicate.values:
        raise ValidationError({"on_duplicate": f"Not one of {', '.join(ImportJob.OnDuplicate.values)}."})
    try:
        job, _ = import_jobs.create_job(file, source=source, on_duplicate=on_duplicate, user=user)
        # The columns recognised by their names are the mapping (the upload page's preview lets a person change it).
        import_jobs.set_mapping(job, job.column_mapping)
    except RefusedFile as refusal:
        raise ValidationError({"file": str(refusal)}) from None
    run_import.delay_on_commit(str(job.pk))
    return Status(202, _job_out(job))


@router.get("/imports/{job_id}", response={200: ImportJobOut, **ERRORS}, summary="An import's progress and errors")
def import_job(request: HttpRequest, job_id: uuid.UUID) -> Any:
    user = worker(request, ApiToken.Scope.READ)
    return _job_out(get_object_or_404(import_jobs.visible_jobs(user), pk=job_id))
