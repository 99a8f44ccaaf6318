import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leads.addresses import email_domain
from leads.models import ActivityLog, Lead
from outreach import approval, sequences
from outreach.models import EmailDraft, Enrollment, Sequence, Suppression

State = EmailDraft.State


def test_approving_logs_the_actor_and_sends_after_commit(draft_factory, rep, django_capture_on_commit_callbacks):
    draft = draft_factory()
    with django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, rep)
    draft.refresh_from_db()
    assert (draft.state, draft.approved_by, draft.sent_in_mock) == (State.SENT, rep, True)
    approved = draft.lead.activities.get(type=ActivityLog.Type.EMAIL_APPROVED)
    assert approved.actor == rep and approved.payload["edited"] is False


def test_edit_then_approve_keeps_the_edit(draft_factory, rep):
    draft = draft_factory()
    approval.approve(draft, rep, subject="A better subject", body=draft.body + " PS: no pressure.", send=False)
    draft.refresh_from_db()
    assert (draft.state, draft.subject) == (State.APPROVED, "A better subject")
    assert draft.body.endswith("PS: no pressure.")
    assert draft.generated_by == EmailDraft.GeneratedBy.PERSON
    assert draft.lead.activities.get(type=ActivityLog.Type.EMAIL_APPROVED).payload["edited"] is True


def test_blocking_lint_problems_stop_approval_and_are_each_named(draft_factory, rep):
    draft = draft_factory()
    with pytest.raises(ValidationError) as error:
        approval.approve(draft, rep, subject="", body="Hi {first_name}")
    assert error.value.messages == [
        "Subject is empty.", "Body is 15 characters; it needs at least 50.",
        "Body has unresolved placeholders: {first_name}.",
    ]
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.subject != ""


def test_a_gated_draft_needs_a_manager(draft_factory, rep, manager):
    draft = draft_factory(needs_approval=True, approval_reason="enterprise account")
    with pytest.raises(PermissionDenied, match="enterprise account"):
        approval.approve(draft, rep)
    approval.approve(draft, manager, send=False)
    draft.refresh_from_db()
    assert (draft.state, draft.approved_by) == (State.APPROVED, manager)


def test_someone_without_a_role_cannot_approve(draft_factory, outsider):
    with pytest.raises(PermissionDenied):
        approval.approve(draft_factory(), outsider)


def test_approving_twice_sends_once(draft_factory, rep, django_capture_on_commit_callbacks):
    draft = draft_factory()
    with django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, rep)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approval.approve(draft, rep)
    assert callbacks == []
    assert draft.lead.activities.filter(type=ActivityLog.Type.EMAIL_SENT).count() == 1
    assert draft.lead.activities.filter(type=ActivityLog.Type.EMAIL_APPROVED).count() == 1


def test_a_suppressed_address_cannot_be_approved(draft_factory, rep):
    draft = draft_factory()
    Suppression.objects.create(domain=email_domain(draft.lead.email), reason=Suppression.Reason.COMPLAINT)
    with pytest.raises(ValidationError, match="on the suppression list"):
        approval.approve(draft, rep)


def test_rejecting_needs_a_reason_and_is_logged(draft_factory, rep):
    draft = draft_factory()
    with pytest.raises(ValidationError):
        approval.reject(draft, rep, "  ")
    approval.reject(draft, rep, "Wrong tone for a CFO")
    assert (draft.state, draft.rejection_reason) == (State.REJECTED, "Wrong tone for a CFO")
    rejected = draft.lead.activities.get(type=ActivityLog.Type.EMAIL_REJECTED)
    assert rejected.actor == rep and rejected.payload["reason"] == "Wrong tone for a CFO"
    with pytest.raises(ValidationError, match="rejected"):
        approval.approve(draft, rep)


def test_saving_an_edit_keeps_the_draft_waiting_and_reports_warnings(draft_factory, rep):
    draft = draft_factory()
    lint = approval.save_edit(draft, rep, "URGENT!!! Read now", draft.body)
    assert draft.state == State.DRAFT and draft.subject == "URGENT!!! Read now"
    assert lint.ok and lint.warnings
    assert draft.lead.activities.get(type=ActivityLog.Type.EMAIL_DRAFTED).payload["event"] == "edited"


def test_disqualifying_cancels_drafts_and_stops_the_sequence(draft_factory, rep):
    draft = draft_factory()
    lead = draft.lead
    sequences.enroll(lead, draft.created_at)
    approval.disqualify(lead, rep, "Student project, no budget")
    draft.refresh_from_db()
    lead.refresh_from_db()
    assert draft.state == State.CANCELLED
    assert lead.status == Lead.Status.DISQUALIFIED
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.status, enrollment.stop_reason) == (
        Enrollment.Status.STOPPED, "disqualified: Student project, no budget")
    assert lead.activities.get(type=ActivityLog.Type.STATUS_CHANGED).actor == rep


def test_bulk_approve_skips_gated_drafts_and_says_why(draft_factory, rep):
    plain, gated = draft_factory(), draft_factory(needs_approval=True)
    broken = draft_factory(body="too short")
    result = approval.bulk_approve([plain, gated, broken], rep)
    assert result.approved == [plain]
    assert result.skipped[0] == (gated, "needs a manager's approval")
    assert result.skipped[1][0] == broken
    assert result.skipped[1][1].startswith("Body is 9 characters; it needs at least 50.")


def test_the_default_sequence_is_first_touch_then_three_follow_ups(db):
    steps = Sequence.objects.get(is_default=True).steps.values_list("variant", "delay_days")
    assert list(steps) == [("first_touch", 0), ("follow_up_1", 3), ("follow_up_2", 7), ("breakup", 14)]


def test_needs_info_turns_the_draft_into_a_clarifying_question(draft_factory, rep):
    draft = draft_factory()
    question = approval.needs_info(draft, rep, "- Roughly how many leads do you get a month?")
    assert draft.state == State.CANCELLED
    assert (question.variant, question.state) == (EmailDraft.Variant.CLARIFYING_QUESTION, State.DRAFT)
    assert "- Roughly how many leads do you get a month?" in question.body
    draft.lead.refresh_from_db()
    assert draft.lead.status == Lead.Status.NEEDS_INFO
    logged = draft.lead.activities.get(type=ActivityLog.Type.EMAIL_DRAFTED)
    assert (logged.actor, logged.payload["replaces"]) == (rep, str(draft.pk))


def test_needs_info_requires_questions(draft_factory, rep):
    with pytest.raises(ValidationError, match="questions"):
        approval.needs_info(draft_factory(), rep, " ")


def test_send_on_a_draft_approved_earlier_sends_it(draft_factory, rep, django_capture_on_commit_callbacks):
    draft = draft_factory()
    approval.approve(draft, rep, send=False)
    with django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, rep)
    draft.refresh_from_db()
    assert draft.state == State.SENT
    assert draft.lead.activities.filter(type=ActivityLog.Type.EMAIL_APPROVED).count() == 1


def test_once_a_manager_clears_the_leads_gate_a_rep_can_approve_its_waiting_draft(
    draft_factory, rep, rep_client, manager_client, django_capture_on_commit_callbacks
):
    draft = draft_factory(needs_approval=True, approval_reason="Enterprise lead")
    draft.lead.needs_approval, draft.lead.approval_reason = True, "Enterprise lead"
    draft.lead.save()
    assert draft.subject not in rep_client.get("/review/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the cleared gate commits
        manager_client.post(f"/leads/{draft.lead.pk}/clear-gate/")  # "reps can now approve this lead's drafts"

    page = rep_client.get("/review/").content.decode()
    assert draft.subject in page and "manager approval" not in page
    approval.approve(draft, rep, send=False)
    draft.refresh_from_db()
    assert (draft.state, draft.approved_by) == (State.APPROVED, rep)


def test_a_line_break_pasted_into_the_subject_is_kept_on_one_line_and_the_email_still_goes_out(
    draft_factory, rep, django_capture_on_commit_callbacks
):
    draft = draft_factory()
    with django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, rep, subject="Quick question\r\nabout lead routing")
    draft.refresh_from_db()
    assert (draft.state, draft.subject) == (State.SENT, "Quick question about lead routing")


def test_saving_a_subject_longer_than_fits_is_refused_with_the_limit(draft_factory, rep):
    draft = draft_factory()
    with pytest.raises(ValidationError, match="Subject is 250 characters; the limit is 100."):
        approval.save_edit(draft, rep, "x" * 250, draft.body)
    draft.refresh_from_db()
    assert draft.subject == "Acme Industries and lead routing"


def test_each_decision_on_a_draft_announces_once_that_leads_changed_and_an_edit_does_not(
    draft_factory, rep, announcements, django_capture_on_commit_callbacks
):
    decisions = [
        lambda: approval.approve(draft_factory(), rep, send=False),
        lambda: approval.reject(draft_factory(), rep, "Wrong tone"),
        lambda: approval.needs_info(draft_factory(), rep, "- How many leads a month?"),
        lambda: approval.disqualify(draft_factory().lead, rep, "Student project"),
    ]
    for decision in decisions:
        with django_capture_on_commit_callbacks(execute=True):
            decision()
    assert len(announcements) == len(decisions)
    draft = draft_factory()
    with django_capture_on_commit_callbacks(execute=True):
        approval.save_edit(draft, rep, "Another subject", draft.body)
    assert len(announcements) == len(decisions)


def test_a_second_click_on_approve_announces_nothing(draft_factory, rep, announcements,
                                                    django_capture_on_commit_callbacks):
    draft = draft_factory()
    with django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, rep, send=False)
        approval.approve(draft, rep, send=False)
    assert len(announcements) == 1


def test_bulk_approve_announces_once_for_the_whole_batch(draft_factory, rep, announcements,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = approval.bulk_approve([draft_factory(), draft_factory(), draft_factory()], rep)
    assert len(result.approved) == 3
    assert len(announcements) == 1
