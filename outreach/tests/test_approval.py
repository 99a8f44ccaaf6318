import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leads.addresses import email_domain
from leads.models import ActivityLog, Lead
from outreach import approval, gates, sequences
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


def test_the_default_sequence_is_the_five_steps_of_the_seed_strategy_with_a_demo_invite_variant(db):
    steps = Sequence.objects.get(is_default=True).steps.values_list("name", "wait_business_days", "template_keys")
    assert list(steps) == [("Introduction", 0, ["first_touch"]),
                           ("Value proposition", 2, ["value_proposition", "demo_invite"]),
                           ("Case study or proof", 3, ["case_study"]), ("Soft reminder", 3, ["soft_reminder"]),
                           ("Break-up", 5, ["breakup"])]


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


# --- what a rep may do on a gated draft (outreach.gates) -----------------------------------------------------
def _gated(draft_factory) -> EmailDraft:
    draft = draft_factory(needs_approval=True, approval_reason="Enterprise lead")
    Lead.objects.filter(pk=draft.lead_id).update(needs_approval=True, approval_reason="Enterprise lead")
    return EmailDraft.objects.select_related("lead").get(pk=draft.pk)


def test_a_rep_may_edit_a_gated_draft_and_ask_for_info_but_only_a_manager_approves_or_rejects_it(
    draft_factory, rep, manager
):
    draft = _gated(draft_factory)
    assert gates.allowed_acts(draft, rep) == {gates.Act.SAVE, gates.Act.NEEDS_INFO, gates.Act.DISQUALIFY}
    assert gates.allowed_acts(draft, manager) == set(gates.Act)

    approval.save_edit(draft, rep, "Prepared for the manager", draft.body)
    with pytest.raises(PermissionDenied, match=r"Only a manager can approve this draft \(Enterprise lead\)"):
        approval.approve(draft, rep)
    with pytest.raises(PermissionDenied, match=r"Only a manager can reject this draft \(Enterprise lead\)"):
        approval.reject(draft, rep, "Not now")
    draft.refresh_from_db()
    assert (draft.state, draft.subject) == (State.DRAFT, "Prepared for the manager")

    question = approval.needs_info(draft, rep, "- How many people would use it?")
    assert question.gated  # asking instead is the rep's call; the question still waits for the manager
    with pytest.raises(PermissionDenied):
        approval.approve(question, rep)
    approval.reject(question, manager, "Asked on the phone instead")
    question.refresh_from_db()
    assert question.state == State.REJECTED


def test_a_question_replacing_a_draft_flagged_for_a_manager_is_flagged_too(draft_factory, rep):
    draft = draft_factory(needs_approval=True, approval_reason="Disqualification to confirm: Student")
    question = approval.needs_info(draft, rep, "- Are you buying for a company?")
    assert (question.needs_approval, question.gated) == (True, True)
    assert question.approval_reason == "Disqualification to confirm: Student"


def test_a_reps_disqualification_of_a_gated_lead_waits_for_a_manager(draft_factory, rep, manager):
    draft = _gated(draft_factory)
    lead = draft.lead

    assert approval.disqualify(lead, rep, "Student project") == approval.Disqualification.WAITING

    lead.refresh_from_db()
    draft.refresh_from_db()
    assert lead.status == Lead.Status.NEW and draft.state == State.DRAFT
    assert (lead.disqualification_reason, lead.disqualification_requested_by) == ("Student project", rep)
    assert list(approval.waiting_disqualifications()) == [lead]
    with pytest.raises(PermissionDenied):
        approval.confirm_disqualification(lead, rep)

    approval.confirm_disqualification(lead, manager)

    draft.refresh_from_db()
    assert lead.status == Lead.Status.DISQUALIFIED and draft.state == State.CANCELLED
    assert lead.disqualification_reason == "" and not approval.waiting_disqualifications().exists()
    changed = lead.activities.filter(type=ActivityLog.Type.STATUS_CHANGED).order_by("created_at", "id").last()
    assert changed.actor == manager and changed.payload["to"] == Lead.Status.DISQUALIFIED
    assert changed.payload["reason"] == f"Student project (asked by {rep.username}, confirmed)"


def test_a_manager_can_keep_a_lead_a_rep_asked_to_disqualify_and_its_gate_stays(draft_factory, rep, manager):
    draft = _gated(draft_factory)
    approval.disqualify(draft.lead, rep, "Looks like a student")

    approval.keep_lead(draft.lead, manager)

    lead = Lead.objects.get(pk=draft.lead_id)
    assert lead.disqualification_reason == "" and lead.status != Lead.Status.DISQUALIFIED
    assert (lead.needs_approval, lead.approval_reason) == (True, "Enterprise lead")  # emailing it is another call
    with pytest.raises(ValidationError, match="No disqualification waits"):
        approval.confirm_disqualification(lead, manager)


def test_a_manager_disqualifies_a_gated_lead_at_once(draft_factory, manager):
    draft = _gated(draft_factory)
    assert approval.disqualify(draft.lead, manager, "Competitor") == approval.Disqualification.DONE
    assert Lead.objects.get(pk=draft.lead_id).status == Lead.Status.DISQUALIFIED


@pytest.mark.parametrize(("subject", "body", "named"), [
    (None, "A body", ["subject"]),
    ("A subject", None, ["body"]),
    ("  ", "\n", ["subject", "body"]),
])
def test_a_save_without_a_subject_or_body_is_refused_naming_it_and_changes_nothing(
    draft_factory, rep, subject, body, named
):
    draft = draft_factory()
    with pytest.raises(ValidationError) as error:
        approval.save_edit(draft, rep, subject, body)
    assert sorted(error.value.message_dict) == sorted(named)
    draft.refresh_from_db()
    assert (draft.subject, draft.generated_by) == ("Acme Industries and lead routing", EmailDraft.GeneratedBy.TEMPLATE)
    assert not draft.lead.activities.filter(type=ActivityLog.Type.EMAIL_DRAFTED).exists()
