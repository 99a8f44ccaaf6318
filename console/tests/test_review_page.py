"""The review queue: drafts waiting for a person, HOT first; inline and bulk approve; manager gates."""

import datetime

import pytest
import time_machine

from conftest import LeadFactory
from console.views.review import QUEUE_LIMIT
from outreach import approval, sending
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db

BODY = "Hi there,\n\nA short note on how your team could follow up on inbound leads faster.\n\nBest"
TUESDAY_MORNING = datetime.datetime(2026, 11, 17, 10, 0, tzinfo=datetime.UTC)


def _draft(label: str, score: int, name: str, **fields) -> EmailDraft:
    lead = LeadFactory(first_name=name, last_name="Lead", score_label=label, score_value=score)
    return EmailDraft.objects.create(lead=lead, subject=f"Hello {name}", body=BODY, to_email=lead.email, **fields)


def test_the_queue_lists_waiting_drafts_hot_first(rep_client):
    _draft("COLD", 20, "Cora")
    _draft("HOT", 75, "Hal")
    _draft("WARM", 50, "Wes")
    _draft("HOT", 90, "Hazel")
    sent = _draft("HOT", 99, "Sent")
    EmailDraft.objects.filter(pk=sent.pk).update(state=EmailDraft.State.SENT)

    html = rep_client.get("/review/").content.decode()

    positions = [html.index(f"Hello {name}") for name in ("Hazel", "Hal", "Wes", "Cora")]
    assert positions == sorted(positions)
    assert "Hello Sent" not in html
    assert "4 drafts waiting" in html
    assert "<kbd>j</kbd>" in html  # keyboard hints are visible


def test_the_queue_needs_login(client, db):
    response = client.get("/review/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_without_a_role_is_refused(outsider_client):
    assert outsider_client.get("/review/").status_code == 403


def test_an_htmx_refresh_gets_only_the_list(rep_client, htmx_headers):
    _draft("HOT", 80, "Hal")
    html = rep_client.get("/review/", HTTP_HX_TARGET="review-list", **htmx_headers).content.decode()
    assert html.lstrip().startswith('<div id="review-list">')
    assert "<html" not in html and "Hello Hal" in html


def test_reps_do_not_see_drafts_gated_for_a_manager_but_managers_do(rep_client, manager_client):
    _draft("HOT", 95, "Enterprise", needs_approval=True, approval_reason="Budget over $50,000")
    _draft("WARM", 55, "Normal")
    rep_page = rep_client.get("/review/").content.decode()
    assert "Hello Enterprise" not in rep_page and "Hello Normal" in rep_page
    manager_page = manager_client.get("/review/").content.decode()
    assert "Hello Enterprise" in manager_page and "manager approval" in manager_page


def test_approving_inline_replaces_the_row(rep_client, htmx_headers, django_capture_on_commit_callbacks):
    draft = _draft("HOT", 80, "Hal")
    with time_machine.travel(TUESDAY_MORNING), django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(f"/drafts/{draft.pk}/approve/", {"from": "review", "subject": "Edited subject",
                                                                   "body": BODY}, **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="card review-item" id="draft-{draft.pk}"')
    assert "Approved" in html and "<html" not in html
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.SENT and draft.subject == "Edited subject"


def test_editing_inline_saves_and_keeps_the_row_open(rep_client, htmx_headers):
    draft = _draft("HOT", 80, "Hal")
    response = rep_client.post(f"/drafts/{draft.pk}/save/", {"from": "review", "subject": "New", "body": BODY},
                               **htmx_headers)
    assert "Saved." in response.content.decode()
    draft.refresh_from_db()
    assert draft.subject == "New" and draft.state == EmailDraft.State.DRAFT


def test_rejecting_inline_without_javascript_redirects_back_with_a_message(rep_client):
    draft = _draft("WARM", 50, "Wes")
    response = rep_client.post(f"/drafts/{draft.pk}/reject/", {"from": "review", "reason": "Off-brand"}, follow=True)
    assert response.redirect_chain[-1][0] == "/review/"
    assert "Rejected." in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.REJECTED


def test_bulk_approve_approves_the_ticked_drafts_a_rep_may_approve(rep_client, django_capture_on_commit_callbacks):
    first, second, untouched = _draft("HOT", 80, "One"), _draft("WARM", 60, "Two"), _draft("WARM", 55, "Three")
    gated = _draft("HOT", 99, "Gated", needs_approval=True)
    with time_machine.travel(TUESDAY_MORNING), django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post("/review/bulk-approve/", {"draft": [first.pk, second.pk, gated.pk]}, follow=True)
    assert "Approved 2 drafts" in response.content.decode()
    states = {draft.pk: EmailDraft.objects.get(pk=draft.pk).state for draft in (first, second, untouched, gated)}
    assert states == {first.pk: "sent", second.pk: "sent", untouched.pk: "draft", gated.pk: "draft"}


def test_bulk_approve_with_nothing_ticked_says_what_to_do(rep_client):
    response = rep_client.post("/review/bulk-approve/", {}, follow=True)
    assert "Tick the drafts to approve first." in response.content.decode()


def test_an_empty_queue_says_so(rep_client):
    assert "Nothing to review" in rep_client.get("/review/").content.decode()


def test_the_queue_costs_a_fixed_number_of_queries(rep_client, django_assert_max_num_queries):
    for index in range(40):
        _draft("HOT", 70 + index % 30, f"Lead{index}")
    rep_client.get("/review/")  # a running site has the queue order cached
    with django_assert_max_num_queries(5):
        rep_client.get("/review/")


def test_a_draft_someone_else_handled_leaves_the_queue_at_once_and_new_ones_come_within_thirty_seconds(
    rep_client,
):
    handled = _draft("HOT", 90, "Handled")
    assert "Hello Handled" in rep_client.get("/review/").content.decode()
    EmailDraft.objects.filter(pk=handled.pk).update(state=EmailDraft.State.REJECTED)  # another rep, elsewhere
    _draft("HOT", 95, "Newcomer")
    html = rep_client.get("/review/").content.decode()
    assert "Hello Handled" not in html
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=30)):
        assert "Hello Newcomer" in rep_client.get("/review/").content.decode()


def test_a_long_queue_shows_the_first_screenful_hot_and_highest_scored_first(rep_client):
    for index in range(QUEUE_LIMIT + 5):
        _draft("WARM" if index % 2 else "HOT", 40 + index, f"Lead{index:02d}")
    rep_client.get("/review/")  # fills the cached head, spares included
    html = rep_client.get("/review/").content.decode()
    assert html.count('class="card review-item"') == QUEUE_LIMIT
    assert f"{QUEUE_LIMIT + 5} drafts waiting · showing the first {QUEUE_LIMIT}" in html
    hot = sorted((index for index in range(QUEUE_LIMIT + 5) if index % 2 == 0), reverse=True)
    positions = [html.index(f"Hello Lead{index:02d}<") for index in hot]
    assert positions == sorted(positions)  # all HOT drafts, highest score first, come before any WARM one
    assert html.index(f"Hello Lead{hot[-1]:02d}<") < html.index("Hello Lead29<")
    assert "Hello Lead01<" not in html  # the lowest-scored WARM drafts wait below the screenful


SATURDAY_EVENING = datetime.datetime(2026, 11, 21, 21, 0, tzinfo=datetime.UTC)


def test_approving_outside_the_send_window_says_when_the_email_will_go_out(
    rep_client, htmx_headers, settings, django_capture_on_commit_callbacks
):
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.SEND_WINDOW_HOURS = "08:00-18:00"
    draft = _draft("HOT", 80, "Hal")
    with time_machine.travel(SATURDAY_EVENING, tick=False), django_capture_on_commit_callbacks(execute=True):
        html = rep_client.post(f"/drafts/{draft.pk}/approve/", {"from": "review"}, **htmx_headers).content.decode()
    assert "on its way" not in html
    # The window keeps the recipient's hours (the lead is in the US: New York), and says them in their time.
    assert "It waits until Mon 23 Nov 08:00 EST: outside the send window" in html
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.APPROVED and draft.sent_at is None


def test_approving_inside_the_send_window_says_the_email_goes_out_now(rep_client, htmx_headers):
    draft = _draft("HOT", 80, "Hal")
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        html = rep_client.post(f"/drafts/{draft.pk}/approve/", {"from": "review"}, **htmx_headers).content.decode()
    assert "Approved: the email goes out in a moment." in html


def test_once_sent_in_mock_mode_the_approval_says_it_never_really_left(rep, django_capture_on_commit_callbacks):
    draft = _draft("HOT", 80, "Hal")
    with time_machine.travel(TUESDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, rep)
    assert sending.where_it_stands(draft) == "Approved and sent (mock mode: stored, never really sent)."


def test_saving_an_edit_that_cannot_be_sent_says_so_in_the_row(rep_client, htmx_headers):
    draft = _draft("HOT", 80, "Hal")
    html = rep_client.post(f"/drafts/{draft.pk}/save/", {"from": "review", "subject": "Hi {first_name}",
                                                          "body": BODY}, **htmx_headers).content.decode()
    assert '<p class="message" role="status">Saved.</p>' in html
    # Saved, but not sendable: a warning (amber), neither an error nor a plain notice.
    assert ('<p class="message warning" role="status">It cannot be approved yet: Subject has unresolved '
            'placeholders: {first_name}.</p>') in html


def test_saving_an_edit_with_lint_warnings_shows_them_as_a_warning_in_the_row(rep_client, htmx_headers):
    draft = _draft("HOT", 80, "Hal")
    html = rep_client.post(f"/drafts/{draft.pk}/save/", {"from": "review", "subject": "QUICK IDEA",
                                                          "body": BODY}, **htmx_headers).content.decode()
    assert '<p class="message warning" role="status">Check: Subject is in capitals (reads as shouting).</p>' in html
    assert 'class="message error"' not in html


def test_without_javascript_the_saved_edits_lint_comes_back_as_a_warning_message(rep_client):
    draft = _draft("HOT", 80, "Hal")
    page = rep_client.post(f"/drafts/{draft.pk}/save/", {"from": "review", "subject": "QUICK IDEA", "body": BODY},
                           follow=True)
    shown = [(message.level_tag, message.message) for message in page.context["messages"]]
    assert shown == [("success", "Saved."), ("warning", "Check: Subject is in capitals (reads as shouting).")]


def test_bulk_approve_with_a_mangled_draft_id_says_what_to_do_instead_of_failing(rep_client):
    response = rep_client.post("/review/bulk-approve/", {"draft": ["not-a-draft-id"]}, follow=True)
    assert response.status_code == 200
    assert "Tick the drafts to approve first." in response.content.decode()


# Committed for real, as in production: the queue's cached count drops once the action commits.
@pytest.mark.django_db(transaction=True)
def test_a_rep_asks_for_info_from_the_queue_and_the_question_waits_for_review(rep_client, htmx_headers):
    draft = _draft("WARM", 55, "Nina")
    html = rep_client.get("/review/").content.decode()
    assert f"/drafts/{draft.pk}/needs-info/" in html and f"/drafts/{draft.pk}/disqualify/" in html

    row = rep_client.post(f"/drafts/{draft.pk}/needs-info/", {"from": "review", "reason": "Which CRM do you use?"},
                          **htmx_headers).content.decode()
    assert "a clarifying question is drafted for review" in row
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.CANCELLED and draft.lead.status == "NEEDS_INFO"
    question = EmailDraft.objects.get(lead=draft.lead, state=EmailDraft.State.DRAFT)
    assert question.variant == EmailDraft.Variant.CLARIFYING_QUESTION and "Which CRM do you use?" in question.body
    assert f"draft-{question.pk}" in rep_client.get("/review/").content.decode()


def test_a_rep_disqualifies_a_lead_from_the_queue_with_a_reason(rep_client, htmx_headers):
    draft = _draft("COLD", 20, "Stu")
    missing = rep_client.post(f"/drafts/{draft.pk}/disqualify/", {"from": "review", "reason": ""}, **htmx_headers)
    assert missing.status_code == 422 and "Say why the lead is disqualified." in missing.content.decode()

    row = rep_client.post(f"/drafts/{draft.pk}/disqualify/", {"from": "review", "reason": "Student project"},
                          **htmx_headers).content.decode()
    assert "Lead disqualified; its unsent emails are cancelled." in row
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.CANCELLED and draft.lead.status == "DISQUALIFIED"
    assert f"draft-{draft.pk}" not in rep_client.get("/review/").content.decode()


# Committed for real, as in production: the queue's cached count drops once the action commits.
@pytest.mark.django_db(transaction=True)
def test_the_waiting_count_follows_the_rows_a_rep_handles(rep_client, htmx_headers):
    first, _second = _draft("WARM", 60, "Una"), _draft("WARM", 55, "Duo")
    assert "2 drafts waiting" in rep_client.get("/review/").content.decode()
    row = rep_client.post(f"/drafts/{first.pk}/reject/", {"from": "review", "reason": "Off-brand"},
                          **htmx_headers).content.decode()
    assert "Rejected." in row
    assert '<span id="queue-count" hx-swap-oob="true">1 draft waiting' in row


# --- a save must carry its subject and body ------------------------------------------------------------------
@pytest.mark.parametrize(("posted", "named"), [
    ({"body": BODY}, "the subject is missing"),
    ({"subject": "New subject"}, "the body is missing"),
    ({}, "the subject and the body are missing"),
    ({"subject": " ", "body": BODY}, "the subject is missing"),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_a_save_missing_its_subject_or_body_is_a_400_naming_it_and_blanks_nothing(
    rep_client, htmx_headers, posted, named, htmx
):
    draft = _draft("HOT", 80, "Hal")
    response = rep_client.post(f"/drafts/{draft.pk}/save/", {"from": "review", **posted},
                               **(htmx_headers if htmx else {}))
    assert response.status_code == 400
    assert f"Nothing was saved: {named}." in response.content.decode()
    draft.refresh_from_db()
    assert (draft.subject, draft.body) == ("Hello Hal", BODY)


# --- what waits for a manager --------------------------------------------------------------------------------
def test_a_rep_sees_in_a_row_only_the_buttons_it_may_use(rep_client, rep, htmx_headers):
    draft = _draft("HOT", 95, "Gated", needs_approval=True, approval_reason="Budget over $50,000")
    # A row the rep still has open when the gate was raised: the server's refusal comes back without those buttons.
    response = rep_client.post(f"/drafts/{draft.pk}/approve/", {"from": "review"}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 422 and "Only a manager can approve this draft" in html
    assert "Approve &amp; send</button>" not in html and ">Reject</button>" not in html
    assert "Save edit" in html and "Ask for info" in html and "Ask a manager to disqualify" in html
    assert f'value="{draft.pk}" form="bulk-form" disabled' in html


def test_a_manager_sees_what_waits_for_a_manager_and_decides_from_the_queue(manager_client, rep):
    _draft("HOT", 95, "Gated", needs_approval=True, approval_reason="Budget over $50,000")
    _draft("WARM", 55, "Normal")
    recommended = LeadFactory(first_name="Stu", last_name="Dent", disqualification_reason="Student, not a buyer",
                              disqualification_requested_at=TUESDAY_MORNING)
    asked = LeadFactory(first_name="Cora", last_name="Competitor", disqualification_reason="Works at a rival",
                        disqualification_requested_by=rep, disqualification_requested_at=TUESDAY_MORNING)

    page = manager_client.get("/review/").content.decode()
    assert "Waiting for a manager" in page and "1 draft only a manager may approve" in page
    assert "Disqualifications to confirm (2)" in page
    assert "Student, not a buyer" in page and "recommended by qualification" in page
    assert "Works at a rival" in page and f"asked by {rep.username}" in page
    only_gated = manager_client.get("/review/?waiting=manager").content.decode()
    assert "Hello Gated" in only_gated and "Hello Normal" not in only_gated
    assert "1 draft waiting for a manager" in only_gated

    response = manager_client.post(f"/leads/{recommended.pk}/disqualification/confirm/", {"from": "review"},
                                   follow=True)
    assert response.redirect_chain[-1][0] == "/review/"
    assert "Stu Dent is disqualified" in response.content.decode()
    manager_client.post(f"/leads/{asked.pk}/disqualification/keep/", {"from": "review"})
    recommended.refresh_from_db()
    asked.refresh_from_db()
    assert recommended.status == "DISQUALIFIED" and asked.status == "QUALIFIED"
    assert "Disqualifications to confirm (0)" in manager_client.get("/review/").content.decode()


def test_a_rep_neither_sees_the_managers_list_nor_decides_on_it(rep_client):
    lead = LeadFactory(disqualification_reason="Student, not a buyer", disqualification_requested_at=TUESDAY_MORNING)
    assert "Waiting for a manager" not in rep_client.get("/review/").content.decode()
    assert rep_client.post(f"/leads/{lead.pk}/disqualification/confirm/").status_code == 403
    assert rep_client.post(f"/leads/{lead.pk}/disqualification/keep/").status_code == 403
    lead.refresh_from_db()
    assert lead.disqualification_reason == "Student, not a buyer"
