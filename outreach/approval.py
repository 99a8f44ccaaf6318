"""The approval gate: what a rep or manager can do with a draft before it is sent.

Operations the review queue calls (each logs an ActivityLog entry with the actor):

What a rep may do with a draft or lead only a manager may approve is `outreach.gates`' table;
each operation here refuses (PermissionDenied) what it refuses.

- `approve(draft, user, *, subject=None, body=None, send=True) -> LintResult`
  Edit-then-approve in one step. Runs the compliance lint and the suppression check first;
  blocking problems raise ValidationError with one message per problem. A gated draft
  (`EmailDraft.gated`) can only be approved by a manager.
  Approving an already approved / sent draft is a no-op (a double click), never a second send.
  `user=None` is the system (auto-approval of follow-ups). Queues the outbox task
  (`sending.send_draft`) after commit when `send` is true.
- `save_edit(draft, user, subject, body) -> LintResult`: edit without approving; both are required.
- `reject(draft, user, reason)`: draft or approved (not yet claimed) -> rejected.
- `needs_info(draft, user, questions) -> EmailDraft`: cancels the draft, drafts a clarifying
  question instead (gated if the draft was) and moves the lead to NEEDS_INFO.
- `disqualify(lead, user, reason) -> Disqualification`: cancels unsent drafts, stops the sequence,
  status DISQUALIFIED. A rep's disqualification of a gated lead waits for a manager instead, as does
  one qualification recommends (scoring.pipeline.save): `waiting_disqualifications()` lists them,
  `confirm_disqualification(lead, manager)` carries one out, `keep_lead(lead, manager)` declines it.
- `bulk_approve(drafts, user) -> BulkResult`: approves what it may; says which it skipped and why.
- `send_now(draft, manager)`: an approved email held by the send window goes now; quotas, suppression and
  the compliance lint still apply when the outbox sends it.
- `auto_approve_follow_ups(drafts)`: the system approves freshly drafted follow-up steps when
  AUTO_APPROVE_FOLLOW_UPS is on and the lead is not enterprise; the others wait for a person.

Each change a list or count shows (approved, rejected, needs info, disqualified, waiting) is announced once
with `leads.signals.announce_leads_changed`, after it commits; an edit alone changes no count.
"""

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leadops import runtime
from leadops.roles import has_role, is_manager
from leads.enterprise import enterprise_reason
from leads.models import ActivityLog, Lead
from leads.outcomes import set_status
from leads.signals import announce_leads_changed
from outreach import drafting, edits, gates
from outreach.compliance import SUBJECT_MAX, LintResult, lint_draft
from outreach.models import EmailDraft
from outreach.sending import send_draft, transition
from outreach.signals import announce, draft_approved
from outreach.stopping import stop
from outreach.suppression import suppression_for

logger = logging.getLogger(__name__)
State = EmailDraft.State
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


def _refuse_unless_allowed(draft: EmailDraft, user: Any, act: gates.Act, verb: str) -> None:
    """PermissionDenied when gates' table keeps `user` (None: the system) from `act` on this draft."""
    if draft.state not in (State.DRAFT, State.APPROVED):
        return  # the state machine's own refusal names the state
    allowed = act in gates.allowed_acts(draft, user) if user is not None else not draft.gated
    if not allowed:
        raise PermissionDenied(
            f"Only a manager can {verb} this draft ({draft.gate_reason or 'flagged by the pipeline'})."
        )


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
        _refuse_unless_allowed(current, user, gates.Act.APPROVE, "approve")
        edited = _apply_edit(current, subject, body)
        problems = _blocking_problems(current)
        lint = lint_draft(current)
        if problems or lint.blocking:
            raise ValidationError(problems + lint.blocking)
        now = timezone.now()
        current.state, current.approved_by, current.approved_at = State.APPROVED, user, now
        current.lint = lint.as_dict()
        current.words_changed = edits.draft_words_changed(current.original_subject, current.original_body,
                                                          current.subject, current.body)
        current.save(update_fields=["state", "subject", "body", "generated_by", "approved_by", "approved_at", "lint",
                                    "words_changed", "updated_at"])
        ActivityLog.record(
            current.lead, ActivityLog.Type.EMAIL_APPROVED, actor=user, actor_label="auto-approval",
            payload={"draft": str(current.pk), "variant": current.variant, "edited": edited,
                     "warnings": lint.warnings},
        )
        announce(draft_approved, draft_id=current.pk, lead_id=current.lead_id)
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


def save_edit(draft: EmailDraft, user: Any, subject: str | None, body: str | None) -> LintResult:
    """Save a person's subject and body; a missing or blank one is refused, naming it, and nothing changes."""
    _check_actor(user)
    missing = {name: f"The {name} is missing: nothing was saved." for name, text in (("subject", subject),
                                                                                    ("body", body))
               if text is None or not text.strip()}
    if missing:
        raise ValidationError(missing)
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
        _refuse_unless_allowed(_locked(draft), user, gates.Act.REJECT, "reject")
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
        if draft.gated and not question.gated:
            # Asking instead of emailing is a rep's to choose; the question still waits for the manager.
            question.needs_approval, question.approval_reason = True, draft.gate_reason
            question.save(update_fields=["needs_approval", "approval_reason", "updated_at"])
        set_status(lead, Lead.Status.NEEDS_INFO, user, "needs info: " + questions[:200])
        ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED, actor=user,
                           payload={"draft": str(question.pk), "variant": question.variant,
                                    "replaces": str(draft.pk), "questions": questions})
        announce_leads_changed()
    draft.refresh_from_db()
    return question


class Disqualification(enum.StrEnum):
    DONE = "done"
    WAITING = "waiting"  # for a manager's confirmation


def disqualify(lead: Lead, user: Any, reason: str) -> Disqualification:
    """Disqualify the lead, or, for a rep on a gated lead, ask a manager to (`Disqualification.WAITING`)."""
    reason = _required_text(user, reason, "reason", "Say why the lead is disqualified.")
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if user is not None and gates.disqualification_waits(lead, user):
            lead.disqualification_reason = reason[:300]
            lead.disqualification_requested_by, lead.disqualification_requested_at = user, timezone.now()
            lead.save(update_fields=[*_WAITING_FIELDS, "updated_at"])
            ActivityLog.record(lead, ActivityLog.Type.STATUS_CHANGED, actor=user,
                               payload={"disqualification": "asked a manager", "reason": reason})
            announce_leads_changed()
            return Disqualification.WAITING
        _disqualify(lead, user, reason)
    return Disqualification.DONE


_WAITING_FIELDS = ["disqualification_reason", "disqualification_requested_by", "disqualification_requested_at"]


def _disqualify(lead: Lead, user: Any, reason: str) -> None:
    """Close the locked lead: outreach stops, and a disqualification waiting for a manager is settled."""
    stop(lead, f"disqualified: {reason}", actor=user, cancel="all")
    set_status(lead, Lead.Status.DISQUALIFIED, user, reason)
    if lead.disqualification_reason or lead.needs_approval:
        _settle(lead)
        if lead.needs_approval:
            # Decided, not cleared for emailing: a reason left (an enterprise gate) holds if the lead is re-opened.
            lead.approval_reason = gates.without_disqualification(lead.approval_reason)
            lead.needs_approval = bool(lead.approval_reason)
        lead.save(update_fields=[*_WAITING_FIELDS, "needs_approval", "approval_reason", "updated_at"])
    announce_leads_changed()


def _settle(lead: Lead) -> None:
    lead.disqualification_reason, lead.disqualification_requested_by, lead.disqualification_requested_at = (
        "", None, None)


def waiting_disqualifications() -> QuerySet[Lead]:
    """Leads whose disqualification waits for a manager, oldest first (lead_disq_waiting_idx)."""
    return Lead.objects.exclude(disqualification_reason="").order_by("disqualification_requested_at", "pk")


def _waiting(lead: Lead, user: Any) -> Lead:
    """The lead, locked, when a manager decides on its waiting disqualification."""
    if user is None or not is_manager(user):
        raise PermissionDenied("Only a manager can decide on a disqualification.")
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if not locked.disqualification_reason:
        raise ValidationError("No disqualification waits for this lead any more.")
    return locked


def confirm_disqualification(lead: Lead, user: Any) -> None:
    """A manager carries out the disqualification that waits, with the reason it was asked for."""
    with transaction.atomic():
        locked = _waiting(lead, user)
        asked_by = locked.disqualification_requested_by
        reason = locked.disqualification_reason
        label = f"asked by {asked_by.get_username()}" if asked_by else "recommended by qualification"
        _disqualify(locked, user, f"{reason} ({label}, confirmed)")
    lead.refresh_from_db()


def keep_lead(lead: Lead, user: Any) -> None:
    """A manager declines the disqualification that waits; the lead stays open.

    The disqualification to confirm leaves the lead's gate. When it was the gate's only reason the gate
    is cleared by this manager, and stays cleared when a later run recommends the same; any other
    reason (an enterprise lead) still holds the lead's emails for a manager.
    """
    with transaction.atomic():
        locked = _waiting(lead, user)
        reason = locked.disqualification_reason
        _settle(locked)
        fields = [*_WAITING_FIELDS, "updated_at"]
        left = gates.without_disqualification(locked.approval_reason)
        if locked.needs_approval and left != locked.approval_reason:
            if left:
                locked.approval_reason = left
            else:
                locked.needs_approval, locked.approved_by, locked.approved_at = False, user, timezone.now()
            fields += ["needs_approval", "approval_reason", "approved_by", "approved_at"]
        locked.save(update_fields=fields)
        ActivityLog.record(locked, ActivityLog.Type.STATUS_CHANGED, actor=user,
                           payload={"disqualification": "declined", "reason": reason})
        if locked.status == Lead.Status.NEW:
            set_status(locked, Lead.Status.QUALIFIED, user, f"kept by a manager: not disqualified ({reason})")
        announce_leads_changed()
    lead.refresh_from_db()


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
    """An enterprise lead by the pipeline's own gates (leads.enterprise), or one a gate holds."""
    return lead.needs_approval or bool(enterprise_reason(
        lead.company_size, lead.budget_amount,
        min_size=settings.ENTERPRISE_MIN_COMPANY_SIZE, min_budget=settings.ENTERPRISE_MIN_BUDGET,
    ))


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


def send_now(draft: EmailDraft, user: Any) -> None:
    """A manager sends an approved email now instead of at the send window's next opening."""
    if not is_manager(user):
        raise PermissionDenied("Only a manager can send an email outside the send window.")
    with transaction.atomic():
        waived = EmailDraft.objects.filter(pk=draft.pk, state=State.APPROVED).update(
            window_waived_by=user, send_after=None, deferred_reason="", updated_at=timezone.now())
        if not waived:
            raise ValidationError("This email is no longer waiting to be sent.")
        ActivityLog.record(draft.lead, ActivityLog.Type.NOTE, actor=user,
                           payload={"draft": str(draft.pk), "note": "Sent now, outside the send window"})
        send_draft.delay_on_commit(str(draft.pk))
