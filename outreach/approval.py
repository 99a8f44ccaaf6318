"""The approval gate: what a rep or manager can do with a draft before it is sent.

Operations the review queue calls (each logs an ActivityLog entry with the actor):

- `approve(draft, user, *, subject=None, body=None, send=True) -> LintResult`
  Edit-then-approve in one step. Runs the compliance lint and the suppression check first;
  blocking problems raise ValidationError with one message per problem. A draft flagged
  `needs_approval` (while its lead's gate is not cleared) can only be approved by a manager.
  Approving an already approved / sent draft is a no-op (a double click), never a second send.
  `user=None` is the system (auto-approval of follow-ups). Queues the outbox task
  (`sending.send_draft`) after commit when `send` is true.
- `save_edit(draft, user, subject, body) -> LintResult`: edit without approving.
- `reject(draft, user, reason)`: draft or approved (not yet claimed) -> rejected.
- `needs_info(draft, user, questions) -> EmailDraft`: cancels the draft, drafts a clarifying
  question instead and moves the lead to NEEDS_INFO.
- `disqualify(lead, user, reason)`: cancels unsent drafts, stops the sequence, status DISQUALIFIED.
- `bulk_approve(drafts, user) -> BulkResult`: approves what it may; says which it skipped and why.
- `auto_approve_follow_ups(drafts)`: the system approves freshly drafted follow-up steps when
  AUTO_APPROVE_FOLLOW_UPS is on and the lead is not enterprise; the others wait for a person.

Each change a list or count shows (approved, rejected, needs info, disqualified) is announced once
with `leads.signals.announce_leads_changed`, after it commits; an edit alone changes no count.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from leadops import runtime
from leadops.roles import has_role, is_manager
from leads.models import ActivityLog, Lead
from leads.outcomes import set_status
from leads.signals import announce_leads_changed
from outreach import drafting
from outreach.compliance import SUBJECT_MAX, LintResult, lint_draft
from outreach.models import EmailDraft
from outreach.sending import send_draft, transition
from outreach.stopping import stop
from outreach.suppression import suppression_for

logger = logging.getLogger(__name__)
State = EmailDraft.State
_ENTERPRISE_SIZES = (Lead.SizeBand.ENTERPRISE, Lead.SizeBand.HUGE)
_DONE_OR_GOING = (State.APPROVED, State.SENDING, State.SENT)
SUBJECT_MAX_STORED = EmailDraft._meta.get_field("subject").max_length


@dataclass
class BulkResult:
    approved: list[EmailDraft] = field(default_factory=list)
    skipped: list[tuple[EmailDraft, str]] = field(default_factory=list)


def _check_actor(user: Any) -> None:
    if user is not None and not has_role(user):
        raise PermissionDenied("Only reps and managers can work drafts.")


def _required_text(user: Any, text: str, field: str, message: str) -> str:
    """Check who acts and that they said why (a reason, the questions); returns the text, trimmed."""
    _check_actor(user)
    if not text.strip():
        raise ValidationError({field: message})
    return text.strip()


def _locked(draft: EmailDraft) -> EmailDraft:
    """The row as it is now, locked until the transaction ends, so two clicks act one after the other."""
    return EmailDraft.objects.select_for_update().select_related("lead").get(pk=draft.pk)


def _apply_edit(draft: EmailDraft, subject: str | None, body: str | None) -> bool:
    edited = False
    if subject is not None:
        # A subject is one header line: a pasted line break would make the message unbuildable at send time.
        subject = " ".join(subject.split())
        if len(subject) > SUBJECT_MAX_STORED:
            raise ValidationError({"subject": f"Subject is {len(subject)} characters; the limit is {SUBJECT_MAX}."})
    if subject is not None and subject != draft.subject:
        draft.subject, edited = subject, True
    if body is not None and body.strip() != draft.body:
        draft.body, edited = body.strip(), True
    if edited:
        # A person's words: re-qualifying the lead must not replace them with a fresh template draft.
        draft.generated_by = EmailDraft.GeneratedBy.PERSON
    return edited


def approve(
    draft: EmailDraft, user: Any, *, subject: str | None = None, body: str | None = None, send: bool = True
) -> LintResult:
    lint, approved = _approve(draft, user, subject=subject, body=body, send=send)
    if approved:
        announce_leads_changed()
    return lint


def _approve(
    draft: EmailDraft, user: Any, *, subject: str | None = None, body: str | None = None, send: bool = True
) -> tuple[LintResult, bool]:
    """`approve` without the announcement; True with the lint when this call approved the draft."""
    _check_actor(user)
    with transaction.atomic():
        current = _locked(draft)
        if current.state in _DONE_OR_GOING:
            if current.state == State.APPROVED and send:
                # "Send" on an approved draft: another task is harmless, the outbox claims the row once.
                send_draft.delay_on_commit(str(current.pk))
            return (LintResult(**current.lint) if current.lint else LintResult()), False
        if current.state != State.DRAFT:
            raise ValidationError(f"This draft is {current.get_state_display().lower()} and cannot be approved.")
        if current.gated and not (user is not None and is_manager(user)):
            raise PermissionDenied(
                f"Only a manager can approve this draft ({current.approval_reason or 'flagged by the pipeline'})."
            )
        edited = _apply_edit(current, subject, body)
        problems = _blocking_problems(current)
        lint = lint_draft(current)
        if problems or lint.blocking:
            raise ValidationError(problems + lint.blocking)
        now = timezone.now()
        current.state, current.approved_by, current.approved_at = State.APPROVED, user, now
        current.lint = lint.as_dict()
        current.save(update_fields=["state", "subject", "body", "generated_by", "approved_by", "approved_at", "lint",
                                    "updated_at"])
        ActivityLog.record(
            current.lead, ActivityLog.Type.EMAIL_APPROVED, actor=user, actor_label="auto-approval",
            payload={"draft": str(current.pk), "variant": current.variant, "edited": edited,
                     "warnings": lint.warnings},
        )
        if send:
            send_draft.delay_on_commit(str(current.pk))
    draft.refresh_from_db()
    return lint, True


def _blocking_problems(draft: EmailDraft) -> list[str]:
    to_email = draft.recipient
    if "@" not in to_email:
        return ["The lead has no email address."]
    blocked = suppression_for(to_email)
    return [f"{blocked} is on the suppression list; this lead must not be emailed."] if blocked else []


def save_edit(draft: EmailDraft, user: Any, subject: str, body: str) -> LintResult:
    _check_actor(user)
    with transaction.atomic():
        current = _locked(draft)
        if current.state != State.DRAFT:
            raise ValidationError(f"This draft is {current.get_state_display().lower()}; only drafts can be edited.")
        if not _apply_edit(current, subject, body):
            return lint_draft(current)
        lint = lint_draft(current)
        current.lint = lint.as_dict()
        current.save(update_fields=["subject", "body", "generated_by", "lint", "updated_at"])
        ActivityLog.record(current.lead, ActivityLog.Type.EMAIL_DRAFTED, actor=user,
                           payload={"draft": str(current.pk), "event": "edited"})
    draft.refresh_from_db()
    return lint


def reject(draft: EmailDraft, user: Any, reason: str) -> None:
    reason = _required_text(user, reason, "reason", "Say why the draft is rejected.")
    with transaction.atomic():
        if not transition(draft.pk, (State.DRAFT, State.APPROVED), State.REJECTED, rejection_reason=reason[:300]):
            current = EmailDraft.objects.get(pk=draft.pk)
            raise ValidationError(f"This draft is {current.get_state_display().lower()} and cannot be rejected.")
        ActivityLog.record(draft.lead, ActivityLog.Type.EMAIL_REJECTED, actor=user,
                           payload={"draft": str(draft.pk), "reason": reason})
        announce_leads_changed()
    draft.refresh_from_db()


def needs_info(draft: EmailDraft, user: Any, questions: str) -> EmailDraft:
    """Swap the draft for a clarifying question to the lead; the lead waits in NEEDS_INFO."""
    questions = _required_text(user, questions, "questions", "Write the questions the lead should answer.")
    lead = draft.lead
    with transaction.atomic():
        if not transition(draft.pk, (State.DRAFT,), State.CANCELLED,
                          rejection_reason="Replaced by a clarifying question"):
            raise ValidationError("Only a draft that is not yet approved can be turned into a question.")
        rendered = drafting.render_variant(lead, EmailDraft.Variant.CLARIFYING_QUESTION, questions=questions)
        question = drafting.save_draft(lead, EmailDraft.Variant.CLARIFYING_QUESTION, rendered,
                                       generated_by=EmailDraft.GeneratedBy.PERSON)
        if question is None:
            raise ValidationError("The lead has no usable address (missing or suppressed), so no question can be sent.")
        set_status(lead, Lead.Status.NEEDS_INFO, user, "needs info: " + questions[:200])
        ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED, actor=user,
                           payload={"draft": str(question.pk), "variant": question.variant,
                                    "replaces": str(draft.pk), "questions": questions})
        announce_leads_changed()
    draft.refresh_from_db()
    return question


def disqualify(lead: Lead, user: Any, reason: str) -> None:
    reason = _required_text(user, reason, "reason", "Say why the lead is disqualified.")
    with transaction.atomic():
        stop(lead, f"disqualified: {reason}", actor=user, cancel="all")
        set_status(lead, Lead.Status.DISQUALIFIED, user, reason)
        announce_leads_changed()


def bulk_approve(drafts: Iterable[EmailDraft], user: Any) -> BulkResult:
    """Approve each draft on its own; gated, failing or already handled drafts are skipped with why."""
    result = BulkResult()
    manager = user is not None and is_manager(user)
    for draft in drafts:
        if draft.gated and not manager:
            result.skipped.append((draft, "needs a manager's approval"))
            continue
        if draft.state != State.DRAFT:
            result.skipped.append((draft, f"already {draft.get_state_display().lower()}"))
            continue
        try:
            _approve(draft, user)
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            result.skipped.append((draft, "; ".join(messages)))
        else:
            result.approved.append(draft)
    if result.approved:
        announce_leads_changed()
    return result


def is_enterprise(lead: Lead) -> bool:
    return (
        lead.company_size in _ENTERPRISE_SIZES
        or (lead.budget_amount or 0) >= settings.ENTERPRISE_MIN_BUDGET
        or lead.needs_approval
    )


def auto_approve_follow_ups(drafts: Iterable[EmailDraft]) -> int:
    """Approve, as the system, the follow-ups that need no person; returns how many were approved."""
    if not runtime.get("AUTO_APPROVE_FOLLOW_UPS"):
        return 0
    approved = 0
    for draft in drafts:
        if is_enterprise(draft.lead):
            continue
        try:
            _lint, done = _approve(draft, None)
        except (ValidationError, PermissionDenied) as error:
            # Left in the review queue for a person; the lint problems are on the draft.
            logger.info("Follow-up %s not auto-approved: %s", draft.pk, error)
        else:
            approved += done
    if approved:
        announce_leads_changed()
    return approved
