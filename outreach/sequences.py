"""Sequences: choose one for a lead, enroll it, draft each step when due, time the next one from the last send.

A follow-up sequence starts when a lead's first touch is sent (`enroll(..., first_touch=draft)`): its first
step is that first touch. Which sequence: the first `SequenceRule` (in order) that matches the lead's source,
label and owner, else the default (`choose`). A lead is in one sequence at a time and never enrolled in the
same sequence twice; the nurture sequence (`outreach.nurture`) enrolls a lead with nothing sent yet.

Each step waits its working days (`SequenceStep.wait_business_days`, on the recipient's working days:
`quotas.Window.after_working_days`) after the previous step went out: the beat claims a step with a
provisional time for the next one, and the outbox re-times the next one from the real send (`step_sent`).
A step with two or more templates is an A/B test: each lead is given one at random, reproducibly
(`experiments.assign_variant`), and its draft records which (`EmailDraft.template_key`).

The beat task claims an enrollment's next step with a conditional UPDATE on `last_step_position`, so two
overlapping beat runs (or two beat processes) draft each step once. A drafted step waits for approval like
any draft; the beat task then hands the new drafts to `approval.auto_approve_follow_ups`.

A sequence ends early (`outreach.stopping`) on a reply, a booked meeting, an unsubscribe, a bounce, a
disqualification or a closed deal. An earlier step that is still waiting for approval holds the next one
back rather than letting two follow-ups pile up.

A task step (`outreach.task_steps`) gives the lead's rep a task and pauses the sequence until it is done.

One enrollment that cannot be drafted (a step whose template is gone, a lead whose data breaks a template)
never stops the others: its claim is rolled back, so it is drafted once the step is fixed, and the problem
goes on its lead's timeline once, as an ERROR naming the step.
"""

import logging
from datetime import datetime

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from leadops import llm
from leads.models import ActivityLog, Lead
from outreach import drafting, experiments, llm_drafting, task_steps, template_store
from outreach.compliance import lint_draft
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceRule, SequenceStep
from outreach.quotas import Window
from outreach.stopping import stop
from outreach.suppression import suppression_for

logger = logging.getLogger(__name__)


def _step_after(sequence: Sequence, position: int) -> SequenceStep | None:
    return sequence.steps.filter(position__gt=position).order_by("position").first()


def rule_matches(rule: SequenceRule, lead: Lead) -> bool:
    """Every field the rule sets matches the lead (a blank field matches any lead)."""
    return ((not rule.source or rule.source == lead.source)
            and (not rule.score_label or rule.score_label == lead.score_label)
            and (not rule.owner_id or rule.owner_id == lead.owner_id))


def choose(lead: Lead) -> Sequence | None:
    """The follow-up sequence for this lead: the first matching rule's, else the default."""
    rules = SequenceRule.objects.filter(
        sequence__is_active=True, sequence__purpose=Sequence.Purpose.FOLLOW_UP,
    ).select_related("sequence").order_by("position", "pk")
    for rule in rules:
        if rule_matches(rule, lead):
            return rule.sequence
    return Sequence.objects.filter(is_default=True, is_active=True, purpose=Sequence.Purpose.FOLLOW_UP).first()


def enroll(lead: Lead, started_at: datetime, *, sequence: Sequence | None = None, first_touch: EmailDraft | None = None,
           reason: str = "") -> Enrollment | None:
    """Start a sequence for a lead: `sequence`, or the one `choose` picks. None when the lead is in a sequence
    already, was in this one before, or there is none to start.

    `first_touch`: the lead's first email has just gone out and is the sequence's first step; otherwise the
    first step is due at once (after its own wait).
    """
    sequence = sequence or choose(lead)
    if sequence is None or Enrollment.objects.filter(lead=lead, status__in=Enrollment.OPEN_STATUSES).exists():
        return None
    if Enrollment.objects.filter(lead=lead, sequence=sequence).exists():
        return None  # never enrolled in the same sequence twice
    first = sequence.steps.order_by("position").first()
    done = first.position if first is not None and first_touch is not None else 0
    enrollment = Enrollment(lead=lead, sequence=sequence, started_at=started_at, last_step_position=done)
    following = _step_after(sequence, done)
    enrollment.next_due_at = (Window.for_lead(lead).after_working_days(started_at, following.wait_business_days)
                              if following else None)
    if following is None:
        enrollment.status = Enrollment.Status.FINISHED
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        return None  # a concurrent send enrolled it first
    if first_touch is not None and first is not None:
        # The first touch counts as the first step in the step's figures (sends, replies per variant).
        EmailDraft.objects.filter(pk=first_touch.pk).update(enrollment=enrollment, sequence_step=first)
    ActivityLog.record(lead, ActivityLog.Type.SEQUENCE,
                       payload={"event": "enrolled", "sequence": sequence.name, "reason": reason,
                                "next_due_at": enrollment.next_due_at.isoformat() if enrollment.next_due_at else None})
    return enrollment


def step_sent(draft: EmailDraft, sent_at: datetime) -> None:
    """The outbox sent a step's email: the next step is due its working days after this send."""
    step = draft.sequence_step
    if step is None:
        return
    following = _step_after(step.sequence, step.position)
    if following is None:
        return
    due = Window.for_lead(draft.lead).after_working_days(sent_at, following.wait_business_days)
    Enrollment.objects.filter(pk=draft.enrollment_id, status=Enrollment.Status.ACTIVE,
                              last_step_position=step.position).update(next_due_at=due, updated_at=timezone.now())


def draft_due_steps(now: datetime | None = None, limit: int = 500) -> list[EmailDraft]:
    """Beat: draft every step that is due; returns the drafts made."""
    now = now or timezone.now()
    due = (
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, next_due_at__lte=now)
        .select_related("lead", "sequence").order_by("next_due_at")[:limit]
    )
    drafts = []
    for enrollment in due:
        try:
            draft = _draft_step(enrollment, now)
        except (OperationalError, InterfaceError):
            raise  # the database is away: no enrollment can be drafted, and the task retries
        except Exception as error:  # one enrollment's failure must not hold back the ones after it
            _record_failure(enrollment, error)
            continue
        if draft is not None:
            drafts.append(draft)
    return drafts


def _record_failure(enrollment: Enrollment, error: Exception) -> None:
    """Log the failure, and put it on the lead's timeline once per step (the beat tries again every run)."""
    step = _step_after(enrollment.sequence, enrollment.last_step_position)
    where = (f"step {step.position} ({step.label}) of “{enrollment.sequence}”" if step
             else f"the next step of “{enrollment.sequence}”")
    logger.exception("Could not draft %s for lead %s", where, enrollment.lead_id)
    payload = {"event": "follow_up_failed", "sequence": enrollment.sequence.name,
               "step": step.position if step else None}
    if not ActivityLog.objects.filter(lead_id=enrollment.lead_id, type=ActivityLog.Type.ERROR,
                                      **{f"payload__{key}": value for key, value in payload.items()}).exists():
        ActivityLog.record(enrollment.lead, ActivityLog.Type.ERROR,
                           payload={**payload, "error": f"Could not draft {where}: {error}"[:500]})


def _draft_step(enrollment: Enrollment, now: datetime) -> EmailDraft | None:
    lead = enrollment.lead
    if lead.status in Lead.FINISHED_STATUSES:
        stop(lead, f"lead is {lead.get_status_display().lower()}")
        return None
    blocked = suppression_for(lead.email)
    if blocked:
        stop(lead, f"{blocked} is suppressed", cancel="all")
        return None
    if enrollment.drafts.filter(state__in=(EmailDraft.State.DRAFT, EmailDraft.State.APPROVED)).exists():
        return None  # the previous step has not gone out yet
    step = _step_after(enrollment.sequence, enrollment.last_step_position)
    following = _step_after(enrollment.sequence, step.position) if step else None
    is_task = step is not None and step.kind == SequenceStep.Kind.TASK
    with transaction.atomic():
        claimed = Enrollment.objects.filter(
            pk=enrollment.pk, status=Enrollment.Status.ACTIVE, last_step_position=enrollment.last_step_position
        ).update(
            last_step_position=step.position if step else enrollment.last_step_position,
            # Provisional: the send re-times it (`step_sent`); a step that is never sent still lets the next come.
            # After a task the next step is timed when the task is done (`task_steps.resume_after`).
            next_due_at=Window.for_lead(lead).after_working_days(now, following.wait_business_days)
            if following and not is_task else None,
            status=Enrollment.Status.ACTIVE if following else Enrollment.Status.FINISHED,
            updated_at=now,
        )
        if not claimed or step is None:
            return None
        if is_task:
            task_steps.open_task(enrollment, step, has_next=following is not None, now=now)
            return None
        return _create_step_draft(enrollment, step)


def render_step(lead: Lead, step: SequenceStep) -> drafting.RenderedEmail:
    """The step's email for this lead from its templates: in an A/B test exactly the variant the lead is
    assigned; with one template, the store's closest match to the lead (source, industry) of that template's
    purpose, so an outbound lead gets the outbound version of it."""
    keys = step.live_template_keys
    if not keys:
        return drafting.render_variant(lead, step.variant)
    if len(keys) > 1:
        return drafting.render_variant(lead, step.variant,
                                       template_key=experiments.assign_variant(lead.pk, step.pk, keys))
    named = template_store.get(keys[0])
    closest = template_store.choose(named.purpose, lead) if named.is_active else named
    return drafting.render_variant(lead, step.variant, template_key=closest.key)


def _create_step_draft(enrollment: Enrollment, step: SequenceStep) -> EmailDraft:
    """The step's draft: the LLM's version of the template in the step's tone and length when the LLM is on and
    its text passes the checks (`outreach.llm_drafting`), else the template's."""
    lead = enrollment.lead
    rendered = render_step(lead, step)
    written = llm_drafting.write(lead, rendered, guidance=step.guidance) if llm.enabled() else None
    draft = drafting.new_draft(lead, step.variant, written.email if written and written.email else rendered,
                               **(written.draft_fields() if written else {}))
    draft.sequence_step, draft.enrollment = step, enrollment
    draft.lint = lint_draft(draft).as_dict()
    draft.save()
    payload = {"draft": str(draft.pk), "variant": step.variant, "sequence": enrollment.sequence.name,
               "step": step.position, "template": rendered.template_key, "generated_by": draft.generated_by}
    if written is not None and written.email is None:
        payload["llm_fallback"] = written.reason
    ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED, payload=payload)
    return draft
