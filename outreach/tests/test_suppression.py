"""outreach.suppression: whether an address may be emailed, and adding to the do-not-contact list."""

from leads.models import ActivityLog
from outreach import suppression
from outreach.models import EmailDraft, Suppression


def test_an_address_row_answers_before_the_domain_row_and_case_does_not_matter(db):
    domain_row = Suppression.objects.create(domain="acme.com", reason=Suppression.Reason.MANUAL)
    address_row = Suppression.objects.create(email="dana@acme.com", reason=Suppression.Reason.UNSUBSCRIBED)
    assert suppression.suppression_for(" Dana@ACME.com ") == address_row
    assert suppression.suppression_for("lee@acme.com") == domain_row
    assert suppression.is_suppressed("lee@acme.com")


def test_an_erased_persons_hashed_address_blocks_them_in_any_case_and_nobody_else(db):
    row = Suppression.objects.create(email=suppression.address_hash("dana@acme.com"),
                                     reason=Suppression.Reason.OPTED_OUT)
    assert "dana" not in row.email and row.email.startswith("sha256:")
    assert suppression.suppression_for(" Dana@ACME.com ") == row
    assert not suppression.is_suppressed("lee@acme.com")
    row.full_clean()  # the admin can still edit its notes


def test_an_address_that_is_not_listed_or_is_no_address_is_not_suppressed(db):
    Suppression.objects.create(domain="acme.com", reason=Suppression.Reason.MANUAL)
    assert suppression.suppression_for("dana@globex.io") is None
    assert not suppression.is_suppressed("acme.com")
    assert not suppression.is_suppressed("")


def test_suppressing_twice_adds_one_row_and_stops_the_lead_once(draft_factory):
    draft = draft_factory()
    first = suppression.suppress(email=draft.lead.email.upper(), reason=Suppression.Reason.OPTED_OUT, source="test")
    second = suppression.suppress(email=draft.lead.email, reason=Suppression.Reason.OPTED_OUT, source="test")
    assert (first[1], second[1], first[0]) == (True, False, second[0])
    assert first[0].email == draft.lead.email.lower()
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.CANCELLED
    assert draft.lead.activities.filter(type=ActivityLog.Type.UNSUBSCRIBED).count() == 1


def test_a_domain_is_stored_without_its_at_sign(db):
    row, created = suppression.suppress(domain="@Globex.io", reason=Suppression.Reason.MANUAL, source="test")
    assert (row.email, row.domain, created) == ("", "globex.io", True)


def test_suppressing_an_erased_persons_address_again_does_not_store_it_in_plain(db):
    hashed = Suppression.objects.create(email=suppression.address_hash("dana@acme.com"),
                                        reason=Suppression.Reason.OPTED_OUT)
    row, created = suppression.suppress(email="Dana@acme.com", reason=Suppression.Reason.UNSUBSCRIBED, source="link")
    assert (row, created) == (hashed, False)
    assert list(Suppression.objects.values_list("email", flat=True)) == [hashed.email]
